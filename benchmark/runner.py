"""One benchmark run: (encoder or baseline) × task × dataset × settings → a cached result JSON.

Recommendation tasks: encode item text → store → PCA-whiten (or Matryoshka-truncate) to the
common width → train and evaluate. Search: encode items and queries → rank raw vectors, and
keep every query's top k beside the result. The CLI and the Dagster assets both call `run_one`.

Every setting that changes the numbers is part of the run's key (`benchmark.results`), so a run
with other settings computes and an identical run is read from the cache. A result says whether
it followed the full protocol (`"protocol": "full"`) or was capped (`"capped"`: an epoch cap or
learning-rate grid below the protocol's, a time budget; `"deviations"` says which), and which
settings differ from the ranked defaults (`"variant"`: another adaptor, width, seed or task
option; empty for the run the leaderboard ranks).
"""
from __future__ import annotations

import logging
import time
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from benchmark import protocol
from benchmark.adaptors import adapt
from benchmark.datasets import resolve
from benchmark.embeddings import embed_items
from benchmark.encoders import Encoder, get_encoder
from benchmark.protocol import ADAPTOR_WIDTH, BASELINE_TASKS, SEED
from benchmark.results import cached_result, dataset_fingerprint, environment, settings_key, write_result

log = logging.getLogger(__name__)

TEXT_COLUMNS = {"title": "title", "full": "text_full"}
ADAPTORS = ("auto", "pca", "matryoshka", "none")
LR_GRIDS = {"seqrec": protocol.SEQREC_LR_GRID, "cf": protocol.CF_LR_GRID}
MAX_EPOCHS = {"seqrec": protocol.SEQREC_MAX_EPOCHS, "cf": protocol.CF_MAX_EPOCHS}
# Task options that only add output (never change the main numbers) or are judged by `deviations`.
NOT_A_VARIANT = {"lr_grid", "max_epochs", "max_seconds", "sampled_negatives", "context"}


class RunError(ValueError):
    pass


def label(encoder: str, text: str) -> str:
    """The name a result is filed under: the encoder, marked when it saw the full item text."""
    return encoder if text == "title" else f"{encoder}+{text}"


def effective_options(task: str, options: dict | None) -> dict:
    """The options a task runs with, the protocol's defaults filled in (so that a run naming a
    default and one leaving it out share a key); `lr` (one value or several) becomes `lr_grid`."""
    out = dict(options or {})
    if task == "search":
        return out
    if "lr" in out:
        lr = out.pop("lr")
        out["lr_grid"] = (lr,) if isinstance(lr, (int, float)) else lr
    out["lr_grid"] = [float(x) for x in out.get("lr_grid") or LR_GRIDS[task]]
    out["max_epochs"] = int(out.get("max_epochs") or MAX_EPOCHS[task])
    return out


def deviations(task: str, options: dict) -> list[str]:
    """How a run falls short of the protocol's training budget (empty: a full-protocol run)."""
    if task == "search":
        return []
    out = []
    if options["max_epochs"] < MAX_EPOCHS[task]:
        out.append(f"max_epochs {options['max_epochs']} < protocol {MAX_EPOCHS[task]}")
    if sorted(options["lr_grid"]) != sorted(LR_GRIDS[task]):
        out.append(f"lr grid {options['lr_grid']} instead of protocol {list(LR_GRIDS[task])}")
    if options.get("max_seconds"):
        out.append(f"time budget {options['max_seconds']} s per lr")
    return out


def variant(settings: dict, default_adaptor: str | None) -> list[str]:
    """The settings in which a run differs from the one the leaderboard ranks."""
    out = [f"{k}={v}" for k, v in sorted(settings["options"].items()) if k not in NOT_A_VARIANT]
    if settings["adaptor"] != default_adaptor:
        out.append(f"adaptor={settings['adaptor']}")
    if settings["width"] not in (None, ADAPTOR_WIDTH):
        out.append(f"width={settings['width']}")
    if settings["seed"] != SEED:
        out.append(f"seed={settings['seed']}")
    return out


def run_one(encoder: str | Encoder, task: str, dataset: str | tuple[str, dict[str, pd.DataFrame]],
            root: str | Path, *, seed: int = SEED, device: str | None = None, text: str = "title",
            adaptor: str = "auto", width: int = ADAPTOR_WIDTH, force: bool = False,
            task_options: dict | None = None, progress: bool = True, data_root: str | Path | None = None) -> dict:
    """Run (or read from the cache) one result; `encoder` may be a baseline name (bm25, sasrec).

    `dataset` is a SPEC (see `benchmark.datasets`) or an already-read (name, frames) pair.
    Results and embeddings go under `root`; lake datasets are read from `data_root` (default `root`).
    `adaptor`: "auto" = Matryoshka for encoders trained for it, PCA whitening otherwise.
    `task_options` go to the task (lr / lr_grid, max_epochs, sampled_negatives, ...).
    """
    if text not in TEXT_COLUMNS:
        raise RunError(f"--text must be one of {sorted(TEXT_COLUMNS)}")
    name = encoder if isinstance(encoder, str) else encoder.name
    if name in BASELINE_TASKS and BASELINE_TASKS[name] != task:
        raise RunError(f"baseline {name!r} only applies to the {BASELINE_TASKS[name]} task")
    if task not in ("seqrec", "cf", "search"):
        raise RunError(f"unknown task {task!r}")
    if adaptor not in ADAPTORS:
        raise RunError(f"adaptor must be one of {ADAPTORS}, not {adaptor!r}")
    dataset_name, frames = (dataset, None) if isinstance(dataset, str) else dataset
    if frames is None:
        dataset_name, frames = resolve(dataset_name, task, data_root or root)
    options = effective_options(task, task_options)
    column = TEXT_COLUMNS[text]

    # The key: built before any work, so a cached run costs a config read and a hash (no weights load).
    enc = None
    if name == "bm25":
        from benchmark.baselines import BM25

        encoder_config = {"name": "bm25", **asdict(BM25())}
    elif name == "sasrec":
        encoder_config = {"name": "sasrec", "id_only": True}
    else:
        enc = get_encoder(name, device=device, progress=progress) if isinstance(encoder, str) else encoder
        encoder_config = enc.describe()
    adapts = enc is not None and task != "search"
    default_adaptor = ("matryoshka" if enc.matryoshka else "pca") if adapts else None
    method = (default_adaptor if adaptor == "auto" else adaptor) if adapts else None
    settings = {"task": task, "dataset": dataset_name, "dataset_fingerprint": dataset_fingerprint(frames),
                "encoder": encoder_config, "text": text, "adaptor": method, "width": width if adapts else None,
                "options": options, "seed": seed, "protocol_version": protocol.PROTOCOL_VERSION}
    key = settings_key(settings)
    result_label = label(name, text)
    if not force and (cached := cached_result(root, task, dataset_name, result_label, key)) is not None:
        log.info("cached: %s/%s/%s (key %s)", task, dataset_name, result_label, key)
        return cached

    started = time.perf_counter()
    timings: dict[str, float] = {}
    extra: dict = {"encoder_config": encoder_config}
    run_options = {k: v for k, v in options.items() if k != "lr_grid"}
    if task != "search":
        run_options["lr_grid"] = tuple(options["lr_grid"])
    if name == "bm25":
        from benchmark.search import run_search

        out = run_search(frames, baseline="bm25", text_column=column, **run_options)
    elif name == "sasrec":
        from benchmark.tasks.seqrec import run_seqrec

        out = run_seqrec(frames, None, seed=seed, device=device, id_only=True, progress=progress, **run_options)
    else:
        t0 = time.perf_counter()
        store_key = dataset_name if text == "title" else f"{dataset_name}_{text}"
        vectors, stats = embed_items(enc, frames["items"], root, store_key, text_column=column)
        timings["encode_items_s"] = round(time.perf_counter() - t0, 3)
        extra["embeddings"] = {"items": stats.items, "encoded": stats.encoded, "reused": stats.reused}
        if task == "search":
            from benchmark.search import run_search

            out = run_search(frames, vectors, enc, text_column=column, device=device, **run_options)
        else:
            adapted = adapt(vectors, method, width)
            extra["adaptor"] = adapted.describe()
            if task == "seqrec":
                from benchmark.tasks.seqrec import run_seqrec

                out = run_seqrec(frames, adapted.vectors, seed=seed, device=device, progress=progress, **run_options)
            else:
                from benchmark.tasks.cf import run_cf

                out = run_cf(frames, adapted.vectors, seed=seed, device=device, progress=progress, **run_options)
    rankings = out.pop("rankings", None)
    timings.update(out.pop("timings", {}))
    timings["total_s"] = round(time.perf_counter() - started, 3)
    short = deviations(task, options)
    result = {**out, **extra, "task": task, "dataset": dataset_name, "encoder": result_label, "text": text,
              "seed": seed, "key": key, "settings": settings, "protocol": "capped" if short else "full",
              "deviations": short, "variant": variant(settings, default_adaptor), "timings": timings,
              "versions": environment(), "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    result.setdefault("lr", None)
    result.setdefault("valid", None)
    path = write_result(root, result, rankings)
    log.info("wrote %s", path)
    return result
