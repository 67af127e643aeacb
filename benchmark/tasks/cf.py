"""Collaborative filtering (DESIGN §5): train the AlphaRec-style model with in-batch InfoNCE,
early-stop on validation Recall@20, report full-ranking NDCG@20 and Recall@20 on test.

A user is the mean of its train items' vectors, so only users with train items can be
scored: their valid/test pairs are dropped and counted. Validation masks the user's train
items; test masks train + valid items (a masked item can never be recommended).
"""
from __future__ import annotations

import platform
from dataclasses import asdict

import numpy as np
import pandas as pd
import torch

from benchmark import metrics, protocol, ranking
from benchmark.models.alpharec import AlphaRec, AlphaRecConfig
from benchmark.tasks import item_index
from benchmark.training import fit, pick_device, seed_everything

CUTOFF = protocol.CF_VALID_METRIC[1]


def _pairs(frame: pd.DataFrame, users: dict[str, int], items: dict[str, int]) -> tuple[np.ndarray, np.ndarray, dict]:
    """(user indices, item indices) of the pairs whose user and item are known; drop counts."""
    u = frame["user_id"].astype(str).map(users)
    i = frame["item_id"].astype(str).map(items)
    known = u.notna() & i.notna()
    dropped = {"unknown_user": int(u.isna().sum()), "unknown_item": int((u.notna() & i.isna()).sum())}
    return u[known].to_numpy(np.int64), i[known].to_numpy(np.int64), dropped


def _by_user(users: np.ndarray, items: np.ndarray, n_users: int) -> list[np.ndarray]:
    order = np.lexsort((items, users))
    bounds = np.searchsorted(users[order], np.arange(n_users + 1))
    return [np.unique(items[order][bounds[u]:bounds[u + 1]]) for u in range(n_users)]


def evaluate(model: AlphaRec, relevant: list[np.ndarray], exclude: list[np.ndarray], device: torch.device,
             k: int = CUTOFF) -> dict[str, float]:
    """Recall@k and NDCG@k over users with at least one relevant item (full ranking, masked)."""
    users = np.array([u for u, rel in enumerate(relevant) if rel.size], dtype=np.int64)
    user_vecs, item_vecs = model.ranking_vectors()
    _, topk = ranking.score_topk(user_vecs[torch.from_numpy(users).to(user_vecs.device)].float(), item_vecs.float(), k,
                                 exclude=[exclude[u] for u in users], device=str(device))
    rel = [set(relevant[u].tolist()) for u in users]
    return {f"recall@{k}": metrics.recall_at_k(topk.numpy(), rel, k), f"ndcg@{k}": metrics.ndcg_at_k(topk.numpy(), rel, k)}


def run_cf(frames: dict[str, pd.DataFrame], item_vectors: np.ndarray, *, seed: int = protocol.SEED,
           device: str | None = None, lr: float | tuple[float, ...] = protocol.CF_LR, max_epochs: int = 500,
           batch_size: int = protocol.CF_BATCH, progress: bool = True) -> dict:
    """Train on `frames` (docs/CONTRACTS.md §5 cf) with `item_vectors` [n_items, d] aligned with
    `frames["items"]` (already adapted). `lr` may be one value or a grid chosen on valid Recall@20."""
    dev = pick_device(device)
    items = item_index(frames["items"])
    item_vectors = np.asarray(item_vectors, dtype=np.float32)
    if item_vectors.shape[0] != len(items):
        raise ValueError(f"{item_vectors.shape[0]} item vectors for {len(items)} items")
    train_users = sorted(frames["train"]["user_id"].astype(str).unique())
    users = {u: n for n, u in enumerate(train_users)}
    tr_u, tr_i, dropped = _pairs(frames["train"], users, items)
    va_u, va_i, d_valid = _pairs(frames["valid"], users, items)
    te_u, te_i, d_test = _pairs(frames["test"], users, items)
    dropped |= {f"valid_{k}": v for k, v in d_valid.items()} | {f"test_{k}": v for k, v in d_test.items()}
    n_users = len(users)
    train_items, valid_items, test_items = (_by_user(u, i, n_users) for u, i in ((tr_u, tr_i), (va_u, va_i), (te_u, te_i)))
    train_valid = [np.union1d(a, b) for a, b in zip(train_items, valid_items)]

    # A user is the mean of its train items' vectors (fixed input; the linear map is learned).
    # Every user has a train pair (users come from train), so reduceat sees no empty group.
    order = np.argsort(tr_u, kind="stable")
    starts = np.searchsorted(tr_u[order], np.arange(n_users))
    sums = np.add.reduceat(item_vectors[tr_i[order]].astype(np.float64), starts, axis=0)
    user_vectors = (sums / np.bincount(tr_u, minlength=n_users)[:, None]).astype(np.float32)
    pairs_u, pairs_i = torch.from_numpy(tr_u), torch.from_numpy(tr_i)

    def epoch_batches(generator: torch.Generator):
        order = torch.randperm(len(pairs_u), generator=generator)
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            yield pairs_u[idx], pairs_i[idx]

    def validate(model) -> float:
        return evaluate(model, valid_items, train_items, dev)[f"recall@{CUTOFF}"]

    grid = (lr,) if isinstance(lr, (int, float)) else tuple(lr)
    cfg = AlphaRecConfig(input_dim=item_vectors.shape[1])
    per_lr, best = {}, None
    for rate in grid:
        generator = seed_everything(seed)
        model = AlphaRec(cfg, torch.from_numpy(item_vectors), torch.from_numpy(user_vectors))
        result = fit(model, epoch_batches, validate, lr=rate, max_epochs=max_epochs, patience=protocol.CF_PATIENCE,
                     generator=generator, device=dev, progress=progress, desc=f"cf alpharec lr={rate:g}")
        per_lr[repr(float(rate))] = result.best_metric
        if best is None or result.best_metric > best[1].best_metric:
            best = (rate, result, model)
    rate, result, model = best
    valid = evaluate(model, valid_items, train_items, dev)
    test = evaluate(model, test_items, train_valid, dev)
    return {
        "model": "alpharec",
        "lr": float(rate),
        "valid": valid,
        "test": test,
        "epochs": result.epochs,
        "best_epoch": result.best_epoch,
        "valid_curve": [round(x, 5) for x in result.history],  # valid metric after each epoch
        "train_seconds": round(result.fit_seconds, 3),
        "seconds_per_epoch": round(result.step_seconds / max(result.epochs, 1), 4),
        "pairs_per_second": round(result.examples / result.step_seconds, 1) if result.step_seconds else None,
        "per_lr": per_lr,
        "seed": seed,
        "device": str(dev) if dev.type == "cpu" else torch.cuda.get_device_name(dev),
        "ranking": "full",
        "masking": "valid: train items; test: train + valid items",
        "tie_rule": "equal scores rank the lower item index first",
        "config": asdict(cfg) | {"batch_size": batch_size, "max_epochs": max_epochs, "patience": protocol.CF_PATIENCE,
                                 "lr_grid": [float(x) for x in grid]},
        "counts": {"items": len(items), "users": n_users, "train_pairs": int(len(tr_u)),
                   "valid_users": int(sum(r.size > 0 for r in valid_items)),
                   "test_users": int(sum(r.size > 0 for r in test_items))},
        "dropped": dropped,
        "torch": torch.__version__, "python": platform.python_version(),
    }
