"""RecBole atomic files (`<name>.inter`, `<name>.item`) → seqrec or cf task frames.

Format (RecBole docs, "Atomic Files"): tab-separated, one header line of `field:type`
(`token`, `token_seq`, `float`, `float_seq`); `token_seq` values are space-separated.
The interaction file needs `user_id:token` and `item_id:token`; `timestamp:float` (Unix
seconds, as in RecBole's MovieLens/Amazon files) orders each user's history and is stored
in milliseconds; without it the file order is the time order.

Item text: `title` = the title field (`movie_title`, `title`, `item_title` or `name`) plus
` (year)` when a `release_year`/`year` field exists; `text_full` = that plus every other
text field of the `.item` file (e.g. the genres in `class`), joined by '. '.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd

from parsing.quarantine import Quarantine
from warehouse.settings import MAX_HISTORY
from warehouse.loaders.frames import check_task, drop_undescribed, finish, interaction_frames, items_frame
from warehouse.loaders.interactions import dedup_earliest, k_core
from warehouse.task_frames import join_text

KIND = "loader/recbole"  # the quarantine's kind: which loader refused the line

log = logging.getLogger(__name__)

TITLE_FIELDS = ("movie_title", "title", "item_title", "name")
YEAR_FIELDS = ("release_year", "year")
TEXT_TYPES = ("token", "token_seq")


def dataset_name(name: str) -> str:
    """`ml-100k` → `ml_100k`: the dataset name must be a safe path component (CONTRACTS §0)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def read_atomic(path: Path, quarantine: Quarantine) -> tuple[dict[str, str], list[tuple[int, list[str]]]]:
    """Header {field: type} and the (line number, values) rows; lines of the wrong width are quarantined."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        header = handle.readline().rstrip("\r\n").split("\t")
        fields = {}
        for column in header:
            name, _, kind = column.partition(":")
            fields[name] = kind
        rows = []
        for number, line in enumerate(handle, start=2):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            values = line.split("\t")
            if len(values) != len(header):
                quarantine.add_line(path, number, KIND, f"expected {len(header)} fields, got {len(values)}", line)
                continue
            rows.append((number, values))
    return fields, rows


def read_interactions(path: Path, quarantine: Quarantine) -> pd.DataFrame:
    fields, rows = read_atomic(path, quarantine)
    names = list(fields)
    for required in ("user_id", "item_id"):
        if required not in fields:
            raise ValueError(f"{path}: no {required} field in header {names}")
    u, i = names.index("user_id"), names.index("item_id")
    t = names.index("timestamp") if "timestamp" in fields else None
    records = []
    for order, (number, values) in enumerate(rows):
        user, item = values[u].strip(), values[i].strip()
        if not user or not item:
            quarantine.add_line(path, number, KIND, "empty user_id or item_id", "\t".join(values))
            continue
        stamp = 0
        if t is not None:
            try:
                stamp = int(round(float(values[t]) * 1000))
            except ValueError:
                quarantine.add_line(path, number, KIND, "timestamp is not a number", "\t".join(values))
                continue
        records.append((user, item, stamp, order))
    return pd.DataFrame(records, columns=["user_id", "item_id", "timestamp", "order"]).astype(
        {"timestamp": "int64", "order": "int64"})


def read_items(path: Path, quarantine: Quarantine) -> pd.DataFrame:
    fields, rows = read_atomic(path, quarantine)
    names = list(fields)
    if "item_id" not in fields:
        raise ValueError(f"{path}: no item_id field in header {names}")
    title_field = next((f for f in TITLE_FIELDS if f in fields), None)
    year_field = next((f for f in YEAR_FIELDS if f in fields), None)
    others = [f for f in names if fields[f] in TEXT_TYPES and f not in ("item_id", title_field, year_field)]
    records, seen = [], set()
    for number, values in rows:
        row = dict(zip(names, values))
        item = row["item_id"].strip()
        title = row.get(title_field, "").strip() if title_field else ""
        if not item or not title:
            quarantine.add_line(path, number, KIND, "empty item_id or title", "\t".join(values))
            continue
        if item in seen:
            quarantine.add_line(path, number, KIND, "duplicate item_id", "\t".join(values))
            continue
        seen.add(item)
        year = row.get(year_field, "").strip() if year_field else ""
        if year:
            title = f"{title} ({year})"
        records.append((item, title, join_text(title, *(row[f].strip() for f in others))))
    return items_frame(records)


def find_atomic(folder: Path, name: str | None) -> str:
    if name is not None:
        return name
    found = sorted(p.stem for p in folder.glob("*.inter"))
    if len(found) != 1:
        raise ValueError(f"{folder}: expected one *.inter file, found {found}; pass name=")
    return found[0]


def load_recbole(source_path: str | Path, root: str | Path | None = None, task: str = "seqrec",
                 dataset: str | None = None, name: str | None = None,
                 max_history: int = MAX_HISTORY, k: int = 0) -> dict[str, pd.DataFrame]:
    """Read `<folder>/<name>.inter` and `<name>.item` into `task` ("seqrec" or "cf") frames.

    Interactions with items missing from the `.item` file are dropped, then duplicates of a
    (user, item) keep the earliest, then an optional iterative `k`-core (0 = none).
    The dataset name defaults to `<name>` made path-safe (`ml-100k` → `ml_100k`).
    """
    check_task(task)
    folder = Path(source_path)
    name = find_atomic(folder, name)
    dataset = dataset or dataset_name(name)
    quarantine = Quarantine()
    items = read_items(folder / f"{name}.item", quarantine)
    interactions = read_interactions(folder / f"{name}.inter", quarantine)
    interactions = dedup_earliest(drop_undescribed(interactions, items, f"recbole/{name}"))
    if k:
        interactions = k_core(interactions, k)
    return finish(interaction_frames(task, interactions, items, max_history), quarantine, root, task, dataset)
