"""Reproduction suite: the trained models against published figures (not part of `make test`).

    python -m perf reproduce [ml100k-cf] [ml100k-seqrec] [video] [--max-epochs N] [--minutes M]
        [--lr LR ...] [--model sasrec|minilm] [--examples prefix|windows|sequences]
        [--positions relative|absolute] [--loss bce|ce] [--out FILE]

- ml100k-cf: CF (MiniLM titles, PCA-whitened to 128) for each named configuration of
  `protocol.CF_VARIANTS`, beside most-popular and EASE on the same 4:3:3 split.
- ml100k-seqrec: ID-only SASRec and the MiniLM text model (UniSRec-shaped), full ranking,
  leave-last-out, beside RecBole's SASRec (NDCG@10 0.058 after 8 epochs; 287 CPU-s per epoch).
- video: the SASRec paper's Video data under its sampled protocol (100 negatives the user never
  interacted with), beside the paper's NDCG@10 0.536 / HR@10 0.741.
Each line prints the figure, the reference, time per epoch, this process's peak RSS (the MiniLM
encoder runs in a child process, as the benchmark reads stored vectors) and the machine. Needs
../shared/fixtures (the real data); torch threads follow `benchmark.settings`.
"""
from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import platform
import sys
import time
from argparse import RawDescriptionHelpFormatter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from benchmark import protocol, settings
from perf import peak_rss_mb
from benchmark.tasks import seqrec
from parsing.cli import ArgumentParser, CliError, run_cli
from warehouse.settings import MAX_HISTORY

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
ML100K = FIXTURES / "movielens_ml100k_recbole"
VIDEO = FIXTURES / "sasrec_video_games" / "Video.txt.gz"
# Published figures this suite is held against (sources: the fixtures' SOURCE.md and issue 19).
REFERENCE = {
    "ml100k-cf": {"most_popular ndcg@20": 0.265, "ease ndcg@20": 0.418},
    "ml100k-seqrec": {"recbole_sasrec ndcg@10": 0.058, "recbole_sasrec cpu_seconds_per_epoch": 287,
                      "target sasrec ndcg@10": 0.058, "target minilm ndcg@10": 0.050},
    "video": {"sasrec_paper ndcg@10": 0.536, "sasrec_paper hr@10": 0.741,
              "target ndcg@10": 0.50, "target hr@10": 0.70},
}
SAMPLED = 100  # the SASRec paper's negatives per test item
SUITES = ("ml100k-cf", "ml100k-seqrec", "video")
LOSSES = {"bce": "BCE, one sampled negative per position (the paper)", "ce": "CE, full softmax over every item"}


def machine() -> str:
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch threads {settings.TORCH_THREADS}, {gpu}"


def _encode_titles(titles: list[str]) -> np.ndarray:
    from benchmark.adaptors import adapt
    from benchmark.encoders.registry import get_encoder

    return adapt(get_encoder("minilm", progress=False).encode(titles), "pca").vectors


def minilm_vectors(items: pd.DataFrame) -> np.ndarray:
    """Titles → MiniLM → PCA-whitened, encoded in a child process: in the benchmark the vectors
    come from the embeddings store, so the training process never holds the encoder (about
    0.5 GB), and its peak memory is the training's own."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
        return child.submit(_encode_titles, items["title"].tolist()).result()


def video_frames(path: Path = VIDEO, max_len: int = MAX_HISTORY) -> dict[str, pd.DataFrame]:
    """Seqrec frames (docs/CONTRACTS.md §5) with the SASRec paper's split: per user, the last item
    is test, the one before valid, the rest train; users with fewer than 3 items train only."""
    sequences: dict[str, list[str]] = {}
    with gzip.open(path, "rt") as lines:
        for line in lines:
            user, item = line.split()
            sequences.setdefault(user, []).append(item)
    rows = {"train": [], "valid": [], "test": []}
    for user, seq in sequences.items():
        train = seq if len(seq) < 3 else seq[:-2]
        for t in range(1, len(train)):
            rows["train"].append((user, train[max(0, t - max_len):t], train[t], t))
        if len(seq) >= 3:
            rows["valid"].append((user, train[-max_len:], seq[-2], len(seq) - 2))
            rows["test"].append((user, (train + [seq[-2]])[-max_len:], seq[-1], len(seq) - 1))
    frames = {k: pd.DataFrame(v, columns=["user_id", "history", "target", "timestamp"]) for k, v in rows.items()}
    items = sorted({i for seq in sequences.values() for i in seq})
    frames["items"] = pd.DataFrame({"item_id": items, "title": "", "text_full": ""})
    return frames


def _line(name: str, figures: dict, reference: dict, extra: dict) -> dict:
    out = {"name": name, "figures": figures, "reference": reference, **extra, "machine": machine()}
    print(json.dumps(out, default=str), flush=True)
    return out


def ml100k_cf(max_epochs: int) -> list[dict]:
    from benchmark.tasks import cf
    from warehouse.loaders.recbole import load_recbole

    frames = load_recbole(ML100K, task="cf")
    vectors = minilm_vectors(frames["items"])
    out = []
    for variant in protocol.CF_VARIANTS:
        started = time.process_time()
        r = cf.run_cf(frames, vectors, variant=variant, max_epochs=max_epochs, progress=True,
                      context=variant == protocol.CF_VARIANT)
        figures = {f"minilm {variant} ndcg@20": r["test"]["ndcg@20"]}
        if "context" in r:
            figures |= {f"{k} ndcg@20": v["test"]["ndcg@20"] for k, v in r["context"].items() if "test" in v}
        out.append(_line(f"ml100k-cf {variant}", figures, REFERENCE["ml100k-cf"],
                         {"epochs": r["epochs"], "best_epoch": r["best_epoch"], "seconds_per_epoch": r["seconds_per_epoch"],
                          "cpu_seconds": round(time.process_time() - started, 1)}))
    return out


def _seqrec_line(name: str, r: dict, reference: dict, started: float, **extra) -> dict:
    figures = {"ndcg@10": r["test"]["ndcg@10"], "recall@10": r["test"]["recall@10"]}
    if "sampled" in r:
        figures |= {"sampled ndcg@10": r["sampled"]["test"]["ndcg@10"], "sampled hr@10": r["sampled"]["test"]["recall@10"]}
    cpu = time.process_time() - started
    return _line(name, figures, reference, {
        "lr": r["lr"], "epochs": r["epochs"], "best_epoch": r["best_epoch"], "stopped": r["stopped"], "valid_curve": r["valid_curve"],
        "seconds_per_epoch": r["seconds_per_epoch"], "cpu_seconds_per_epoch": round(cpu / max(r["epochs"], 1), 1),
        "valid_curve_rows": r["valid_curve_rows"], "train_windows": r["counts"]["train_windows"], "examples": r["config"]["examples"],
        "positions": r["config"].get("positions", "absolute"),
        # this process's peak so far (the MiniLM encoder runs in a child: not counted)
        "peak_rss_mb": round(peak_rss_mb()), **extra})


def ml100k_seqrec(max_epochs: int, lr_grid: tuple[float, ...], models=("sasrec", "minilm"), budget: float | None = None,
                  examples: str | None = None, positions: str = protocol.SEQREC_POSITIONS) -> list[dict]:
    from warehouse.loaders.recbole import load_recbole

    frames = load_recbole(ML100K, task="seqrec")
    out = []
    for model in models:
        started = time.process_time()
        if model == "sasrec":  # RecBole's loss (full softmax), the paper's dense-data dropout
            r = seqrec.run_seqrec(frames, None, id_only=True, sasrec_loss="ce", lr_grid=lr_grid, max_epochs=max_epochs,
                                  progress=True, max_seconds=budget, examples=examples)
        else:
            r = seqrec.run_seqrec(frames, minilm_vectors(frames["items"]), lr_grid=lr_grid, max_epochs=max_epochs,
                                  progress=True, max_seconds=budget, examples=examples, positions=positions)
        out.append(_seqrec_line(f"ml100k-seqrec {model}", r, REFERENCE["ml100k-seqrec"], started))
    return out


def video(max_epochs: int, loss: str = "bce", budget: float | None = None, valid_sample: int | None = None) -> list[dict]:
    frames = video_frames()
    started = time.process_time()
    r = seqrec.run_seqrec(frames, None, id_only=True, sasrec_loss=loss, sasrec_density="sparse",
                          lr_grid=(protocol.SASREC_LR,), max_epochs=max_epochs, progress=True, max_seconds=budget, sampled_negatives=SAMPLED,
                          valid_sample=valid_sample)
    trained = LOSSES[loss] + ("" if loss == "bce" else "; the paper trains BCE with one sampled negative")
    return [_seqrec_line(f"video sasrec-{loss}", r, REFERENCE["video"], started, loss=trained,
                         model=f"hidden {r['config']['hidden']}, {r['config']['n_blocks']} blocks, dropout "
                               f"{r['config']['dropout']}, max_len {r['config']['max_len']}, batch {r['config']['batch_size']}")]


def main(argv: list[str] | None = None) -> int:
    """Run the chosen suites (validated first); print and optionally write one line per run."""
    parser = ArgumentParser(prog="python -m perf reproduce", description=__doc__,
                                     formatter_class=RawDescriptionHelpFormatter)
    parser.add_argument("suites", nargs="*", help=f"which parts, of {', '.join(SUITES)} (default: all)")
    parser.add_argument("--max-epochs", type=int, default=200)
    parser.add_argument("--lr", type=float, action="append", help="seqrec learning rate(s) (default: the grid)")
    parser.add_argument("--model", choices=["sasrec", "minilm"], action="append", help="ml100k-seqrec models")
    parser.add_argument("--loss", choices=["bce", "ce"], default="bce", help="video: SASRec's loss")
    parser.add_argument("--examples", choices=seqrec.EXAMPLES,
                        help="ml100k-seqrec: training examples (benchmark.tasks.seqrec.training_windows; default: "
                             f"{protocol.SEQREC_EXAMPLES} for the text model, {protocol.SASREC_EXAMPLES} for SASRec)")
    parser.add_argument("--positions", choices=["relative", "absolute"], default=protocol.SEQREC_POSITIONS,
                        help="ml100k-seqrec: the text model's positions (absolute: UniSRec's; not with sequences)")
    parser.add_argument("--valid-sample", type=int, help="video: pick the best epoch on this many fixed validation "
                        "rows (full ranking; default all; test is always full)")
    parser.add_argument("--minutes", type=float, help="wall-time budget per seqrec/video training run (stops early, says so)")
    parser.add_argument("--out", type=Path, help="also write the lines as JSON here")
    args = parser.parse_args(argv)
    if unknown := [name for name in args.suites if name not in SUITES]:
        raise CliError(f"unknown suite(s) {', '.join(unknown)}; choose from {', '.join(SUITES)}")
    if args.max_epochs < 1 or (args.minutes is not None and args.minutes <= 0) or (args.valid_sample is not None and args.valid_sample < 1):
        raise CliError("--max-epochs and --valid-sample must be >= 1 and --minutes > 0")
    if args.examples == "sequences" and (set(args.model or ("sasrec",)) != {"minilm"} or args.positions != "relative"):
        raise CliError("--examples sequences trains the text model with relative positions only: "
                       "add --model minilm, without --positions absolute")
    if not ML100K.is_dir() or not VIDEO.is_file():
        raise CliError(f"the reproduction data is under {FIXTURES} (absent here)")
    settings.apply_threads()
    lines, budget = [], args.minutes * 60 if args.minutes else None
    for suite in args.suites or SUITES:
        if suite == "ml100k-cf":
            lines += ml100k_cf(args.max_epochs)
        elif suite == "ml100k-seqrec":
            lines += ml100k_seqrec(args.max_epochs, tuple(args.lr or protocol.SEQREC_LR_GRID),
                                   tuple(args.model or ("sasrec", "minilm")), budget, args.examples, args.positions)
        else:
            lines += video(args.max_epochs, args.loss, budget, args.valid_sample)
        if args.out:
            args.out.write_text(json.dumps(lines, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
