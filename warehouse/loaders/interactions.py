"""Plain pandas versions of the DESIGN §4 rules that every outside dataset goes through.

Input frames hold `user_id`, `item_id` (str), `timestamp` (int64 ms) and `order` (the
position in the source file, the deterministic tie-break for equal timestamps).
"""
from __future__ import annotations

import hashlib
import logging

import numpy as np
import pandas as pd

from warehouse.settings import CF_SPLIT, DATA_SEED as SEED

log = logging.getLogger(__name__)


def dedup_earliest(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep the earliest interaction per (user, item); equal timestamps keep the first in file order."""
    ordered = frame.sort_values(["timestamp", "order"], kind="mergesort")
    kept = ordered.drop_duplicates(["user_id", "item_id"], keep="first")
    log.info("dedup: %d of %d interactions kept (earliest per user and item)", len(kept), len(frame))
    return kept.sort_values("order", kind="mergesort").reset_index(drop=True)


def k_core(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    """Repeat "keep rows whose user count ≥ k and item count ≥ k" (both counted on the same
    rows in one pass) until nothing changes."""
    current, rounds = frame, 0
    while True:
        users = current["user_id"].map(current["user_id"].value_counts())
        items = current["item_id"].map(current["item_id"].value_counts())
        keep = (users >= k) & (items >= k)
        if keep.all():
            log.info("%d-core: %d of %d interactions kept after %d rounds (%d users, %d items)", k,
                     len(current), len(frame), rounds, current["user_id"].nunique(), current["item_id"].nunique())
            return current.reset_index(drop=True)
        current, rounds = current[keep], rounds + 1


def leave_last_out(frame: pd.DataFrame, max_history: int) -> dict[str, pd.DataFrame]:
    """Per user in time order: last → test, second last → valid, the rest → train.

    Every row is (user_id, history, target, timestamp): history = the user's earlier items,
    oldest first, the last `max_history` of them; rows with an empty history are dropped.
    Train holds one row per (history, target) pair. Users are listed in sorted order.
    """
    ordered = frame.sort_values(["user_id", "timestamp", "order"], kind="mergesort")
    rows: dict[str, list] = {"train": [], "valid": [], "test": []}
    users = ordered["user_id"].to_numpy()
    items = ordered["item_id"].to_numpy()
    stamps = ordered["timestamp"].to_numpy()
    bounds = np.flatnonzero(np.r_[True, users[1:] != users[:-1], True]) if len(users) else [0]
    for start, stop in zip(bounds[:-1], bounds[1:]):
        seq, ts, user = items[start:stop].tolist(), stamps[start:stop].tolist(), users[start]
        n = len(seq)
        for j in range(1, n):
            split = "test" if j == n - 1 else "valid" if j == n - 2 else "train"
            rows[split].append((user, seq[max(0, j - max_history):j], seq[j], ts[j]))
    columns = ["user_id", "history", "target", "timestamp"]
    return {name: pd.DataFrame(data, columns=columns).astype({"timestamp": "int64"})
            for name, data in rows.items()}


def cf_order_key(seed: int, user: str, item: str) -> str:
    """The shuffle key of a pair: the same rule as the lake's CF inputs (warehouse.task_inputs)."""
    return hashlib.sha256(f"{seed}|{user}|{item}".encode()).hexdigest()


def cf_cut_points(n_pairs: int, ratio: tuple[int, ...] = CF_SPLIT) -> tuple[int, int]:
    """Where train and valid end among `n_pairs` shuffled pairs: train 4/10 of them (floored),
    valid the next 3/10 (floored), test the rest. The one home of the CF split's integer rule."""
    total = sum(ratio)
    n_train, n_valid = n_pairs * ratio[0] // total, n_pairs * ratio[1] // total
    return n_train, n_train + n_valid


def cf_split(frame: pd.DataFrame, seed: int = SEED, ratio: tuple[int, ...] = CF_SPLIT) -> dict[str, pd.DataFrame]:
    """Unique (user, item) pairs ordered by sha256("<seed>|<user>|<item>") (a keyed shuffle that
    does not depend on the source's row order), then the first 4/10 (floored) train, the next
    3/10 (floored) valid, the rest test."""
    pairs = sorted({(u, i) for u, i in zip(frame["user_id"], frame["item_id"])})
    pairs.sort(key=lambda pair: cf_order_key(seed, *pair))
    train_end, valid_end = cf_cut_points(len(pairs), ratio)
    parts = {"train": pairs[:train_end], "valid": pairs[train_end:valid_end], "test": pairs[valid_end:]}
    return {name: pd.DataFrame(rows, columns=["user_id", "item_id"], dtype=str) for name, rows in parts.items()}
