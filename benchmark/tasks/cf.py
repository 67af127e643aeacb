"""Collaborative filtering (DESIGN §5): train the AlphaRec-style model (a named configuration of
`protocol.CF_VARIANTS`), early-stop on validation Recall@20, report full-ranking NDCG@20 and
Recall@20 on test, with the context baselines (most-popular, EASE) on the same split beside it.

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

from benchmark import baselines, metrics, protocol, ranking
from benchmark.models.alpharec import AlphaRec, AlphaRecConfig, normalised_graph
from benchmark.tasks import item_index
from benchmark.training import fit, pick_device, seed_everything

CUTOFF = protocol.CF_VALID_METRIC[1]
EVAL_USERS = 2048


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
    return evaluate_vectors(*model.ranking_vectors(), relevant, exclude, device, k)


def evaluate_vectors(user_vecs, item_vecs, relevant: list[np.ndarray], exclude: list[np.ndarray],
                     device: torch.device, k: int = CUTOFF) -> dict[str, float]:
    """The same for any scorer written as users @ items.T (user rows may be a scipy sparse matrix)."""
    users = np.array([u for u, rel in enumerate(relevant) if rel.size], dtype=np.int64)
    item_vecs = torch.as_tensor(item_vecs).float()
    tops = []
    for start in range(0, len(users), EVAL_USERS):  # dense user rows in chunks (EASE's are N wide)
        chunk = users[start:start + EVAL_USERS]
        rows = user_vecs[chunk]
        rows = torch.as_tensor(rows.toarray() if hasattr(rows, "toarray") else rows).float()
        tops.append(ranking.score_topk(rows, item_vecs, k, exclude=[exclude[u] for u in chunk], device=str(device))[1])
    topk = torch.cat(tops).numpy() if tops else np.empty((0, k), dtype=np.int64)
    rel = [set(relevant[u].tolist()) for u in users]
    return {f"recall@{k}": metrics.recall_at_k(topk, rel, k), f"ndcg@{k}": metrics.ndcg_at_k(topk, rel, k)}


def context_baselines(train_items, valid_items, test_items, train_valid, n_items: int, device) -> dict:
    """Most-popular and EASE (lambda chosen on valid Recall@20) on the same split and masking."""
    def both(vectors):
        return {"valid": evaluate_vectors(*vectors, valid_items, train_items, device),
                "test": evaluate_vectors(*vectors, test_items, train_valid, device)}

    out = {"most_popular": both(baselines.most_popular_vectors(train_items, n_items))}
    if n_items > protocol.EASE_MAX_ITEMS:
        out["ease"] = {"skipped": f"{n_items} items > EASE_MAX_ITEMS={protocol.EASE_MAX_ITEMS}"}
        return out
    x = baselines.interactions(train_items, n_items)
    gram = baselines.ease_gram(x)  # one XᵀX for the whole grid; each lambda costs one inverse
    per_lambda, best = {}, None
    for lam in protocol.EASE_LAMBDAS:
        items = baselines.ease_items(gram, lam)
        valid = evaluate_vectors(x, items, valid_items, train_items, device)
        per_lambda[repr(lam)] = valid[f"recall@{CUTOFF}"]
        if best is None or per_lambda[repr(lam)] >= best[1][f"recall@{CUTOFF}"]:  # ties: the larger lambda
            best = (lam, valid, items)
    lam, valid, items = best
    out["ease"] = {"lambda": lam, "per_lambda": per_lambda, "valid": valid,
                   "test": evaluate_vectors(x, items, test_items, train_valid, device)}
    return out


def run_cf(frames: dict[str, pd.DataFrame], item_vectors: np.ndarray, *, seed: int = protocol.SEED,
           device: str | None = None, lr_grid: float | tuple[float, ...] = protocol.CF_LR_GRID,
           max_epochs: int = protocol.CF_MAX_EPOCHS,
           batch_size: int = protocol.CF_BATCH, progress: bool = True, variant: str = protocol.CF_VARIANT,
           context: bool = True) -> dict:
    """Train on `frames` (docs/CONTRACTS.md §5 cf) with `item_vectors` [n_items, d] aligned with
    `frames["items"]` (already adapted). `lr_grid` (one value or several) is searched as the paper
    does: each rate trains from the same seed, the best valid Recall@20 wins, and "per_lr" records
    every rate's best valid Recall@20.
    `variant` names a configuration of `protocol.CF_VARIANTS`; `context` adds most-popular and
    EASE on the same split under "context"."""
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
    cfg = AlphaRecConfig.variant(variant, input_dim=item_vectors.shape[1])
    graph = normalised_graph(pairs_u, pairs_i, n_users, len(items)) if cfg.gcn_layers else None

    def epoch_batches(generator: torch.Generator):
        order = torch.randperm(len(pairs_u), generator=generator)
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            if cfg.negatives:  # uniform over all items, as the reference code samples them
                yield pairs_u[idx], pairs_i[idx], torch.randint(0, len(items), (len(idx), cfg.negatives), generator=generator)
            else:
                yield pairs_u[idx], pairs_i[idx]

    def validate(model) -> float:
        return evaluate(model, valid_items, train_items, dev)[f"recall@{CUTOFF}"]

    grid = (lr_grid,) if isinstance(lr_grid, (int, float)) else tuple(lr_grid)
    per_lr, best = {}, None
    for rate in grid:
        generator = seed_everything(seed)
        model = AlphaRec(cfg, torch.from_numpy(item_vectors), torch.from_numpy(user_vectors), graph)
        result = fit(model, epoch_batches, validate, lr=rate, max_epochs=max_epochs, patience=protocol.CF_PATIENCE,
                     generator=generator, device=dev, progress=progress, desc=f"cf {variant} lr={rate:g}")
        per_lr[repr(float(rate))] = result.best_metric
        if best is None or result.best_metric > best[1].best_metric:
            best = (rate, result, model)
    rate, result, model = best
    valid = evaluate(model, valid_items, train_items, dev)
    test = evaluate(model, test_items, train_valid, dev)
    out = {
        "model": "alpharec",
        "variant": variant,
        "lr": float(rate),
        "valid": valid,
        "test": test,
        "epochs": result.epochs,
        "best_epoch": result.best_epoch,
        "stopped": result.stopped,
        "valid_curve": [round(x, 5) for x in result.history],  # valid metric after each epoch
        "train_seconds": round(result.fit_seconds, 3),
        "seconds_per_epoch": round(result.step_seconds / max(result.epochs, 1), 4),
        "pairs_per_second": round(result.examples / result.step_seconds, 1) if result.step_seconds else None,
        "per_lr": per_lr,
        "valid_metric": f"recall@{CUTOFF}",
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
    if context:
        out["context"] = context_baselines(train_items, valid_items, test_items, train_valid, len(items), dev)
    return out
