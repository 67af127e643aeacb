"""Task inputs for one category (CONTRACTS §5, DESIGN §4), read from gold and silver, written by write_task.

- seqrec: the 0-core `timestamp_w_his` split; a row whose target has no metadata is dropped,
  history items without metadata are removed, rows left with an empty history are dropped, the
  last `max_history` items are kept (as hyp1231/AmazonReviews2023 `process_amazon_2023.py`).
- cf: unique (user, item) pairs of the `cf_core`-core `rating_only` table whose item has
  metadata; shuffled by sha256("<seed>|<user_id>|<item_id>") (then by user, item), a keyed,
  language-independent permutation; the first 4/10 (floored) train, the next 3/10 valid, the rest test.
- items: the items that appear in the task's rows, sorted, title and text_full cleaned.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from warehouse import layout
from warehouse.loaders.interactions import cf_split
from warehouse.settings import LakeSettings
from warehouse.task_frames import item_texts, read_partition
from warehouse.tasks import write_task

ORDER = ["user_seq", "timestamp", "seq"]


def read_benchmark(root: str | Path, k: int, variant: str, category: str, split: str | None = None) -> pd.DataFrame:
    """One gold benchmark table of a category in the official order (users by first appearance,
    then time, then input order)."""
    folder = layout.partition(layout.benchmark(root, k, variant), category)
    if split:
        folder = folder / f"split={split}"
    frame = read_partition(folder)
    if frame.empty:
        return frame
    return frame.sort_values(ORDER, kind="mergesort").reset_index(drop=True)


def seqrec_frames(root: str | Path, category: str, items: pd.DataFrame, settings: LakeSettings) -> dict:
    known = set(items["item_id"])
    frames = {}
    for split in layout.SPLITS:
        rows = read_benchmark(root, 0, "timestamp_w_his", category, split)
        out = {"user_id": [], "history": [], "target": [], "timestamp": []}
        for user, target, history, ts in zip(rows.get("user_id", []), rows.get("parent_asin", []),
                                             rows.get("history", []), rows.get("timestamp", [])):
            if target not in known:
                continue
            kept = [i for i in history.split(" ") if i in known] if history else []
            if not kept:
                continue
            out["user_id"].append(user)
            out["history"].append(kept[-settings.max_history:])
            out["target"].append(target)
            out["timestamp"].append(int(ts))
        frames[split] = pd.DataFrame(out).astype({"timestamp": "int64"})
    used = set()
    for split in layout.SPLITS:
        used.update(frames[split]["target"])
        for history in frames[split]["history"]:
            used.update(history)
    frames["items"] = items[items["item_id"].isin(used)].sort_values("item_id", kind="mergesort").reset_index(drop=True)
    return frames


def cf_frames(root: str | Path, category: str, items: pd.DataFrame, settings: LakeSettings) -> dict:
    rows = read_benchmark(root, settings.cf_core, "rating_only", category)
    known = set(items["item_id"])
    pairs = sorted({(u, i) for u, i in zip(rows.get("user_id", []), rows.get("parent_asin", [])) if i in known})
    # One CF rule for the lake and the outside-dataset loaders.
    frames = cf_split(pd.DataFrame(pairs, columns=["user_id", "item_id"], dtype=str),
                      seed=settings.cf_seed, ratio=tuple(settings.cf_ratio))
    used = {i for _, i in pairs}
    frames["items"] = items[items["item_id"].isin(used)].sort_values("item_id", kind="mergesort").reset_index(drop=True)
    return frames


def build_task_inputs(root: str | Path, category: str, settings: LakeSettings = LakeSettings()) -> dict:
    """Write seqrec and cf inputs for one category (dataset name = the category); return sizes."""
    items = item_texts(root, category)
    sizes = {}
    for task, make in (("seqrec", seqrec_frames), ("cf", cf_frames)):
        frames = make(root, category, items, settings)
        write_task(root, task, category, frames)
        sizes[task] = {name: len(frame) for name, frame in frames.items()}
    return sizes
