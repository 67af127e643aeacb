"""Zero-shot product search: NDCG@100 on hand-made pools, MiniLM and BM25 on real text."""
from __future__ import annotations

import math

import numpy as np
import pytest

from benchmark.search import evaluate, rank_bm25, rank_dense, relevance_lists, run_search


def test_ndcg_on_a_hand_made_pool():
    items = np.array([[0.5, 0.866], [0.9, 0.436], [1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    queries = np.array([[3.0, 0.0], [0.0, 0.5]], dtype=np.float32)  # not unit length: ranking normalises
    scores, topk = rank_dense(queries, items, k=100, device="cpu")
    assert topk.shape == scores.shape == (2, 4)  # k is clipped to the pool
    assert scores[1].tolist() == pytest.approx([1.0, 0.866, 0.436, 0.0], abs=1e-3)  # cosines, best first
    assert topk[0].tolist() == [2, 1, 0, 3] and topk[1].tolist() == [3, 0, 1, 2]
    relevant = [{2: 2.0, 0: 1.0}, {3: 1.0}]
    dcg = 2 / math.log2(2) + 1 / math.log2(4)
    idcg = 2 / math.log2(2) + 1 / math.log2(3)
    got = evaluate(topk, relevant, k=100)
    assert got["ndcg@100"] == pytest.approx((dcg / idcg + 1.0) / 2)
    assert got["recall@100"] == pytest.approx(1.0)
    assert evaluate(topk, relevant, k=2)["ndcg@2"] == pytest.approx((2 / (2 + 1 / math.log2(3)) + 1) / 2)


def test_ties_rank_the_lower_index_first():
    items = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]], dtype=np.float32)
    _, topk = rank_dense(np.array([[0.0, 1.0]], dtype=np.float32), items, k=3, device="cpu")
    assert topk[0].tolist() == [1, 2, 3]
    scores, bm25 = rank_bm25(["hat"], ["shoe", "hat", "hat", "hat"], k=2)
    assert bm25[0].tolist() == [1, 2] and scores[0, 0] == scores[0, 1] > 0


def test_relevance_lists_count_what_is_left_out(search_frames):
    ids, texts, relevant, left_out = relevance_lists(search_frames)
    assert ids == ["q1", "q2", "q3"] and texts[0] == "headphones for a long flight"
    assert relevant == [{0: 1.0}, {1: 1.0}, {3: 2.0, 4: 0.5}]  # relevance 0 is not relevant
    assert left_out == {"qrels_outside_pool": 1, "queries_without_relevant": 1}


def test_minilm_and_bm25_on_real_text(minilm, search_frames):
    FRAMES = search_frames
    vectors = minilm.encode(FRAMES["items"]["title"].tolist())
    result = run_search(FRAMES, vectors, minilm, device="cpu")
    assert result["n_queries"] == 3 and result["queries_without_relevant"] == 1
    assert result["test"]["ndcg@100"] > 0.9  # every query's best item comes first
    rankings = result["rankings"].to_pandas()  # every scored query's whole top k (5 items here)
    assert rankings.groupby("query_id")["rank"].apply(list).to_dict() == {q: [1, 2, 3, 4, 5] for q in ("q1", "q2", "q3")}
    assert rankings.set_index(["query_id", "rank"]).loc[("q1", 1), "item_id"] == "A1"
    bm25 = run_search(FRAMES, baseline="bm25")
    # "shoes" is the only shared term: BM25 finds q3 only; dense retrieval beats it.
    assert 0 < bm25["test"]["ndcg@100"] < result["test"]["ndcg@100"]
