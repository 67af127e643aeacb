"""Adaptors: item vectors of any encoder → a common width for the recommendation tasks.

PCA with whitening (fit on all item vectors of the dataset) or Matryoshka truncation for
models trained for it (DESIGN §5). Search never adapts: it uses raw vectors.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from benchmark.protocol import ADAPTOR_WIDTH

log = logging.getLogger(__name__)
_EPS = 1e-8


@dataclass
class Adapted:
    vectors: np.ndarray  # [n_items, width] float32
    method: str
    width: int
    requested_width: int
    note: str = ""

    def describe(self) -> dict:
        return {"adaptor": self.method, "width": self.width, "requested_width": self.requested_width,
                "note": self.note}


def _width(n_items: int, dim: int, requested: int, rank_limit: int) -> tuple[int, str]:
    width = min(requested, dim, rank_limit)
    if width < requested:
        note = f"width {width} < {requested}: only {n_items} items × {dim} dims"
        log.warning(note)
        return width, note
    return width, ""


def pca_whiten(vectors: np.ndarray, width: int = ADAPTOR_WIDTH) -> Adapted:
    """Project centred vectors onto the top `width` principal axes, each scaled to unit variance.

    The output covariance is the identity. With n items the centred data has rank ≤ n − 1, so
    the width is min(width, dim, n − 1); the shortfall is reported, not hidden.
    """
    x = np.asarray(vectors, dtype=np.float64)
    n, dim = x.shape
    if n < 2:
        raise ValueError(f"PCA whitening needs at least 2 items, got {n}")
    k, note = _width(n, dim, width, n - 1)
    centred = x - x.mean(0)
    # Eigen-decomposition of the d×d covariance (memory n×d, not an n×n SVD).
    eigval, eigvec = np.linalg.eigh(centred.T @ centred / (n - 1))
    eigval, eigvec = eigval[::-1], eigvec[:, ::-1]
    keep = eigval[:k] > _EPS * max(eigval[0], _EPS)
    if not keep.all():
        k = int(keep.sum())
        note = (note + "; " if note else "") + f"only {k} non-degenerate components"
        log.warning(note)
    axes = eigvec[:, :k] * np.sign(eigvec[np.abs(eigvec[:, :k]).argmax(0), range(k)])  # deterministic signs
    whitened = centred @ axes / np.sqrt(eigval[:k])
    return Adapted(whitened.astype(np.float32), "pca-whiten", k, width, note)


def matryoshka(vectors: np.ndarray, width: int = ADAPTOR_WIDTH) -> Adapted:
    """Keep the first `width` dimensions and renormalise (for Matryoshka-trained models)."""
    x = np.asarray(vectors, dtype=np.float32)
    k, note = _width(x.shape[0], x.shape[1], width, x.shape[1])
    head = x[:, :k]
    head = head / np.maximum(np.linalg.norm(head, axis=1, keepdims=True), 1e-12)
    return Adapted(head.astype(np.float32), "matryoshka", k, width, note)


def adapt(vectors: np.ndarray, method: str = "pca", width: int = ADAPTOR_WIDTH) -> Adapted:
    if method == "pca":
        return pca_whiten(vectors, width)
    if method == "matryoshka":
        return matryoshka(vectors, width)
    if method == "none":
        return Adapted(np.asarray(vectors, dtype=np.float32), "none", vectors.shape[1], vectors.shape[1])
    raise ValueError(f"unknown adaptor {method!r} (pca, matryoshka, none)")
