"""Metrics and full ranking against an independent numpy implementation (textbook formulas)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from benchmark import metrics, ranking


def reference_order(scores: np.ndarray, exclude=None) -> np.ndarray:
    """Full ranking by sorting: score descending, then item index ascending (the documented rule)."""
    scores = scores.astype(np.float64).copy()
    if exclude is not None:
        for q, idx in enumerate(exclude):
            scores[q, idx] = -np.inf
    index = np.broadcast_to(np.arange(scores.shape[1]), scores.shape)
    return np.stack([np.lexsort((index[q], -scores[q])) for q in range(scores.shape[0])])


def reference_ndcg(order: np.ndarray, grades: list[dict[int, float]], k: int) -> float:
    values = []
    for row, rel in zip(order, grades):
        if not rel:
            continue
        dcg = sum(rel.get(int(item), 0.0) / math.log2(pos + 2) for pos, item in enumerate(row[:k]))
        ideal = sorted(rel.values(), reverse=True)[:k]
        idcg = sum(g / math.log2(pos + 2) for pos, g in enumerate(ideal))
        values.append(dcg / idcg)
    return float(np.mean(values))


def reference_recall(order: np.ndarray, grades: list[dict[int, float]], k: int) -> float:
    return float(np.mean([len(set(row[:k].tolist()) & set(rel)) / len(rel) for row, rel in zip(order, grades) if rel]))


@pytest.fixture
def no_ties():
    rng = np.random.default_rng(7)
    queries = rng.standard_normal((37, 16)).astype(np.float32)
    items = rng.standard_normal((211, 16)).astype(np.float32)
    scores = (torch.from_numpy(queries) @ torch.from_numpy(items).T).numpy()
    assert len(np.unique(scores)) == scores.size  # the premise: no ties
    return queries, items, scores, rng


def test_single_target_metrics_hand_computed():
    ranks = np.array([0, 1, 9, 10, 500])
    assert metrics.ndcg_at_k_from_ranks(ranks, 10) == pytest.approx((1 + 1 / math.log2(3) + 1 / math.log2(11)) / 5)
    assert metrics.recall_at_k_from_ranks(ranks, 10) == pytest.approx(3 / 5)
    assert metrics.recall_at_k_from_ranks(ranks, 1) == pytest.approx(1 / 5)
    assert metrics.ndcg_at_k_from_ranks(ranks, 1000) == pytest.approx(
        np.mean([1 / math.log2(r + 2) for r in ranks]))


def test_graded_metrics_hand_computed():
    topk = np.array([[3, 1, 2], [7, 8, 9], [4, 5, 6]])
    relevant = [{1: 2.0, 2: 1.0, 5: 3.0}, {9: 1.0}, {}]  # the third query has nothing relevant: left out
    dcg = 2 / math.log2(3) + 1 / math.log2(4)
    idcg = 3 + 2 / math.log2(3) + 1 / math.log2(4)
    assert metrics.ndcg_at_k(topk, relevant, 3) == pytest.approx((dcg / idcg + (1 / math.log2(4))) / 2)
    assert metrics.recall_at_k(topk, relevant, 3) == pytest.approx((2 / 3 + 1) / 2)
    assert metrics.recall_at_k(topk, [{1, 2, 5}, {9}, set()], 2) == pytest.approx((1 / 3 + 0) / 2)
    assert metrics.ndcg_at_k(topk, [{0: 0.0}], 3) != metrics.ndcg_at_k(topk, [{0: 0.0}], 3)  # NaN: nobody relevant


def test_rank_metrics_equal_reference_without_ties(no_ties):
    queries, items, scores, rng = no_ties
    order = reference_order(scores)
    targets = rng.integers(0, items.shape[0], size=queries.shape[0])
    ranks = ranking.target_ranks(torch.from_numpy(queries), torch.from_numpy(items), targets, chunk_size=5)
    expected = np.array([int(np.nonzero(order[q] == t)[0][0]) for q, t in enumerate(targets)])
    np.testing.assert_array_equal(ranks, expected)
    for k in (1, 10, 50):
        assert metrics.ndcg_at_k_from_ranks(ranks, k) == pytest.approx(
            reference_ndcg(order, [{int(t): 1.0} for t in targets], k))
        assert metrics.recall_at_k_from_ranks(ranks, k) == pytest.approx(
            reference_recall(order, [{int(t): 1.0} for t in targets], k))


def test_topk_and_graded_metrics_equal_reference_without_ties(no_ties):
    queries, items, scores, rng = no_ties
    grades = [{int(i): float(rng.integers(1, 4)) for i in rng.choice(items.shape[0], size=rng.integers(1, 30), replace=False)}
              for _ in range(queries.shape[0])]
    exclude = [rng.choice(items.shape[0], size=rng.integers(0, 40), replace=False) for _ in range(queries.shape[0])]
    order = reference_order(scores, exclude)
    top_scores, top = ranking.score_topk(torch.from_numpy(queries), torch.from_numpy(items), 100, exclude=exclude,
                                         chunk_size=4)
    np.testing.assert_array_equal(top.numpy(), order[:, :100])
    assert torch.all(top_scores[:, :-1] >= top_scores[:, 1:])
    for q, idx in enumerate(exclude):  # masking: no excluded item among the (plenty of) survivors
        assert not set(idx.tolist()) & set(top[q].tolist())
    for k in (5, 20, 100):
        assert metrics.ndcg_at_k(top.numpy(), grades, k) == pytest.approx(reference_ndcg(order, grades, k))
        assert metrics.recall_at_k(top.numpy(), grades, k) == pytest.approx(reference_recall(order, grades, k))
        sets = [set(g) for g in grades]
        assert metrics.recall_at_k(top.numpy(), sets, k) == pytest.approx(reference_recall(order, grades, k))


def test_ties_rank_lower_index_first():
    rng = np.random.default_rng(3)
    # Integer vectors with few distinct values: many exact ties, including at the top-k boundary.
    queries = rng.integers(0, 2, size=(25, 3)).astype(np.float32)
    items = rng.integers(0, 2, size=(60, 3)).astype(np.float32)
    scores = queries @ items.T
    order = reference_order(scores)
    for k in (1, 7, 60):
        _, top = ranking.score_topk(torch.from_numpy(queries), torch.from_numpy(items), k, chunk_size=6)
        np.testing.assert_array_equal(top.numpy(), order[:, :k])
    targets = rng.integers(0, 60, size=25)
    ranks = ranking.target_ranks(queries, items, targets, chunk_size=6)
    expected = [int(np.nonzero(order[q] == t)[0][0]) for q, t in enumerate(targets)]
    np.testing.assert_array_equal(ranks, expected)
    # The rule, spelled out: #higher + #equal with a lower index.
    for q, t in enumerate(targets):
        assert ranks[q] == (scores[q] > scores[q, t]).sum() + ((scores[q] == scores[q, t]) & (np.arange(60) < t)).sum()


def test_target_rank_is_position_in_topk_full_ranking(no_ties):
    queries, items, _, rng = no_ties
    exclude = [rng.choice(items.shape[0], size=10, replace=False) for _ in range(queries.shape[0])]
    _, full = ranking.score_topk(queries, items, items.shape[0], exclude=exclude)
    targets = np.array([rng.choice(np.setdiff1d(np.arange(items.shape[0]), ex)) for ex in exclude])
    ranks = ranking.target_ranks(queries, items, targets, exclude=exclude)
    np.testing.assert_array_equal(ranks, [int(np.nonzero(full[q].numpy() == t)[0][0]) for q, t in enumerate(targets)])
    # Masking lowers the rank: the same targets without masking rank at least as far down.
    assert np.all(ranking.target_ranks(queries, items, targets) >= ranks)


def test_masked_items_come_last_in_index_order_when_k_exceeds_survivors():
    queries = np.ones((1, 2), dtype=np.float32)
    items = np.arange(12, dtype=np.float32).reshape(6, 2)  # scores grow with the index
    scores, top = ranking.score_topk(queries, items, 5, exclude=[np.array([5, 4, 1, 0])])
    assert top[0].tolist() == [3, 2, 0, 1, 4]
    assert torch.isinf(scores[0, 2:]).all()


def test_chunking_by_memory_budget_gives_the_same_answer(no_ties, monkeypatch):
    queries, items, _, rng = no_ties
    targets = rng.integers(0, items.shape[0], size=queries.shape[0])
    before = ranking.score_topk(queries, items, 10)[1], ranking.target_ranks(queries, items, targets)
    monkeypatch.setattr(ranking, "MAX_BLOCK_ELEMENTS", items.shape[0] * 2)  # two query rows per block
    after = ranking.score_topk(queries, items, 10)[1], ranking.target_ranks(queries, items, targets)
    assert torch.equal(before[0], after[0])
    np.testing.assert_array_equal(before[1], after[1])


def test_sampled_ranks_are_seeded_and_bounded(no_ties):
    queries, items, scores, rng = no_ties
    best, worst = scores.argmax(axis=1), scores.argmin(axis=1)
    assert (metrics.sampled_ranks(queries, items, best, 50, seed=1) == 0).all()
    assert (metrics.sampled_ranks(queries, items, worst, 50, seed=1) == 50).all()
    middle = np.argsort(scores, axis=1)[:, items.shape[0] // 2]
    a = metrics.sampled_ranks(queries, items, middle, 50, seed=1)
    assert np.array_equal(a, metrics.sampled_ranks(queries, items, middle, 50, seed=1))
    assert not np.array_equal(a, metrics.sampled_ranks(queries, items, middle, 50, seed=2))
    assert ((a > 5) & (a < 45)).mean() > 0.8  # about half of the negatives beat a median item
    # Excluded items are never drawn: excluding every better item puts the target first.
    better = [np.nonzero(scores[q] > scores[q, middle[q]])[0] for q in range(len(middle))]
    assert (metrics.sampled_ranks(queries, items, middle, 50, seed=1, exclude=better) == 0).all()
    with pytest.raises(ValueError):
        metrics.sampled_ranks(queries[:1], items[:10], middle[:1] % 10, 50, seed=1)
