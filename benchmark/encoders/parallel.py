"""Encode shards of texts in one process per device (every visible GPU, or N CPU processes).

Each process builds its own encoder from a picklable factory (`functools.partial(get_encoder,
name)`) on its device and takes shards from a shared queue, so a slow device does not hold the
others back. A finished shard is handed to `write_shard` inside the worker, so it is on disk as
soon as it is encoded (the embeddings store resumes from those files after a kill).
"""
from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np

_state: dict = {}
LOAD_TIMEOUT_S = 600  # a process whose model never loads breaks the barrier instead of hanging the rest


def visible_devices(workers: int | None = None) -> list[str]:
    """One device per worker: every visible CUDA device, else `workers` (default 1) CPU processes."""
    import torch

    if torch.cuda.is_available():
        devices = [f"cuda:{i}" for i in range(torch.cuda.device_count())]
        return devices[:workers] if workers else devices
    return ["cpu"] * (workers or 1)


def _init(factory: Callable, devices, threads: int, write_shard: Callable, loaded) -> None:
    import torch

    device = devices.get()
    if device == "cpu":
        torch.set_num_threads(threads)  # the cores are split between the CPU processes
    encoder = factory(device=device)
    encoder.load()  # encoders load their weights lazily: here, before the barrier
    _state.update(encoder=encoder, write=write_shard)
    # Take no shard before every process has its model: else the first one loaded takes them all.
    loaded.wait(timeout=LOAD_TIMEOUT_S)


def _encode_shard(job: tuple[object, list[str]]) -> int:
    shard, texts = job
    vectors = _state["encoder"].encode(texts, kind="item")
    _state["write"](shard, vectors)
    return len(texts)


def encode_shards(factory: Callable, shards: Sequence[tuple[object, list[str]]],
                  write_shard: Callable[[object, np.ndarray], None], devices: list[str]) -> int:
    """Encode every (shard id, texts) in `len(devices)` spawned processes; return the texts encoded."""
    if not shards:
        return 0
    devices = devices[:len(shards)]  # every process gets a shard, so every one starts and meets the barrier
    context = mp.get_context("spawn")  # CUDA cannot be forked; spawn is also safe with torch threads on CPU
    threads = max(1, (os.cpu_count() or 1) // len(devices))
    with context.Manager() as manager:
        queue, loaded = manager.Queue(), manager.Barrier(len(devices))
        for device in devices:
            queue.put(device)
        with ProcessPoolExecutor(len(devices), mp_context=context, initializer=_init,
                                 initargs=(factory, queue, threads, write_shard, loaded)) as pool:
            return sum(pool.map(_encode_shard, shards))
