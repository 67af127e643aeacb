"""Encoding throughput: titles/s through the encoder interface vs a bare forward pass.

Both paths see the same texts in the same length-sorted, padded batches, in the same run:
the bare path times `model(**batch)` alone (tokenisation done beforehand, no pooling); the
interface path times `Encoder.encode` end to end (tokenise, sort, pad, forward, pool,
normalise, restore order). Target: interface ≥ 0.9 × bare.

Then the sharded path (`embed_items` into a fresh store, shards over 1 and 2 worker processes,
process start and model load included): titles/s per worker count. On CUDA the device and the
weights' dtype are reported; the worker counts are then one process per visible GPU.
"""
from __future__ import annotations

import functools
import tempfile
import time

import pandas as pd
import torch

from benchmark import embeddings
from benchmark.encoders import get_encoder
from sandbox.generate import generate_marketplace
from sandbox.profiles import PROFILES


def titles(n: int) -> list[str]:
    market = generate_marketplace(PROFILES["default"], seed=1)
    base = [item.meta.get("title") or item.parent_asin for item in market.items]
    return [base[i % len(base)] for i in range(n)]


def main(quick: bool = False) -> dict:
    n, batch_size = (512, 64) if quick else (2048, 128)
    texts = titles(n)
    encoder = get_encoder("minilm", progress=False)
    torch.set_grad_enabled(False)
    batches = [inputs for _, inputs in encoder.batches(texts, batch_size)]
    encoder.encode(texts[:batch_size], batch_size=batch_size)  # warm-up

    def bare() -> float:
        started = time.perf_counter()
        with torch.inference_mode(), encoder._autocast():
            for inputs in batches:
                encoder.model(**{k: v.to(encoder.device) for k, v in inputs.items()})
        if encoder.device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - started

    def interface() -> float:
        started = time.perf_counter()
        encoder.encode(texts, batch_size=batch_size)
        return time.perf_counter() - started

    # Alternate the two and keep each one's best of three, so machine noise hits both alike.
    runs = {"bare": [], "interface": []}
    for _ in range(3):
        runs["bare"].append(bare())
        runs["interface"].append(interface())
    bare_s, interface_s = min(runs["bare"]), min(runs["interface"])
    return {
        "encoder": encoder.name, "device": str(encoder.device), "dtype": str(encoder.dtype), "titles": n,
        "batch_size": batch_size, "threads": torch.get_num_threads(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "bare_titles_per_s": round(n / bare_s, 1), "interface_titles_per_s": round(n / interface_s, 1),
        "ratio": round(bare_s / interface_s, 3), "target_ratio": 0.9,
        "sharded_titles_per_s": sharded(encoder, texts, batch_size),
    }


def sharded(encoder, texts: list[str], batch_size: int) -> dict[str, float]:
    """titles/s of `embed_items` into a fresh store, per worker-process count (spawn and load included)."""
    frame = pd.DataFrame({"item_id": [f"I{i:06d}" for i in range(len(texts))], "title": texts})
    factory = functools.partial(get_encoder, "minilm", progress=False)
    counts = [torch.cuda.device_count()] if torch.cuda.device_count() > 1 else []
    shard_rows, embeddings.SHARD_ROWS = embeddings.SHARD_ROWS, max(64, len(texts) // 8)  # several shards per worker
    out = {}
    try:
        for workers in sorted({1, 2, *counts}):
            with tempfile.TemporaryDirectory() as root:
                started = time.perf_counter()
                embeddings.embed_items(encoder, frame, root, "perf", batch_size=batch_size, workers=workers,
                                       encoder_factory=factory)
                out[f"workers={workers}"] = round(len(texts) / (time.perf_counter() - started), 1)
    finally:
        embeddings.SHARD_ROWS = shard_rows
    return out
