"""Sequential recommendation (DESIGN §5): train the UniSRec-style model, pick the learning rate
on validation, report full-ranking NDCG@10 and Recall@10/50 on test.

Training data. RecBole expands every train sequence into one row per prefix: each target
with its last `max_len` items as history. A user's sequence is the history of its first train
row followed by the targets of all its train rows in time order. Three schemes (docs/SEQREC.md):
- `examples="sequences"` (the text model's default): one row per user, a loss at every position.
  With relative positions (attention to the last `max_len` items, a bias per distance) each
  target's state is the one its own last items give, wherever the row starts, so one pass
  trains every target with its full history. Batches hold about `SEQREC_BATCH_TARGETS` targets
  of rows of similar length.
- `examples="prefix"` (the ID SASRec's default) gives exactly RecBole's pairs: the first
  `max_len + 1` items are one row with a loss at every position (with the causal mask, one pass
  sees the same (history, target) pairs as the prefix rows), and every later target gets its own
  row of its last `max_len` items with the loss on the last position only.
- `examples="windows"` (cheaper, for absolute positions) cuts the sequence into non-overlapping
  windows from its end, so a target near the start of a window sees a shorter history.
All three label every target exactly once per epoch.

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

from benchmark import metrics, protocol, ranking, settings
from benchmark.models.sasrec import SASRec, SASRecConfig
from benchmark.models.unisrec import IGNORE, UniSRec, UniSRecConfig
from benchmark.tasks import item_index
from benchmark.training import fit, pick_device, seed_everything
from warehouse.settings import MAX_HISTORY

EXAMPLES = ("prefix", "windows", "sequences")
LENGTH_JITTER = 0.2  # "sequences" batches group rows whose lengths agree within about this fraction
EVAL_BATCH = 256  # rows per evaluation forward pass: the text model's activations of 1,024 rows took ~0.5 GB


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


def training_windows(sequences: list[list[int]], max_len: int,
                     examples: str = protocol.SEQREC_EXAMPLES) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(inputs [S, W], labels [S, W], lengths [S]) right-padded; a label is the item after its
    input position, IGNORE where there is no loss. W is max_len, or for "sequences" the longest
    sequence less one. See the module docstring."""
    if examples not in EXAMPLES:
        raise ValueError(f"examples must be one of {', '.join(EXAMPLES)}, got {examples!r}")
    width = max_len
    if examples == "sequences":
        width = max((len(seq) - 1 for seq in sequences), default=max_len)
    inputs, labels = [], []

    def add(window: list[int], loss_from: int = 0) -> None:
        pad = width - (len(window) - 1)
        inputs.append(window[:-1] + [0] * pad)
        labels.append([IGNORE] * loss_from + window[1 + loss_from:] + [IGNORE] * pad)

    for seq in sequences:
        if examples == "sequences":
            if len(seq) >= 2:
                add(seq)
            continue
        if examples == "prefix":
            if len(seq) >= 2:
                add(seq[:max_len + 1])
            for end in range(max_len + 2, len(seq) + 1):  # target seq[end-1], its last max_len items
                add(seq[end - max_len - 1:end], loss_from=max_len - 1)
            continue
        end = len(seq)
        while end >= 2:
            start = max(0, end - max_len - 1)
            add(seq[start:end])
            end = start + 1
    inputs_t = torch.tensor(inputs, dtype=torch.long).reshape(-1, width)
    labels_t = torch.tensor(labels, dtype=torch.long).reshape(-1, width)
    # A row's input length: the position of its last label + 1 (labels follow the inputs).
    last = torch.where(labels_t != IGNORE, torch.arange(width), -1).max(dim=1).values
    return inputs_t, labels_t, last + 1


def batch_rows(lengths: torch.Tensor, batch_size: int, examples: str, generator: torch.Generator) -> list[torch.Tensor]:
    """One epoch's batches of row indices, in random order. "sequences" rows (whole users, 1 to
    hundreds of targets) are grouped by about equal length, so little of a batch is padding, and
    a batch holds about `batch_size` train targets rather than `batch_size` rows."""
    order = torch.randperm(len(lengths), generator=generator)
    if examples != "sequences":
        return list(order.split(batch_size))
    jitter = 1 + LENGTH_JITTER * torch.rand(len(lengths), generator=generator)  # partners vary per epoch
    batches, current, targets = [], [], 0
    for row in order[torch.argsort(lengths[order] * jitter, stable=True)].tolist():
        current.append(row)
        targets += int(lengths[row])
        if targets >= batch_size:
            batches.append(torch.tensor(current))
            current, targets = [], 0
    if current:
        batches.append(torch.tensor(current))
    return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]


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
               device: str | None = None, lr_grid=protocol.SEQREC_LR_GRID, max_epochs: int = protocol.SEQREC_MAX_EPOCHS,
               batch_size: int | None = None, id_only: bool = False, progress: bool = True,
               sampled_negatives: int | None = None, examples: str | None = None,
               sasrec_loss: str = "bce", sasrec_density: str = "dense", max_seconds: float | None = None,
               valid_sample: int | None = None, positions: str = protocol.SEQREC_POSITIONS) -> dict:
    """Train on `frames` (docs/CONTRACTS.md §5 seqrec) for each learning rate of the grid, keep
    the one with the best validation NDCG@10, and return its validation and test metrics.

    `item_vectors` [n_items, d] are aligned with `frames["items"]` and already adapted
    (PCA-whitened); with `id_only=True` they are ignored and the ID-only SASRec of the SASRec
    paper is trained (`sasrec_loss` "bce" as the paper or "ce"; `sasrec_density` picks the
    paper's dropout: "dense" for MovieLens-like data, "sparse" for Amazon-like data).
    `sampled_negatives=N` adds test metrics with 1 positive among N random items the user never
    interacted with, under the key "sampled" (for older papers only; the headline numbers are
    full ranking). `examples`: see `training_windows` (None: the model's default). `max_seconds`
    caps each lr's training time (reproduction runs on a budget; the result's "stopped" says why
    training ended).
    `valid_sample=N` picks the best epoch on a fixed random N of the validation rows (full
    ranking still): on large data (Video: 31k users x 23.7k items) full validation was ~40 % of
    a BCE epoch. The reported valid and test metrics are always on every row. `positions` of the
    text model: "absolute" or "relative" (benchmark.models.unisrec); `examples="sequences"` (one
    row per user) needs "relative", and its `batch_size` counts train targets, not rows.
    """
    examples = examples or (protocol.SASREC_EXAMPLES if id_only else protocol.SEQREC_EXAMPLES)
    if examples == "sequences" and (id_only or positions != "relative"):
        raise ValueError("examples='sequences' needs the text model with positions='relative' "
                         "(absolute positions end at max_len)")
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
    max_len = max(MAX_HISTORY, longest)

    if batch_size is None:
        batch_size = (protocol.SASREC_BATCH if id_only else
                      protocol.SEQREC_BATCH_TARGETS if examples == "sequences" else protocol.SEQREC_BATCH)
    sequences, dropped = user_sequences(frames["train"], index)
    inputs, labels, lengths = training_windows(sequences, max_len, examples)
    bce = id_only and sasrec_loss == "bce"
    valid = eval_pairs(frames["valid"], index, max_len)
    test = eval_pairs(frames["test"], index, max_len)
    dropped.update({f"valid_{k}": v for k, v in valid[3].items()})
    dropped.update({f"test_{k}": v for k, v in test[3].items()})
    if len(inputs) == 0 or len(valid[2]) == 0:
        raise ValueError(f"nothing to train or validate on (dropped: {dropped})")

    def epoch_batches(generator: torch.Generator):
        for idx in batch_rows(lengths, batch_size, examples, generator):
            width = int(lengths[idx].max())  # right padding + causal mask: trimming changes nothing
            batch = (inputs[idx, :width], labels[idx, :width], lengths[idx])
            yield batch + (negatives_for(*batch[:2], generator),) if bce else batch

    def negatives_for(seq, target, generator) -> torch.Tensor:
        """One item per position drawn uniformly among the items not in the row (the paper draws
        among the user's train items; a row holds all of them unless the user has > max_len + 1)."""
        row = torch.cat([seq, target.clamp(min=0)], dim=1)
        neg = torch.randint(0, n_items, target.shape, generator=generator)
        for _ in range(10):  # redraw the few collisions
            clash = (neg[:, :, None] == row[:, None, :]).any(-1)
            if not clash.any():
                break
            neg[clash] = torch.randint(0, n_items, (int(clash.sum()),), generator=generator)
        return neg

    # Floats a position holds in a step, in units of logits: its scores (2 with BCE, else all
    # items) and, for the text model, the adaptor's per-expert activations (input and output)
    # and each Transformer layer's saved activations (q, k, v, attention, projection, residual
    # and two LayerNorms ≈ 6 × hidden, the feed-forward's two inner ones). Without the last
    # term a step took ~2.2x its budget (ML-100K: 1.03 GB peak); the ID model's are negligible.
    per_position = 2 if bce else n_items
    if not id_only:
        per_position += protocol.SEQREC_EXPERTS * (item_vectors.shape[1] + protocol.SEQREC_HIDDEN)
        per_position += protocol.SEQREC_LAYERS * (6 * protocol.SEQREC_HIDDEN + 2 * protocol.SEQREC_INNER)
    # ... and the attention logits, weights and dropout mask of every layer, which grow with the
    # row: negligible for rows of max_len, not for whole-user "sequences" rows of hundreds.
    attention_per_width = 0 if id_only else 3 * protocol.SEQREC_LAYERS * protocol.SEQREC_HEADS

    def split(batch):
        """Micro-batches whose full-softmax logits fit the step memory budget (exact: weighted by
        labelled positions). The BCE loss scores two items per position: no split needed."""
        width = batch[0].shape[1]
        rows = settings.rows_per_step(per_position + attention_per_width * width, width)
        if rows >= batch[0].shape[0]:
            return [(batch, 1.0)]
        kept = batch[1] != IGNORE
        total = float(kept.sum())
        return [(tuple(t[s:s + rows] for t in batch), float(kept[s:s + rows].sum()) / total)
                for s in range(0, batch[0].shape[0], rows)]

    picked = valid[:3]
    if valid_sample is not None and valid_sample < len(valid[2]):  # fixed rows, in their order
        rows = np.sort(np.random.default_rng(seed).choice(len(valid[2]), size=valid_sample, replace=False))
        picked = (valid[0][rows], valid[1][rows], valid[2][rows])

    def validate(model) -> float:
        return metrics.ndcg_at_k_from_ranks(rank_targets(model, *picked, dev), protocol.SEQREC_VALID_METRIC[1])

    def build():
        if id_only:
            cfg = SASRecConfig(max_len=max_len, n_items=n_items, loss=sasrec_loss,
                               dropout=protocol.SASREC_DROPOUT[sasrec_density])
            return cfg, SASRec(cfg)
        cfg = UniSRecConfig(input_dim=item_vectors.shape[1], max_len=max_len, positions=positions)
        return cfg, UniSRec(cfg, torch.from_numpy(item_vectors))

    per_lr, best = {}, None
    for lr in lr_grid:
        generator = seed_everything(seed)
        cfg, model = build()
        result = fit(model, epoch_batches, validate, lr=lr, max_epochs=max_epochs, patience=protocol.SEQREC_PATIENCE,
                     generator=generator, device=dev, progress=progress, split=split, max_seconds=max_seconds,
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
        "stopped": result.stopped,
        "valid_curve": [round(x, 5) for x in result.history],  # valid metric after each epoch
        "valid_curve_rows": int(len(picked[2])),  # validation rows behind the curve (valid_sample)
        "train_seconds": round(result.fit_seconds, 3),
        "sequences_per_second": round(result.examples / result.step_seconds, 1) if result.step_seconds else None,
        "per_lr": per_lr,
        "seed": seed,
        "device": str(dev) if dev.type == "cpu" else torch.cuda.get_device_name(dev),
        "ranking": "full",
        "tie_rule": "equal scores rank the lower item index first",
        "seconds_per_epoch": round(result.step_seconds / max(result.epochs, 1), 3),
        "config": asdict(cfg) | {"batch_size": batch_size, "batch_counts": "targets" if examples == "sequences" else "rows",
                                 "max_epochs": max_epochs, "examples": examples,
                                 "patience": protocol.SEQREC_PATIENCE, "lr_grid": [float(x) for x in lr_grid]},
        "counts": {"items": n_items, "train_users": len(sequences), "train_windows": int(len(inputs)),
                   "valid": int(len(valid[2])), "test": int(len(test[2]))},
        "dropped": dropped,
        "torch": torch.__version__, "python": platform.python_version(),
    }
    if sampled_negatives:
        out["sampled"] = _sampled(model, test, dev, sampled_negatives, seed, _interacted(frames, index))
    return out


@torch.no_grad()
def _interacted(frames: dict[str, pd.DataFrame], index: dict[str, int]) -> list[np.ndarray]:
    """Per test row: every item its user interacted with (train, valid and test rows), which a
    sampled negative must not be (SASRec's protocol)."""
    seen: dict[str, set[int]] = {}
    for name in ("train", "valid", "test"):
        for user, history, target in zip(frames[name]["user_id"].astype(str), frames[name]["history"],
                                         frames[name]["target"].astype(str)):
            seen.setdefault(user, set()).update(index[i] for i in [*history, target] if i in index)
    rows = [u for u, h, t in zip(frames["test"]["user_id"].astype(str), frames["test"]["history"],
                                 frames["test"]["target"].astype(str))
            if t in index and any(i in index for i in h)]  # the rows eval_pairs keeps, in order
    return [np.fromiter(seen[u], dtype=np.int64) for u in rows]


def _sampled(model, test, device, n_negatives: int, seed: int, exclude: list[np.ndarray]) -> dict:
    histories, lengths, targets, _ = test
    queries = [model.ranking_vectors(histories[s:s + EVAL_BATCH].to(device), lengths[s:s + EVAL_BATCH].to(device))
               for s in range(0, len(histories), EVAL_BATCH)]
    q = torch.cat([a for a, _ in queries]).float().cpu().numpy()
    items = queries[-1][1].float().cpu().numpy()
    ranks = metrics.sampled_ranks(q, items, targets, n_negatives, seed, exclude=exclude)
    return {"label": f"sampled: 1 positive among {n_negatives} random items the user never interacted with",
            "n_negatives": n_negatives,
            "test": report(ranks)}
