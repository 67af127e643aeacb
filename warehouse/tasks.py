"""Task inputs (docs/CONTRACTS.md §5): the files the benchmark reads, and their one reader/writer."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from parsing.atomic import atomic_path, write_parquet
from parsing.categories import safe_category
from warehouse import layout

TASKS = ("seqrec", "cf", "search")
SPLITS = layout.SPLITS
FILES = {
    "seqrec": ("items", "train", "valid", "test"),
    "cf": ("items", "train", "valid", "test"),
    "search": ("items", "queries", "qrels"),
}
ITEM_COLUMNS = ("item_id", "title", "text_full")
COLUMNS = {
    "seqrec": {"train": ("user_id", "history", "target", "timestamp")},
    "cf": {"train": ("user_id", "item_id")},
    "search": {"queries": ("query_id", "query"), "qrels": ("query_id", "item_id", "relevance")},
}
for _task in ("seqrec", "cf"):
    COLUMNS[_task]["valid"] = COLUMNS[_task]["test"] = COLUMNS[_task]["train"]


def task_dir(root: str | Path, task: str, dataset: str) -> Path:
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {TASKS}")
    return layout.tasks(root) / task / safe_category(dataset)


def write_task(root: str | Path, task: str, dataset: str, frames: dict[str, pd.DataFrame]) -> Path:
    """Write one task dataset atomically (the whole folder is swapped in at once).

    `items` is sorted by `item_id` here, so its row number is the item index everywhere.
    """
    missing = set(FILES[task]) - set(frames)
    if missing:
        raise ValueError(f"{task}/{dataset}: missing frames {sorted(missing)}")
    final = task_dir(root, task, dataset)
    with atomic_path(final) as tmp:
        tmp.mkdir(parents=True)
        for name in FILES[task]:
            frame = frames[name]
            columns = ITEM_COLUMNS if name == "items" else COLUMNS[task][name]
            absent = set(columns) - set(frame.columns)
            if absent:
                raise ValueError(f"{task}/{dataset}/{name}: missing columns {sorted(absent)}")
            frame = frame.loc[:, list(columns)]
            if name == "items":
                frame = frame.sort_values("item_id", kind="mergesort")
                if frame["item_id"].duplicated().any():
                    raise ValueError(f"{task}/{dataset}: duplicate item ids")
            table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
            write_parquet(table, tmp / f"{name}.parquet")
    return final


def read_task(root: str | Path, task: str, dataset: str) -> dict[str, pd.DataFrame]:
    """Read a task dataset written by `write_task` (a dict of DataFrames by file name)."""
    folder = task_dir(root, task, dataset)
    if not folder.is_dir():
        raise FileNotFoundError(f"no task inputs at {folder}")
    return {name: pd.read_parquet(folder / f"{name}.parquet") for name in FILES[task]}


def task_datasets(root: str | Path, task: str) -> list[str]:
    """The datasets that have inputs for `task`, in name order."""
    folder = task_dir(root, task, "_").parent
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")) if folder.is_dir() else []
