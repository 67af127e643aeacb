"""Embeddings store, adaptors, baselines (random vectors, BM25 by hand)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from benchmark.adaptors import adapt, matryoshka, pca_whiten
from benchmark.baselines import BM25, RandomEncoder, random_vectors
from benchmark.embeddings import embed_items, store_path


class CountingEncoder(RandomEncoder):
    """Text-keyed random vectors that count how many texts they were asked to encode."""

    keyed_by_id = False

    def __init__(self, seed: int = 1):
        super().__init__(dim=16, seed=seed)
        self.name = "counting"
        self.calls = 0

    def _encode(self, texts, kind, batch_size):
        self.calls += len(texts)
        return super()._encode(texts, kind, batch_size)


def items(titles):
    return pd.DataFrame({"item_id": [f"i{n}" for n in range(len(titles))], "title": titles, "text_full": titles})


def test_store_encodes_only_missing_or_changed(tmp_path):
    enc = CountingEncoder()
    frame = items(["red shoe", "blue hat", "green scarf"])
    first, stats = embed_items(enc, frame, tmp_path, "toy")
    assert enc.calls == 3 and stats.encoded == 3
    assert store_path(tmp_path, "counting", "toy") == tmp_path / "embeddings/encoder=counting/dataset=toy/part-0.parquet"
    table = pq.read_table(stats.path)
    assert table.column_names == ["item_id", "text_sha1", "vector"]

    enc.calls = 0
    again, stats = embed_items(enc, frame, tmp_path, "toy")
    assert enc.calls == 0 and stats.reused == 3
    np.testing.assert_array_equal(first, again)

    changed = frame.copy()
    changed.loc[1, "title"] = "blue cap"
    changed = pd.concat([changed, items(["x", "y", "z", "purple sock"]).iloc[[3]]], ignore_index=True)
    changed.loc[3, "item_id"] = "i9"
    third, stats = embed_items(enc, changed, tmp_path, "toy")
    assert enc.calls == 2 and stats.encoded == 2  # the changed title and the new item
    np.testing.assert_array_equal(third[[0, 2]], first[[0, 2]])
    np.testing.assert_allclose(third, CountingEncoder().encode(changed["title"].tolist()))

    assert len(pq.read_table(stats.path)) == 4  # i1's old text is replaced, not kept
    # Another task's item set of the same dataset: its new item is added, the others stay.
    other_task = pd.concat([changed.iloc[[0]], items(["brand new"]).assign(item_id="i20")], ignore_index=True)
    _, stats = embed_items(enc, other_task, tmp_path, "toy")
    assert stats.encoded == 1 and pq.read_table(stats.path)["item_id"].to_pylist() == ["i0", "i1", "i2", "i20", "i9"]

    other_revision = CountingEncoder(seed=2)
    embed_items(other_revision, changed, tmp_path, "toy")
    assert other_revision.calls == 4  # a new revision invalidates every stored vector


def test_random_vectors_depend_on_id_not_order():
    a = random_vectors(["x", "y", "z"], dim=8, seed=3)
    b = random_vectors(["z", "x"], dim=8, seed=3)
    np.testing.assert_array_equal(a[[2, 0]], b)
    assert not np.allclose(random_vectors(["x"], dim=8, seed=4), a[:1])
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-6)


def test_pca_whitening_gives_identity_covariance():
    rng = np.random.default_rng(0)
    mixing = rng.standard_normal((64, 64)) * np.linspace(5, 0.1, 64)
    vectors = (rng.standard_normal((500, 64)) @ mixing + 3.0).astype(np.float32)
    out = pca_whiten(vectors, width=32)
    assert out.vectors.shape == (500, 32) and out.width == 32 and not out.note
    np.testing.assert_allclose(out.vectors.mean(0), 0.0, atol=1e-4)
    np.testing.assert_allclose(np.cov(out.vectors, rowvar=False), np.eye(32), atol=1e-3)
    again = pca_whiten(vectors, width=32).vectors
    np.testing.assert_array_equal(out.vectors, again)


def test_pca_width_is_capped_and_said():
    vectors = np.random.default_rng(1).standard_normal((20, 10))
    out = pca_whiten(vectors, width=128)
    assert out.width == 10 and out.requested_width == 128 and "10" in out.note
    few = pca_whiten(np.random.default_rng(2).standard_normal((6, 50)), width=128)
    assert few.width == 5 and "6 items" in few.note


def test_matryoshka_truncates_and_renormalises():
    vectors = np.random.default_rng(3).standard_normal((5, 16)).astype(np.float32)
    out = matryoshka(vectors, width=4)
    np.testing.assert_allclose(np.linalg.norm(out.vectors, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(out.vectors * np.linalg.norm(vectors[:, :4], axis=1, keepdims=True), vectors[:, :4],
                               atol=1e-5)
    with pytest.raises(ValueError):
        adapt(vectors, "umap")


def test_bm25_by_hand():
    docs = ["red shoe", "red red shoe box large", "blue hat"]
    k1, b = 1.2, 0.75
    index = BM25(k1=k1, b=b).fit(docs)
    scores = index.scores(["red shoe", "hat", "unknown"])
    n, avgdl = 3, (2 + 5 + 2) / 3

    def idf(df):
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def term(tf, dl, df):
        return idf(df) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))

    expected_red_shoe = [term(1, 2, 2) + term(1, 2, 2), term(2, 5, 2) + term(1, 5, 2), 0.0]
    np.testing.assert_allclose(scores[0], expected_red_shoe, rtol=1e-6)
    np.testing.assert_allclose(scores[1], [0, 0, term(1, 2, 1)], rtol=1e-6)
    np.testing.assert_array_equal(scores[2], 0.0)
    # Length normalisation: the long document scores below the short one despite tf=2 for "red".
    assert scores[0, 0] > scores[0, 1]
    # Without normalisation (b=0) the long document wins: the difference the reference misses.
    flat = BM25(k1=k1, b=0.0).fit(docs).scores(["red shoe"])[0]
    assert flat[1] > flat[0]
