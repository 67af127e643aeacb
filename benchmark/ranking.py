"""Full ranking of every item for every query, in chunks, on CPU or GPU.

Scores are dot products `queries @ items.T` (pass L2-normalised vectors for cosine). Queries are
processed a few rows at a time, and the number of rows per chunk shrinks with the pool size, so
the score block in memory stays near `MAX_BLOCK_ELEMENTS` floats (256 MB): a pool of 1M items
ranks in a few GB.

Tie rule (everywhere in the benchmark): equal scores rank the LOWER item index first. Item
indices are row numbers of the sorted `items.parquet`, so the rule is deterministic and
independent of the hardware. Excluded items score -inf; they only appear in a top-k list when
fewer than k items remain, and then in index order.
"""
from __future__ import annotations

import numpy as np
import torch

MAX_BLOCK_ELEMENTS = 1 << 26  # floats in one [query chunk × all items] score block


def _device(device: str | None) -> torch.device:
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(device)


def _as_tensor(x, device: torch.device) -> torch.Tensor:
    t = torch.as_tensor(x)
    if not t.is_floating_point():
        raise TypeError(f"expected float vectors, got {t.dtype}")
    return t.to(device=device, dtype=torch.float32)


def _chunks(n_queries: int, n_items: int, chunk_size: int):
    rows = max(1, min(chunk_size, MAX_BLOCK_ELEMENTS // max(n_items, 1)))
    for start in range(0, n_queries, rows):
        yield start, min(start + rows, n_queries)


def _mask(scores: torch.Tensor, exclude: list[np.ndarray] | None, start: int) -> None:
    """Set excluded items of each query row to -inf, in place."""
    if exclude is None:
        return
    rows, cols = [], []
    for r in range(scores.shape[0]):
        idx = np.asarray(exclude[start + r], dtype=np.int64).ravel()
        if idx.size:
            rows.append(np.full(idx.size, r, dtype=np.int64))
            cols.append(idx)
    if rows:
        r = torch.from_numpy(np.concatenate(rows)).to(scores.device)
        c = torch.from_numpy(np.concatenate(cols)).to(scores.device)
        scores[r, c] = float("-inf")


def topk_block(scores: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Top-k (values, indices) of each row of a score block, with the tie rule (equal score →
    lower index first). For scorers other than a dot product (e.g. BM25)."""
    k = min(k, scores.shape[1])
    values, indices = torch.topk(scores, k, dim=1)
    kth = values[:, -1:]
    # torch.topk picks arbitrarily among items tied with the k-th score; fix those rows.
    boundary_ties = (scores >= kth).sum(dim=1) > k
    for r in torch.nonzero(boundary_ties).flatten().tolist():
        row, t = scores[r], kth[r, 0]
        above = torch.nonzero(row > t).flatten()
        tied = torch.nonzero(row == t).flatten()[: k - above.numel()]  # nonzero is index-ordered
        indices[r] = torch.cat([above, tied])
        values[r] = row[indices[r]]
    # Order inside the top k: by index, then a stable sort by descending score.
    indices, order = torch.sort(indices, dim=1)
    values = torch.gather(values, 1, order)
    values, order = torch.sort(values, dim=1, descending=True, stable=True)
    return values, torch.gather(indices, 1, order)


@torch.no_grad()
def score_topk(queries: torch.Tensor, items: torch.Tensor, k: int, exclude: list[np.ndarray] | None = None,
               chunk_size: int = 1024, device: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The k best items of every query among ALL items: (scores [Q,k], item indices [Q,k]) on CPU.

    score = queries[q] · items[i]; ties → lower item index first; `exclude[q]` (item indices)
    are masked to -inf for query q. k is clipped to the number of items.
    """
    dev = _device(device)
    items_t = _as_tensor(items, dev)
    queries_t = torch.as_tensor(queries)
    n_items = items_t.shape[0]
    k = min(k, n_items)
    out_scores, out_indices = [], []
    for start, end in _chunks(queries_t.shape[0], n_items, chunk_size):
        scores = _as_tensor(queries_t[start:end], dev) @ items_t.T
        _mask(scores, exclude, start)
        values, indices = topk_block(scores, k)
        out_scores.append(values.cpu())
        out_indices.append(indices.cpu())
    if not out_scores:
        return torch.empty(0, k), torch.empty(0, k, dtype=torch.long)
    return torch.cat(out_scores), torch.cat(out_indices)


@torch.no_grad()
def target_ranks(queries: torch.Tensor, items: torch.Tensor, targets: np.ndarray, exclude: list[np.ndarray] | None = None,
                 chunk_size: int = 1024, device: str | None = None) -> np.ndarray:
    """0-based rank of each query's single target among all items (full ranking).

    rank = #items scoring higher than the target + #items scoring equal with a lower index,
    i.e. the target's position in the `score_topk` order. The target's own score is taken
    before masking; excluded items score -inf and so never rank above it.
    """
    dev = _device(device)
    items_t = _as_tensor(items, dev)
    queries_t = torch.as_tensor(queries)
    targets_t = torch.as_tensor(np.asarray(targets, dtype=np.int64))
    n_items = items_t.shape[0]
    index = torch.arange(n_items, device=dev)
    ranks = []
    for start, end in _chunks(queries_t.shape[0], n_items, chunk_size):
        scores = _as_tensor(queries_t[start:end], dev) @ items_t.T
        tgt = targets_t[start:end].to(dev)
        own = scores.gather(1, tgt[:, None])
        _mask(scores, exclude, start)
        scores.scatter_(1, tgt[:, None], own)  # the target itself is never masked
        higher = (scores > own).sum(dim=1)
        tied_lower = ((scores == own) & (index[None, :] < tgt[:, None])).sum(dim=1)
        ranks.append((higher + tied_lower).cpu())
    if not ranks:
        return np.empty(0, dtype=np.int64)
    return torch.cat(ranks).numpy().astype(np.int64)
