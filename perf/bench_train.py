"""Training speed: sequences/s of the sequential model and seconds/epoch of collaborative filtering,
on ML-100K (../shared/fixtures, when present) and on a synthetic dataset the size of the default
sandbox (3,000 items, 5,000 users, about 12 interactions each).

Speed does not depend on what the vectors say, so these runs use random 128-d item vectors.
`python -m perf.bench_train --compare` instead runs the quality comparison of the issue: on
ML-100K, the text-based model (titles → MiniLM → PCA-whitened to 128) against the ID-only
SASRec, on the same split and protocol.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from benchmark import protocol
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


def main(quick: bool = False) -> dict:
    result = {"torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count()}
    if ML100K.is_dir():
        from warehouse.loaders.recbole import load_recbole

        result["ml100k"] = _speed("ml100k", load_recbole(ML100K, task="seqrec"), load_recbole(ML100K, task="cf"), quick)
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
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.compare:
        compare(args.max_epochs, tuple(args.lr), args.out, ("text", "id") if args.model == "both" else (args.model,))
    else:
        print(json.dumps(main(args.quick), indent=2))
