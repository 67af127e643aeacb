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
import pyarrow as pa
import pyarrow.parquet as pq

from parsing.text import clean_item_text
from warehouse import layout
from warehouse.loaders.frames import join_text
from warehouse.loaders.interactions import cf_split
from warehouse.settings import LakeSettings
from warehouse.tasks import write_task

ORDER = ["user_seq", "timestamp", "seq"]


def read_partition(folder: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """All Parquet files of one partition folder, as one frame (hive folders below it ignored)."""
    files = layout.parquet_files(folder)
    if not files:
        return pd.DataFrame(columns=columns or [])
    tables = [pq.read_table(p, columns=columns) for p in files]
    return pa.concat_tables(tables).to_pandas()


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


def item_texts(root: str | Path, category: str) -> pd.DataFrame:
    """parent_asin → cleaned title and title + features + categories + description."""
    meta = read_partition(layout.partition(layout.silver(root, "meta"), category),
                          ["parent_asin", "title", "features", "categories", "description"])
    if meta.empty:
        return pd.DataFrame(columns=["item_id", "title", "text_full"])
    return pd.DataFrame({
        "item_id": meta["parent_asin"].astype(str),
        "title": [clean_item_text(t) for t in meta["title"]],
        "text_full": [join_text(t, list(f if f is not None else []), list(c if c is not None else []),
                                list(d if d is not None else []))
                      for t, f, c, d in zip(meta["title"], meta["features"], meta["categories"], meta["description"])],
    })


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
