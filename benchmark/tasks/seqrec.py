"""Sequential recommendation (DESIGN §5): train the UniSRec-style model, pick the learning rate
on validation, report full-ranking NDCG@10 and Recall@10/50 on test.

Training data. RecBole expands every train sequence into one row per prefix. With a causal
mask, one pass over a user's sequence with a loss at every position sees the same
(history, target) pairs, so we train on per-user sequences: the history of the user's first
train row followed by the targets of all its train rows in time order. A sequence longer than
`max_len + 1` is cut into windows from its end backwards, so every target is a label exactly
once; a target near the start of an earlier window sees a shorter history than RecBole would
give it (only for users with more than `max_len + 1` train items).

Evaluation. Each valid/test row is one (history, target) pair: the model reads the history
(the last `max_len` items) and ranks ALL items; no history item is masked (protocol). Rows
whose target has no item vector, or whose history is empty once unknown items are removed,
are dropped and counted in `dropped`.
"""
from __future__ import annotations

import platform
from dataclasses import asdict

import numpy as np
import pandas as pd
import torch

from benchmark import metrics, protocol, ranking
from benchmark.models.sasrec import SASRec, SASRecConfig
from benchmark.models.unisrec import IGNORE, UniSRec, UniSRecConfig
from benchmark.tasks import item_index
from benchmark.training import fit, pick_device, seed_everything

EVAL_BATCH = 1024


def user_sequences(train: pd.DataFrame, index: dict[str, int]) -> tuple[list[list[int]], dict[str, int]]:
    """One item-index sequence per user (first history + all targets, in time order)."""
    dropped = {"unknown_items": 0, "short_sequences": 0}
    frame = train.assign(_order=np.arange(len(train))).sort_values(["user_id", "timestamp", "_order"], kind="mergesort")
    sequences = []
    for _, rows in frame.groupby("user_id", sort=True):
        ids = list(rows["history"].iloc[0]) + rows["target"].astype(str).tolist()
        seq = [index[i] for i in ids if i in index]
        dropped["unknown_items"] += len(ids) - len(seq)
        if len(seq) < 2:
            dropped["short_sequences"] += 1
            continue
        sequences.append(seq)
    return sequences, dropped


def training_windows(sequences: list[list[int]], max_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs [S, max_len], labels [S, max_len]), right-padded; labels are inputs shifted by one."""
    inputs, labels = [], []
    for seq in sequences:
        end = len(seq)
        while end >= 2:
            start = max(0, end - max_len - 1)
            window = seq[start:end]
            pad = max_len - (len(window) - 1)
            inputs.append(window[:-1] + [0] * pad)
            labels.append(window[1:] + [IGNORE] * pad)
            end = start + 1
    return torch.tensor(inputs, dtype=torch.long), torch.tensor(labels, dtype=torch.long)


def eval_pairs(frame: pd.DataFrame, index: dict[str, int], max_len: int):
    """(histories [Q, max_len] right-padded, lengths [Q], targets [Q]) and drop counts."""
    dropped = {"unknown_target": 0, "empty_history": 0}
    histories, lengths, targets = [], [], []
    for history, target in zip(frame["history"], frame["target"].astype(str)):
        if target not in index:
            dropped["unknown_target"] += 1
            continue
        seq = [index[i] for i in history if i in index][-max_len:]
        if not seq:
            dropped["empty_history"] += 1
            continue
        histories.append(seq + [0] * (max_len - len(seq)))
        lengths.append(len(seq))
        targets.append(index[target])
    return (torch.tensor(histories, dtype=torch.long).reshape(-1, max_len),
            torch.tensor(lengths, dtype=torch.long), np.asarray(targets, dtype=np.int64), dropped)


@torch.no_grad()
def rank_targets(model, histories, lengths, targets, device) -> np.ndarray:
    """0-based full-ranking rank of every target (benchmark.ranking's tie rule)."""
    model.eval()
    queries, items = [], None
    for start in range(0, len(histories), EVAL_BATCH):
        batch_lengths = lengths[start:start + EVAL_BATCH]
        batch = histories[start:start + EVAL_BATCH, :int(batch_lengths.max())]  # drop all-padding columns
        q, items = model.ranking_vectors(batch.to(device), batch_lengths.to(device))
        queries.append(q.float())
    if not queries:
        return np.empty(0, dtype=np.int64)
    return ranking.target_ranks(torch.cat(queries), items.float(), targets, device=str(device))


def report(ranks: np.ndarray) -> dict[str, float]:
    return {f"{name}@{k}": (metrics.ndcg_at_k_from_ranks if name == "ndcg" else metrics.recall_at_k_from_ranks)(ranks, k)
            for name, k in protocol.SEQREC_REPORT}


def run_seqrec(frames: dict[str, pd.DataFrame], item_vectors: np.ndarray | None, *, seed: int = protocol.SEED,
               device: str | None = None, lr_grid=protocol.SEQREC_LR_GRID, max_epochs: int = 200, batch_size: int = protocol.SEQREC_BATCH,
               id_only: bool = False, progress: bool = True, sampled_negatives: int | None = None) -> dict:
    """Train on `frames` (docs/CONTRACTS.md §5 seqrec) for each learning rate of the grid, keep
    the one with the best validation NDCG@10, and return its validation and test metrics.

    `item_vectors` [n_items, d] are aligned with `frames["items"]` and already adapted
    (PCA-whitened); with `id_only=True` they are ignored and the ID-only SASRec is trained.
    `sampled_negatives=N` adds test metrics with 1 positive among N random negatives under
    the key "sampled" (for older papers only; the headline numbers are full ranking).
    """
    dev = pick_device(device)
    index = item_index(frames["items"])
    n_items = len(index)
    if not id_only:
        if item_vectors is None:
            raise ValueError("item_vectors are required unless id_only=True")
        item_vectors = np.asarray(item_vectors, dtype=np.float32)
        if item_vectors.shape[0] != n_items:
            raise ValueError(f"{item_vectors.shape[0]} item vectors for {n_items} items")
    longest = max((len(h) for name in ("train", "valid", "test") for h in frames[name]["history"]), default=1)
    max_len = max(protocol.SEQREC_MAX_HISTORY, longest)

    sequences, dropped = user_sequences(frames["train"], index)
    inputs, labels = training_windows(sequences, max_len)
    lengths = (labels != IGNORE).sum(dim=1)
    valid = eval_pairs(frames["valid"], index, max_len)
    test = eval_pairs(frames["test"], index, max_len)
    dropped.update({f"valid_{k}": v for k, v in valid[3].items()})
    dropped.update({f"test_{k}": v for k, v in test[3].items()})
    if len(inputs) == 0 or len(valid[2]) == 0:
        raise ValueError(f"nothing to train or validate on (dropped: {dropped})")

    def epoch_batches(generator: torch.Generator):
        order = torch.randperm(len(inputs), generator=generator)
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            width = int(lengths[idx].max())  # right padding + causal mask: trimming changes nothing
            yield inputs[idx, :width], labels[idx, :width]

    def validate(model) -> float:
        return metrics.ndcg_at_k_from_ranks(rank_targets(model, *valid[:3], dev), protocol.SEQREC_VALID_METRIC[1])

    def build():
        if id_only:
            cfg = SASRecConfig(max_len=max_len, n_items=n_items)
            return cfg, SASRec(cfg)
        cfg = UniSRecConfig(input_dim=item_vectors.shape[1], max_len=max_len)
        return cfg, UniSRec(cfg, torch.from_numpy(item_vectors))

    per_lr, best = {}, None
    for lr in lr_grid:
        generator = seed_everything(seed)
        cfg, model = build()
        result = fit(model, epoch_batches, validate, lr=lr, max_epochs=max_epochs, patience=protocol.SEQREC_PATIENCE,
                     generator=generator, device=dev, progress=progress,
                     desc=f"seqrec {'sasrec' if id_only else 'unisrec'} lr={lr:g}")
        per_lr[repr(float(lr))] = result.best_metric
        if best is None or result.best_metric > best[1].best_metric:
            best = (lr, result, model, cfg)
        else:
            del model
    lr, result, model, cfg = best
    out = {
        "model": "sasrec" if id_only else "unisrec",
        "lr": float(lr),
        "valid": report(rank_targets(model, *valid[:3], dev)),
        "test": report(rank_targets(model, *test[:3], dev)),
        "epochs": result.epochs,
        "best_epoch": result.best_epoch,
        "valid_curve": [round(x, 5) for x in result.history],  # valid metric after each epoch
        "train_seconds": round(result.fit_seconds, 3),
        "sequences_per_second": round(result.examples / result.step_seconds, 1) if result.step_seconds else None,
        "per_lr": per_lr,
        "seed": seed,
        "device": str(dev) if dev.type == "cpu" else torch.cuda.get_device_name(dev),
        "ranking": "full",
        "tie_rule": "equal scores rank the lower item index first",
        "config": asdict(cfg) | {"batch_size": batch_size, "max_epochs": max_epochs,
                                 "patience": protocol.SEQREC_PATIENCE, "lr_grid": [float(x) for x in lr_grid]},
        "counts": {"items": n_items, "train_users": len(sequences), "train_windows": int(len(inputs)),
                   "valid": int(len(valid[2])), "test": int(len(test[2]))},
        "dropped": dropped,
        "torch": torch.__version__, "python": platform.python_version(),
    }
    if sampled_negatives:
        out["sampled"] = _sampled(model, test, dev, sampled_negatives, seed)
    return out


@torch.no_grad()
def _sampled(model, test, device, n_negatives: int, seed: int) -> dict:
    histories, lengths, targets, _ = test
    queries = [model.ranking_vectors(histories[s:s + EVAL_BATCH].to(device), lengths[s:s + EVAL_BATCH].to(device))
               for s in range(0, len(histories), EVAL_BATCH)]
    q = torch.cat([a for a, _ in queries]).float().cpu().numpy()
    items = queries[-1][1].float().cpu().numpy()
    ranks = metrics.sampled_ranks(q, items, targets, n_negatives, seed)
    return {"label": f"sampled: 1 positive among {n_negatives} random negatives", "n_negatives": n_negatives,
            "test": report(ranks)}
