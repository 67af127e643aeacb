"""Ranking metrics as small pure functions over ranks or top-k lists (numpy in, float out).

Conventions shared by every function here:
- Ranks are 0-based: rank 0 is the best item. Positions in a top-k list are 0-based too.
- Tie rule: produced upstream by `benchmark.ranking` (equal scores → lower item index first);
  the metrics only see the resulting order, so ties are resolved the same way everywhere.
- Masking (history, train or train+valid items) is applied upstream, before ranking, by
  passing `exclude=` to `benchmark.ranking`; masked items never appear in a top-k list ahead of
  an unmasked one.
- Averages are plain means over queries (users). A query without any relevant item is left out
  of the mean (it has no defined recall); `n_evaluated` style counts are the caller's to report.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def _discounts(k: int) -> np.ndarray:
    return 1.0 / np.log2(np.arange(k, dtype=np.float64) + 2.0)


def ndcg_at_k_from_ranks(ranks: np.ndarray, k: int) -> float:
    """NDCG@k with one relevant item per query, from its 0-based rank.

    NDCG = 1 / log2(rank + 2) if rank < k else 0 (the ideal DCG is 1), averaged over queries.
    """
    ranks = np.asarray(ranks, dtype=np.int64)
    if ranks.size == 0:
        return float("nan")
    gains = np.where(ranks < k, 1.0 / np.log2(ranks.astype(np.float64) + 2.0), 0.0)
    return float(gains.mean())


def recall_at_k_from_ranks(ranks: np.ndarray, k: int) -> float:
    """Recall@k (= HitRate@k) with one relevant item per query: mean of [rank < k]."""
    ranks = np.asarray(ranks, dtype=np.int64)
    if ranks.size == 0:
        return float("nan")
    return float((ranks < k).mean())


def _as_grades(rel: Mapping[int, float] | set[int] | Sequence[int]) -> dict[int, float]:
    """Relevant items with their grade; a set or list means grade 1. Grades <= 0 are not relevant."""
    if isinstance(rel, Mapping):
        return {int(i): float(g) for i, g in rel.items() if g > 0}
    return {int(i): 1.0 for i in rel}


def ndcg_at_k(topk_indices: np.ndarray, relevant: Sequence[Mapping[int, float] | set[int]], k: int) -> float:
    """Graded NDCG@k for queries with several relevant items (search, collaborative filtering).

    DCG@k = Σ_{p<k} grade(item at position p) / log2(p + 2)   (linear gain, as trec_eval's ndcg_cut)
    IDCG@k = the same sum over the grades sorted in decreasing order (the best possible list).
    With binary grades this is the LightGCN/AlphaRec NDCG. Queries with no relevant item
    (no grade > 0) are left out of the mean; NaN if none is left.
    """
    topk = np.asarray(topk_indices)[:, :k]
    discounts = _discounts(k)
    values = []
    for row, rel in zip(topk, relevant):
        grades = _as_grades(rel)
        if not grades:
            continue
        gains = np.array([grades.get(int(i), 0.0) for i in row])
        dcg = float((gains * discounts[: gains.size]).sum())
        ideal = np.sort(np.fromiter(grades.values(), dtype=np.float64))[::-1][:k]
        idcg = float((ideal * discounts[: ideal.size]).sum())
        values.append(dcg / idcg)
    return float(np.mean(values)) if values else float("nan")


def recall_at_k(topk_indices: np.ndarray, relevant: Sequence[Mapping[int, float] | set[int]], k: int) -> float:
    """Recall@k = |top-k ∩ relevant| / |relevant| per query, averaged (LightGCN/AlphaRec convention).

    The denominator is the full number of relevant items, not min(|relevant|, k). Queries with
    no relevant item are left out of the mean; NaN if none is left.
    """
    topk = np.asarray(topk_indices)[:, :k]
    values = []
    for row, rel in zip(topk, relevant):
        grades = _as_grades(rel)
        if not grades:
            continue
        hits = sum(1 for i in row if int(i) in grades)
        values.append(hits / len(grades))
    return float(np.mean(values)) if values else float("nan")


def sampled_ranks(query_vectors: np.ndarray, item_vectors: np.ndarray, targets: np.ndarray, n_negatives: int,
                  seed: int, exclude: list[np.ndarray] | None = None) -> np.ndarray:
    """SAMPLED-negatives ranks, for comparison with older papers only (label results "sampled").

    For each query: draw `n_negatives` distinct items uniformly at random (numpy Generator seeded
    with `seed`, queries in order), never the target nor an item of `exclude[q]`. The rank is
    the number of negatives scoring higher than the target + negatives scoring equal with a
    lower item index (the full-ranking tie rule), so it lies in [0, n_negatives].
    Feed the result to `ndcg_at_k_from_ranks` / `recall_at_k_from_ranks`.
    """
    rng = np.random.default_rng(seed)
    queries = np.asarray(query_vectors, dtype=np.float32)
    items = np.asarray(item_vectors, dtype=np.float32)
    n_items = items.shape[0]
    ranks = np.empty(len(targets), dtype=np.int64)
    for q, target in enumerate(np.asarray(targets, dtype=np.int64)):
        banned = {int(target)}
        if exclude is not None:
            banned.update(int(i) for i in np.asarray(exclude[q]).ravel())
        allowed = n_items - len(banned)
        if allowed < n_negatives:
            raise ValueError(f"query {q}: only {allowed} items can be negatives, {n_negatives} asked")
        negatives: list[int] = []
        chosen: set[int] = set()
        if allowed < 4 * n_negatives:  # small pool: draw from the allowed items directly
            pool = np.setdiff1d(np.arange(n_items), np.fromiter(banned, dtype=np.int64))
            negatives = rng.choice(pool, size=n_negatives, replace=False).tolist()
        while len(negatives) < n_negatives:  # rejection sampling: pools are much larger than N
            for i in rng.integers(0, n_items, size=2 * n_negatives).tolist():
                if i not in banned and i not in chosen:
                    chosen.add(i)
                    negatives.append(i)
                    if len(negatives) == n_negatives:
                        break
        neg = np.asarray(negatives, dtype=np.int64)
        neg_scores = items[neg] @ queries[q]
        own = items[target] @ queries[q]
        ranks[q] = int((neg_scores > own).sum() + ((neg_scores == own) & (neg < target)).sum())
    return ranks
