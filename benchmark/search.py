"""Product search, zero-shot (DESIGN §5): rank the whole candidate pool for every query.

Scores are dot products of L2-normalised raw encoder vectors (no adaptor); the metric is
graded NDCG@100 over the qrels' relevance. Ties follow `benchmark.ranking` (lower item index
first). Queries whose qrels name no item of the pool cannot be scored: they are counted and
left out, never silently dropped.
"""
from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import torch

from benchmark.baselines import BM25
from benchmark.encoders.base import l2_normalise
from benchmark.metrics import ndcg_at_k, recall_at_k
from benchmark.protocol import SEARCH_CUTOFF
from benchmark.ranking import topk_block  # the shared tie rule
from benchmark.ranking import score_topk

log = logging.getLogger(__name__)


def relevance_lists(frames: dict[str, pd.DataFrame]) -> tuple[list[str], list[str], list[dict[int, float]], dict]:
    """(query ids, query texts, graded relevant item indices per query, counts of what was left out)."""
    items = frames["items"]
    index = pd.Series(np.arange(len(items)), index=items["item_id"].astype(str))
    qrels = frames["qrels"].astype({"query_id": str, "item_id": str})
    qrels = qrels[qrels["relevance"] > 0]
    in_pool = qrels["item_id"].isin(index.index)
    qrels = qrels[in_pool].assign(row=lambda f: index.loc[f["item_id"]].to_numpy())
    by_query = {q: dict(zip(g["row"].tolist(), g["relevance"].astype(float).tolist()))
                for q, g in qrels.groupby("query_id", sort=False)}
    queries = frames["queries"].astype({"query_id": str})
    queries = queries.drop_duplicates("query_id")
    keep = queries["query_id"].isin(by_query)
    left_out = {"qrels_outside_pool": int((~in_pool).sum()), "queries_without_relevant": int((~keep).sum())}
    if left_out["queries_without_relevant"]:
        log.warning("search: %d of %d queries have no relevant item in the pool; left out",
                    left_out["queries_without_relevant"], len(queries))
    queries = queries[keep]
    return (queries["query_id"].tolist(), queries["query"].astype(str).tolist(),
            [by_query[q] for q in queries["query_id"]], left_out)


def evaluate(topk: np.ndarray, relevant: list[dict[int, float]], k: int = SEARCH_CUTOFF) -> dict[str, float]:
    return {f"ndcg@{k}": ndcg_at_k(topk, relevant, k), f"recall@{k}": recall_at_k(topk, relevant, k)}


def rank_dense(query_vectors: np.ndarray, item_vectors: np.ndarray, k: int = SEARCH_CUTOFF,
               device: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(scores, item indices) of the top k by cosine (L2-normalised dot product) over the whole pool."""
    scores, indices = score_topk(torch.from_numpy(l2_normalise(query_vectors)),
                                 torch.from_numpy(l2_normalise(item_vectors)), k, device=device)
    return scores.float().numpy(), indices.numpy()


def rank_bm25(queries: list[str], documents: list[str], k: int = SEARCH_CUTOFF,
              chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """(scores, item indices) of the top k by BM25 over the whole pool, with the dense tie rule."""
    index = BM25().fit(documents)
    k = min(k, len(documents))
    blocks = [topk_block(torch.from_numpy(index.scores(queries[s:s + chunk])), k)
              for s in range(0, len(queries), chunk)]
    if not blocks:
        return np.empty((0, k), dtype=np.float32), np.empty((0, k), dtype=np.int64)
    return (np.concatenate([b[0].float().numpy() for b in blocks]), np.concatenate([b[1].numpy() for b in blocks]))


def rankings_table(query_ids: list[str], item_ids: np.ndarray, scores: np.ndarray, topk: np.ndarray) -> pa.Table:
    """Long table of each query's top k: query_id, rank (1 = best), item_id, score."""
    n, k = topk.shape
    return pa.table({"query_id": pa.array(np.repeat(np.asarray(query_ids, dtype=object), k), pa.string()),
                     "rank": pa.array(np.tile(np.arange(1, k + 1, dtype=np.int16), n)),
                     "item_id": pa.array(item_ids[topk.reshape(-1)], pa.string()),
                     "score": pa.array(scores.reshape(-1).astype(np.float32))})


def run_search(frames: dict[str, pd.DataFrame], item_vectors: np.ndarray | None = None, encoder=None, *,
               baseline: str | None = None, text_column: str = "title", device: str | None = None,
               k: int = SEARCH_CUTOFF) -> dict:
    """Evaluate one encoder (item vectors given, queries encoded here) or the BM25 baseline.

    Returns {"test": {...}, "n_queries", "n_items", left-out counts, "timings", "rankings"}, where
    "rankings" is the `rankings_table` of every scored query's top k (not part of the result JSON).
    """
    started = time.perf_counter()
    query_ids, texts, relevant, left_out = relevance_lists(frames)
    documents = frames["items"][text_column].fillna("").astype(str).tolist()
    timings = {}
    if baseline == "bm25":
        scores, topk = rank_bm25(texts, documents, k)
    elif baseline is None:
        t0 = time.perf_counter()
        query_vectors = encoder.encode(texts, kind="query")
        timings["encode_queries_s"] = round(time.perf_counter() - t0, 3)
        scores, topk = rank_dense(query_vectors, item_vectors, k, device=device)
    else:
        raise ValueError(f"unknown search baseline {baseline!r}")
    t0 = time.perf_counter()
    metrics = evaluate(topk, relevant, k)
    timings["evaluate_s"] = round(time.perf_counter() - t0, 3)
    timings["search_s"] = round(time.perf_counter() - started, 3)
    rankings = rankings_table(query_ids, frames["items"]["item_id"].astype(str).to_numpy(dtype=object), scores, topk)
    return {"test": metrics, "n_queries": len(texts), "n_items": len(documents), **left_out,
            "cutoff": k, "text": text_column, "timings": timings, "rankings": rankings}
