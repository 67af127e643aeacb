"""A built lake's partitions as pandas frames, and the item-text rule (DESIGN §4).

Shared by the lake's task inputs (`warehouse.task_inputs`), the loaders that link outside ids to
the lake (`warehouse.loaders.lake_items`), the loaders' own item texts and the query synthesis:
it imports nothing of the loaders package, so each of them imports it at the top.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from parsing.text import clean_item_text
from warehouse import layout


def read_partition(folder: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """All Parquet files of one partition folder, as one frame (hive folders below it ignored)."""
    files = layout.parquet_files(folder)
    if not files:
        return pd.DataFrame(columns=columns or [])
    tables = [pq.read_table(p, columns=columns) for p in files]
    return pa.concat_tables(tables).to_pandas()


def join_text(*parts) -> str:
    """Clean each part, then join the non-empty ones with '. ' (lists are joined with ', ')."""
    out = []
    for part in parts:
        if isinstance(part, (list, tuple)):
            part = ", ".join(filter(None, (clean_item_text(str(p)) for p in part if p is not None)))
        part = clean_item_text(str(part)) if part is not None else ""
        if part:
            out.append(part)
    return ". ".join(out)


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
