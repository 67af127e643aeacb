"""One benchmark run: (encoder or baseline) × task × dataset → a cached result JSON.

Recommendation tasks: encode item text → store → PCA-whiten (or Matryoshka-truncate) to the
common width → train and evaluate. Search: encode items and queries → rank raw vectors.
The CLI and the Dagster assets both call `run_one`.
"""
from __future__ import annotations

import logging
import time
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from benchmark.adaptors import adapt
from benchmark.datasets import resolve
from benchmark.embeddings import embed_items
from benchmark.encoders import Encoder, get_encoder
from benchmark.protocol import ADAPTOR_WIDTH, BASELINE_TASKS, SEED
from benchmark.results import cached_result, environment, write_result

log = logging.getLogger(__name__)

TEXT_COLUMNS = {"title": "title", "full": "text_full"}


class RunError(ValueError):
    pass


def label(encoder: str, text: str) -> str:
    """The name a result is filed under: the encoder, marked when it saw the full item text."""
    return encoder if text == "title" else f"{encoder}+{text}"


def run_one(encoder: str | Encoder, task: str, dataset: str | tuple[str, dict[str, pd.DataFrame]],
            root: str | Path, *, seed: int = SEED, device: str | None = None, text: str = "title",
            adaptor: str = "auto", width: int = ADAPTOR_WIDTH, force: bool = False,
            task_options: dict | None = None, progress: bool = True, data_root: str | Path | None = None) -> dict:
    """Run (or read from the cache) one result; `encoder` may be a baseline name (bm25, sasrec).

    `dataset` is a SPEC (see `benchmark.datasets`) or an already-read (name, frames) pair.
    Results and embeddings go under `root`; lake datasets are read from `data_root` (default `root`).
    `adaptor`: "auto" = Matryoshka for encoders trained for it, PCA whitening otherwise.
    """
    if text not in TEXT_COLUMNS:
        raise RunError(f"--text must be one of {sorted(TEXT_COLUMNS)}")
    name = encoder if isinstance(encoder, str) else encoder.name
    if name in BASELINE_TASKS and BASELINE_TASKS[name] != task:
        raise RunError(f"baseline {name!r} only applies to the {BASELINE_TASKS[name]} task")
    dataset_name, frames = (dataset, None) if isinstance(dataset, str) else dataset
    if frames is None:
        dataset_name, frames = resolve(dataset_name, task, data_root or root)
    result_label = label(name, text)
    if not force and (cached := cached_result(root, task, dataset_name, result_label)) is not None:
        log.info("cached: %s/%s/%s", task, dataset_name, result_label)
        return cached

    started = time.perf_counter()
    timings: dict[str, float] = {}
    column = TEXT_COLUMNS[text]
    extra: dict = {}
    options = dict(task_options or {})
    if name == "bm25":
        from benchmark.search import run_search

        out = run_search(frames, baseline="bm25", text_column=column, **options)
        from benchmark.baselines import BM25

        extra["encoder_config"] = {"name": "bm25", **asdict(BM25())}
    elif name == "sasrec":
        from benchmark.tasks.seqrec import run_seqrec

        out = run_seqrec(frames, None, seed=seed, device=device, id_only=True, progress=progress, **options)
        extra["encoder_config"] = {"name": "sasrec", "id_only": True}
    else:
        enc = get_encoder(name, device=device, progress=progress) if isinstance(encoder, str) else encoder
        t0 = time.perf_counter()
        store_key = dataset_name if text == "title" else f"{dataset_name}_{text}"
        vectors, stats = embed_items(enc, frames["items"], root, store_key, text_column=column)
        timings["encode_items_s"] = round(time.perf_counter() - t0, 3)
        extra["encoder_config"] = enc.describe()
        extra["embeddings"] = {"items": stats.items, "encoded": stats.encoded, "reused": stats.reused}
        if task == "search":
            from benchmark.search import run_search

            out = run_search(frames, vectors, enc, text_column=column, device=device, **options)
        else:
            method = ("matryoshka" if enc.matryoshka else "pca") if adaptor == "auto" else adaptor
            adapted = adapt(vectors, method, width)
            extra["adaptor"] = adapted.describe()
            if task == "seqrec":
                from benchmark.tasks.seqrec import run_seqrec

                out = run_seqrec(frames, adapted.vectors, seed=seed, device=device, progress=progress, **options)
            elif task == "cf":
                from benchmark.tasks.cf import run_cf

                out = run_cf(frames, adapted.vectors, seed=seed, device=device, progress=progress, **options)
            else:
                raise RunError(f"unknown task {task!r}")
    timings.update(out.pop("timings", {}))
    timings["total_s"] = round(time.perf_counter() - started, 3)
    result = {**out, **extra, "task": task, "dataset": dataset_name, "encoder": result_label, "text": text,
              "seed": seed, "timings": timings, "versions": environment(),
              "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    result.setdefault("lr", None)
    result.setdefault("valid", None)
    path = write_result(root, result)
    log.info("wrote %s", path)
    return result
