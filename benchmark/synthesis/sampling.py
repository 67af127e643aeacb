"""Which reviews become queries (the Amazon-C4 sampling rule).

Candidates: reviews of the chosen categories in the lake's silver table with rating 5 and at
least `MIN_REVIEW_CHARS` characters of text, from a period of the timestamp split (Amazon-C4
drew from the test period, timestamp >= t2), one per (user, item), whose item has metadata
(its title is needed to catch leaks, and the pool needs its text). The sample is uniform and
seeded: candidates are ordered by sha256("<seed>|<review id>") and the first N are taken, so a
larger N keeps every earlier pick and only adds new ones.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from warehouse.layout import partition, silver
from warehouse.settings import LakeSettings
from warehouse.task_frames import read_partition

MIN_REVIEW_CHARS = 100
TOP_RATING = 5.0
PERIODS = ("test", "valid", "train", "all")
REVIEW_COLUMNS = ["rating", "title", "text", "parent_asin", "user_id", "timestamp"]
META_COLUMNS = ["parent_asin", "title", "store", "features", "description", "categories", "details"]


@dataclass(frozen=True)
class Review:
    review_id: str  # "<category>/<user_id>/<parent_asin>": one review per (user, item)
    category: str
    user_id: str
    item_id: str
    rating: float
    text: str


def read_meta(root: str | Path, category: str) -> pd.DataFrame:
    """Silver metadata of one category (one row per parent_asin)."""
    meta = read_partition(partition(silver(root, "meta"), category), META_COLUMNS)
    return meta.drop_duplicates("parent_asin").reset_index(drop=True)


def in_period(timestamps: pd.Series, period: str, settings: LakeSettings = LakeSettings()) -> pd.Series:
    if period == "test":
        return timestamps >= settings.t2
    if period == "valid":
        return (timestamps >= settings.t1) & (timestamps < settings.t2)
    if period == "train":
        return timestamps < settings.t1
    if period == "all":
        return pd.Series(True, index=timestamps.index)
    raise ValueError(f"unknown period {period!r}; expected one of {PERIODS}")


def sample_order(seed: int, review_id: str) -> str:
    return hashlib.sha256(f"{seed}|{review_id}".encode("utf-8")).hexdigest()


def candidates(root: str | Path, category: str, period: str, described: set[str]) -> pd.DataFrame:
    reviews = read_partition(partition(silver(root, "reviews"), category), REVIEW_COLUMNS)
    if reviews.empty:
        return reviews
    text = reviews["text"].fillna("").astype(str).str.strip()
    keep = (reviews["rating"] == TOP_RATING) & (text.str.len() >= MIN_REVIEW_CHARS) \
        & in_period(reviews["timestamp"], period) & reviews["parent_asin"].isin(described)
    reviews = reviews[keep].assign(text=text[keep])
    reviews = reviews.sort_values(["user_id", "parent_asin", "timestamp"], kind="mergesort")
    return reviews.drop_duplicates(["user_id", "parent_asin"]).assign(category=category)


def sample_reviews(root: str | Path, categories: list[str], n: int, seed: int, period: str = "test",
                   metas: dict[str, pd.DataFrame] | None = None) -> list[Review]:
    """Up to `n` reviews, uniformly and reproducibly drawn over `categories` (see the module doc)."""
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; expected one of {PERIODS}")
    metas = metas if metas is not None else {c: read_meta(root, c) for c in categories}
    frames = [candidates(root, c, period, set(metas[c]["parent_asin"])) for c in categories]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return []
    pool = pd.concat(frames, ignore_index=True)
    pool["review_id"] = pool["category"] + "/" + pool["user_id"].astype(str) + "/" + pool["parent_asin"].astype(str)
    pool["order"] = [sample_order(seed, r) for r in pool["review_id"]]
    picked = pool.sort_values("order", kind="mergesort").head(n)
    return [Review(r.review_id, r.category, str(r.user_id), str(r.parent_asin), float(r.rating), r.text)
            for r in picked.itertuples()]
