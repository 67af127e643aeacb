"""Outside item ids linked to a built lake's 2023 metadata (silver meta, keyed by `parent_asin`).

A product is linked when its id is a `parent_asin` of the lake's silver meta; its text is the
lake's item text (DESIGN §4: `title`, and title + features + categories + description) and its
category is the 2023 release category it is filed under (the partition `category=<Cat>`; an
id filed under two categories takes the first by name). Only the `parent_asin` column is
scanned to find the categories; texts are read for the categories that hold a linked id.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from warehouse import layout, versions
from warehouse.task_frames import item_texts, read_partition


def has_meta(root: str | Path) -> bool:
    """True when `root` holds a built lake with silver metadata of at least one category."""
    return versions.has_lake(root) and bool(layout.categories_in(layout.silver(root, "meta")))


def category_members(root: str | Path, ids: Iterable[str]) -> dict[str, list[str]]:
    """{category: every parent_asin filed under it} for the categories that hold one of `ids`,
    and only the first (by category name) of the categories that file the same id."""
    wanted, members, seen = set(ids), {}, set()
    table = layout.silver(root, "meta")
    for category in layout.categories_in(table):
        asins = set(read_partition(layout.partition(table, category), ["parent_asin"])["parent_asin"].astype(str))
        if wanted & (asins - seen):
            members[category] = sorted(asins - seen)
        seen |= asins
    return members


def lake_texts(root: str | Path, categories: Iterable[str], ids: set[str]) -> pd.DataFrame:
    """`item_id`, `title`, `text_full` of the `ids` filed under `categories`, as the lake's task inputs."""
    frames = [item_texts(root, category) for category in sorted(categories)]
    texts = pd.concat(frames) if frames else pd.DataFrame(columns=["item_id", "title", "text_full"])
    texts = texts[texts["item_id"].isin(ids)].drop_duplicates("item_id", keep="first")
    return texts.sort_values("item_id", kind="mergesort").reset_index(drop=True)
