"""Resource settings of training: how many CPU threads torch uses and how much memory one
optimisation step may take. Environment variables override the defaults (read at import).

    BLAIR_TORCH_THREADS   torch intra-op threads (default: half the cores, at most 4, at least 1).
                          On a loaded 2-core machine torch's default of one thread per core
                          spin-waits against other processes: CF ran 5-9x slower with 2 threads.
    BLAIR_STEP_MEMORY_MB  budget for the score block of one step (default 256): a batch whose
                          [positions x items] logits would exceed it is split into micro-batches
                          whose gradients are summed, which gives the same update as one pass.
"""
from __future__ import annotations

import os

import torch


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


TORCH_THREADS = _int_env("BLAIR_TORCH_THREADS", max(1, min(4, (os.cpu_count() or 2) // 2)))
STEP_MEMORY_MB = _int_env("BLAIR_STEP_MEMORY_MB", 256)
# Bytes held per logit in a step: the float32 logit, its softmax and its gradient.
BYTES_PER_LOGIT = 12


def apply_threads(threads: int | None = None) -> int:
    """Set torch's intra-op thread count (the setting when None); return it."""
    threads = threads or TORCH_THREADS
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def rows_per_step(n_candidates: int, positions_per_row: int = 1, memory_mb: int | None = None) -> int:
    """How many batch rows fit the step memory budget when each row scores `positions_per_row`
    targets against `n_candidates` items (at least one row)."""
    budget = (memory_mb or STEP_MEMORY_MB) * 2**20
    return max(1, budget // (BYTES_PER_LOGIT * max(n_candidates, 1) * max(positions_per_row, 1)))
