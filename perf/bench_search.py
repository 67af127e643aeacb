"""Full ranking: 10k queries over a 1M-item pool of 384-d vectors (quick: 1k × 100k).

Reports the wall time and the peak resident memory of the process while ranking (sampled
every 10 ms), against the target of < 4 GB (the pool itself is 1.5 GB of float32).
"""
from __future__ import annotations

import threading
import time

import numpy as np
import psutil
import torch

from benchmark.protocol import SEARCH_CUTOFF
from benchmark.ranking import score_topk

DIM = 384


class PeakRSS:
    """Samples this process's resident memory in a thread; `.peak` in bytes."""

    def __init__(self, every_s: float = 0.01):
        self.process, self.every_s, self.peak = psutil.Process(), every_s, 0
        self._stop = threading.Event()

    def __enter__(self):
        self.peak = self.process.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.every_s)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def unit_vectors(n: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, DIM, generator=generator)
    return torch.nn.functional.normalize(x, dim=1)


def main(quick: bool = False) -> dict:
    n_queries, n_items = (1_000, 100_000) if quick else (10_000, 1_000_000)
    items, queries = unit_vectors(n_items, 1), unit_vectors(n_queries, 2)
    before = psutil.Process().memory_info().rss
    with PeakRSS() as memory:
        started = time.perf_counter()
        scores, indices = score_topk(queries, items, SEARCH_CUTOFF)
        seconds = time.perf_counter() - started
    # Spot-check one row against a direct full sort (same tie rule: stable sort by -score).
    row = (items @ queries[0]).numpy()
    expected = np.argsort(-row, kind="stable")[:SEARCH_CUTOFF]
    return {
        "queries": n_queries, "items": n_items, "dim": DIM, "k": SEARCH_CUTOFF,
        "device": "cuda" if torch.cuda.is_available() else "cpu", "threads": torch.get_num_threads(),
        "seconds": round(seconds, 2), "queries_per_s": round(n_queries / seconds, 1),
        "peak_rss_gb": round(memory.peak / 2**30, 3), "rss_before_gb": round(before / 2**30, 3),
        "peak_over_inputs_gb": round((memory.peak - before) / 2**30, 3), "target_peak_gb": 4.0,
        "row0_matches_full_sort": bool((indices[0].numpy() == expected).all()),
    }
