"""Training speed: sequences/s of the sequential model and seconds/epoch of collaborative filtering,
on ML-100K (../shared/fixtures, when present) and on a synthetic dataset the size of the default
sandbox (3,000 items, 5,000 users, about 12 interactions each).

Speed does not depend on what the vectors say, so these runs use random 128-d item vectors.
`python -m perf.bench_train --compare` instead runs the quality comparison of the issue: on
ML-100K, the text-based model (titles → MiniLM → PCA-whitened to 128) against the ID-only
SASRec, on the same split and protocol.

CPU per epoch of the text model: `text_epoch_cost` runs one epoch of its default training and
of the former one (absolute positions on windows, 256 rows per step) and reports the ratio.

Memory: `train_memory` runs one epoch of each seqrec model on ML-100K in a fresh process (the
peak RSS of a process only grows) and reports that process's peak resident set: training steps,
validation and test, without any encoder loaded (the vectors come from the embeddings store).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from benchmark import protocol
from perf import peak_rss_mb
from benchmark.tasks import cf, seqrec, synthetic

ML100K = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "movielens_ml100k_recbole"
SANDBOX = {"n_users": 5000, "n_items": 3000}


def _random_vectors(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, protocol.ADAPTOR_WIDTH)).astype(np.float32)


def _speed(name: str, seq_frames, cf_frames, quick: bool) -> dict:
    s = seqrec.run_seqrec(seq_frames, _random_vectors(len(seq_frames["items"])), lr_grid=(1e-3,),
                          max_epochs=1 if quick else 2, progress=False)
    c = cf.run_cf(cf_frames, _random_vectors(len(cf_frames["items"])), max_epochs=2 if quick else 5, progress=False)
    out = {
        "seqrec_sequences_per_second": s["sequences_per_second"],
        "seqrec_train_windows": s["counts"]["train_windows"],
        "seqrec_epochs": s["epochs"],
        "seqrec_seconds_per_epoch_with_validation": round(s["train_seconds"] / s["epochs"], 2),
        "cf_seconds_per_epoch": c["seconds_per_epoch"],
        "cf_train_pairs": c["counts"]["train_pairs"],
        "cf_epochs": c["epochs"],
        "device": s["device"],
    }
    print(f"{name}: {json.dumps(out)}", flush=True)
    return out


def _one_epoch_peak(model: str) -> dict:
    """In this process: one epoch of the text model (random 128-d vectors; its default examples,
    one row per user) or the ID SASRec (CE; windows examples: the same steps' shapes as its
    prefix rows, at a tenth of the time)."""
    from benchmark import settings
    from warehouse.loaders.recbole import load_recbole

    settings.apply_threads()
    frames = load_recbole(ML100K, task="seqrec")
    before = peak_rss_mb()
    vectors = None if model == "id" else _random_vectors(len(frames["items"]))
    started = time.process_time()
    seqrec.run_seqrec(frames, vectors, id_only=model == "id", sasrec_loss="ce", lr_grid=(1e-3,), max_epochs=1,
                      examples="windows" if model == "id" else None, progress=False)
    return {"model": model, "peak_rss_mb": round(peak_rss_mb()),
            "peak_rss_mb_before_training": round(before), "cpu_seconds": round(time.process_time() - started, 1),
            "step_memory_mb": settings.STEP_MEMORY_MB, "torch_threads": settings.TORCH_THREADS}


# The text model's training before issue 19 (the "today's" CPU per epoch it names: 24-35 CPU-s):
# UniSRec's absolute positions on non-overlapping windows, 256 rows per step.
FORMER_TEXT_TRAINING = {"examples": "windows", "positions": "absolute", "batch_size": protocol.SEQREC_BATCH}


def text_epoch_cost(frames) -> dict:
    """CPU-seconds of one text-model epoch on ML-100K (random 128-d vectors), the default
    training beside the former one, in this process one after the other."""
    out = {}
    for name, options in (("default", {}), ("former_windows_absolute", FORMER_TEXT_TRAINING)):
        started = time.process_time()
        r = seqrec.run_seqrec(frames, _random_vectors(len(frames["items"])), lr_grid=(1e-3,), max_epochs=1,
                              progress=False, **options)
        out[name] = {"cpu_seconds_with_validation": round(time.process_time() - started, 1),
                     "step_seconds": r["seconds_per_epoch"], "examples": r["config"]["examples"],
                     "positions": r["config"]["positions"], "batch": f'{r["config"]["batch_size"]} {r["config"]["batch_counts"]}'}
    out["ratio"] = round(out["default"]["cpu_seconds_with_validation"]
                         / out["former_windows_absolute"]["cpu_seconds_with_validation"], 2)
    print(f"ml100k text epoch: {json.dumps(out)}", flush=True)
    return out


def train_memory() -> dict:
    """Peak RSS of one seqrec epoch on ML-100K, each model in its own fresh process."""
    out = {}
    for model in ("text", "id"):
        done = subprocess.run([sys.executable, "-m", "perf.bench_train", "--memory", model],
                              capture_output=True, text=True, check=True)
        out[model] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def main(quick: bool = False) -> dict:
    result = {"torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count()}
    if ML100K.is_dir():
        from warehouse.loaders.recbole import load_recbole

        result["ml100k"] = _speed("ml100k", load_recbole(ML100K, task="seqrec"), load_recbole(ML100K, task="cf"), quick)
        if not quick:
            result["ml100k_text_epoch"] = text_epoch_cost(load_recbole(ML100K, task="seqrec"))
            result["ml100k_seqrec_memory"] = train_memory()
    size = {"n_users": 1000, "n_items": 3000} if quick else SANDBOX
    seq_frames, _ = synthetic.seqrec_frames(length=(5, 19), **size)
    cf_frames, _ = synthetic.cf_frames(length=(5, 19), **size)
    result["synthetic_sandbox"] = _speed("synthetic", seq_frames, cf_frames, quick) | size
    return result


def compare(max_epochs: int, lr_grid: tuple[float, ...], out: Path | None, models=("text", "id")) -> dict:
    """ML-100K: text-based UniSRec (MiniLM titles, PCA-whitened) next to the ID-only SASRec."""
    from benchmark.adaptors import adapt
    from benchmark.encoders.registry import get_encoder
    from warehouse.loaders.recbole import load_recbole

    frames = load_recbole(ML100K, task="seqrec")
    started = time.perf_counter()
    text = adapt(get_encoder("minilm", progress=False).encode(frames["items"]["title"].tolist()), "pca").vectors
    result = {"dataset": "ml-100k (RecBole atomic files, leave-last-out)", "encode_seconds": round(time.perf_counter() - started, 1)}
    runs = {"text": ("unisrec_minilm_titles", text, False), "id": ("sasrec_id_only", None, True)}
    for name, vectors, id_only in (runs[m] for m in models):
        result[name] = seqrec.run_seqrec(frames, vectors, id_only=id_only, lr_grid=lr_grid, max_epochs=max_epochs)
        print(name, json.dumps({k: result[name][k] for k in ("lr", "valid", "test", "epochs", "best_epoch",
                                                               "sequences_per_second", "per_lr")}), flush=True)
        if out is not None:
            out.write_text(json.dumps(result, indent=2, default=str))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m perf.bench_train")
    parser.add_argument("--compare", action="store_true", help="text model vs ID-only SASRec on ML-100K")
    parser.add_argument("--max-epochs", type=int, default=200)
    parser.add_argument("--lr", type=float, nargs="*", default=list(protocol.SEQREC_LR_GRID))
    parser.add_argument("--threads", type=int, default=None, help="torch threads (1 on a shared machine)")
    parser.add_argument("--model", choices=("text", "id", "both"), default="both")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--memory", choices=("text", "id"), help="peak RSS of one ML-100K seqrec epoch, this process")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.memory:
        print(json.dumps(_one_epoch_peak(args.memory)))
    elif args.compare:
        compare(args.max_epochs, tuple(args.lr), args.out, ("text", "id") if args.model == "both" else (args.model,))
    else:
        print(json.dumps(main(args.quick), indent=2))
