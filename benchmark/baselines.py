"""Baselines: random vectors (the floor every encoder must beat) and BM25 for search.

BM25 here is Robertson's formula with Lucene's non-negative idf:

    score(q, d) = Σ_{t ∈ q} idf(t) · tf(t,d)·(k1+1) / (tf(t,d) + k1·(1 − b + b·|d|/avgdl))
    idf(t)      = ln(1 + (N − n(t) + 0.5) / (n(t) + 0.5))

A query term that occurs twice counts twice (as two Lucene clauses). |d| is the document's
token count and avgdl the mean over the pool: this length normalisation is what the
reference baseline gets wrong.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from benchmark.encoders.base import Encoder, Kind, l2_normalise, settings_hash
from benchmark.protocol import BM25_B, BM25_K1, SEED

RANDOM_DIM = 384  # the width of the offline default encoder, so the baseline is like for like
_TOKEN = re.compile(r"\w+", re.UNICODE)


def _key_seed(key: str, seed: int) -> list[int]:
    digest = hashlib.sha1(key.encode("utf-8")).digest()
    return [seed, int.from_bytes(digest[:8], "little")]


def random_vectors(keys: Sequence[str], dim: int = RANDOM_DIM, seed: int = SEED) -> np.ndarray:
    """One unit-length Gaussian vector per key, a function of (key, seed) only, not of order."""
    out = np.empty((len(keys), dim), dtype=np.float32)
    for row, key in enumerate(keys):
        out[row] = np.random.default_rng(_key_seed(str(key), seed)).standard_normal(dim)
    return l2_normalise(out)


class RandomEncoder(Encoder):
    """Random vectors keyed by item id (items) or by query text (queries)."""

    keyed_by_id = True

    def __init__(self, dim: int = RANDOM_DIM, seed: int = SEED):
        self.name = "random"
        self.dim = dim
        self.seed = seed
        self.revision = settings_hash("random", dim, seed)

    def _encode(self, texts: list[str], kind: Kind, batch_size: int | None) -> np.ndarray:
        return random_vectors([f"{kind}:{t}" for t in texts], self.dim, self.seed)


def tokenise(text: str) -> list[str]:
    return _TOKEN.findall(str(text).lower())


@dataclass
class BM25:
    """A BM25 index over a pool of documents; `scores(queries)` gives a dense [Q, N] matrix."""

    k1: float = BM25_K1
    b: float = BM25_B

    def fit(self, documents: Sequence[str]) -> BM25:
        counts = [Counter(tokenise(d)) for d in documents]
        self.vocabulary: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        for row, counter in enumerate(counts):
            for term, tf in counter.items():
                rows.append(row)
                cols.append(self.vocabulary.setdefault(term, len(self.vocabulary)))
                tfs.append(tf)
        n_docs = len(documents)
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float64)
        avgdl = lengths.mean() if n_docs and lengths.mean() > 0 else 1.0
        tf = sp.csr_matrix((np.array(tfs, dtype=np.float64), (rows, cols)), shape=(n_docs, len(self.vocabulary)))
        df = np.bincount(tf.indices, minlength=len(self.vocabulary))
        self.idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        # Precompute each (doc, term) weight so a query is one sparse product.
        norm = self.k1 * (1.0 - self.b + self.b * lengths / avgdl)
        weights = tf.copy()
        doc_of_entry = np.repeat(np.arange(n_docs), np.diff(tf.indptr))
        weights.data = self.idf[tf.indices] * tf.data * (self.k1 + 1.0) / (tf.data + norm[doc_of_entry])
        self.weights = weights.T.tocsr()  # [terms, docs]
        self.n_docs = n_docs
        return self

    def query_matrix(self, queries: Sequence[str]) -> sp.csr_matrix:
        rows, cols, vals = [], [], []
        for row, query in enumerate(queries):
            for term, count in Counter(tokenise(query)).items():
                if term in self.vocabulary:  # unseen terms match no document
                    rows.append(row)
                    cols.append(self.vocabulary[term])
                    vals.append(float(count))
        return sp.csr_matrix((vals, (rows, cols)), shape=(len(queries), len(self.vocabulary)))

    def scores(self, queries: Sequence[str]) -> np.ndarray:
        """Dense BM25 scores [len(queries), n_docs] (float32)."""
        return np.asarray((self.query_matrix(queries) @ self.weights).todense(), dtype=np.float32)


# Context baselines of collaborative filtering: they use no text, so they show whether an
# encoder's CF score means anything (an encoder below most-popular does not help at all).

def interactions(train_items: Sequence[np.ndarray], n_items: int) -> sp.csr_matrix:
    """The user × item train matrix X [U, N] (one row per user, a 1 per train pair)."""
    rows = np.repeat(np.arange(len(train_items)), [len(t) for t in train_items])
    cols = np.concatenate([np.asarray(t, dtype=np.int64) for t in train_items] or [np.empty(0, np.int64)])
    return sp.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(len(train_items), n_items))


def most_popular_vectors(train_items: Sequence[np.ndarray], n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """(users [U, 1] of ones, items [N, 1] = train count): their dot product ranks by popularity."""
    counts = np.asarray(interactions(train_items, n_items).sum(axis=0), dtype=np.float32).reshape(n_items)
    return np.ones((len(train_items), 1), dtype=np.float32), counts[:, None]


def ease_gram(x: sp.csr_matrix) -> np.ndarray:
    """XᵀX as a dense float64 [N, N]: shared by every lambda of a grid."""
    return (x.T @ x).toarray().astype(np.float64)


def ease_items(gram: np.ndarray, lam: float) -> np.ndarray:
    """EASE (Steck, WWW 2019): B = I − P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹; returns Bᵀ [N, N]."""
    regularised = gram.copy()
    regularised[np.diag_indices(len(gram))] += lam
    p = np.linalg.inv(regularised)
    b = -p / np.diag(p)[None, :]
    b[np.diag_indices(len(gram))] = 0.0
    return b.T.astype(np.float32)


def ease_vectors(train_items: Sequence[np.ndarray], n_items: int, lam: float) -> tuple[sp.csr_matrix, np.ndarray]:
    """EASE as (users X [U, N] sparse, items Bᵀ [N, N]) so that users @ items.T = X B (score)."""
    x = interactions(train_items, n_items)
    return x, ease_items(ease_gram(x), lam)
