"""A small lake written directly as silver Parquet (the layout Spark writes), for synthesis tests."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from parsing.schemas import META_SCHEMA, REVIEW_SCHEMA
from warehouse.layout import partition, silver
from warehouse.settings import T2_MS as T2
PRODUCTS = {  # parent_asin: (category, title, store)
    "B0SHAMPOO1": ("All_Beauty", "Lunaria Argan Oil Repair Shampoo for Dry Hair", "Lunaria"),
    "B0SHAMPOO2": ("All_Beauty", "PureGlow Tea Tree Clarifying Shampoo", "PureGlow"),
    "B0SERUM001": ("All_Beauty", "Velvet Fern Vitamin C Brightening Face Serum", "Velvet Fern"),
    "B0LOTION01": ("All_Beauty", "Botanica Lab Unscented Body Lotion for Sensitive Skin", "Botanica Lab"),
    "B0BOOTS001": ("Sports_and_Outdoors", "Trailmark Waterproof Hiking Boots for Men", "Trailmark"),
    "B0TENT0001": ("Sports_and_Outdoors", "Northpeak Two Person Backpacking Tent", "Northpeak"),
    "B0BOTTLE01": ("Sports_and_Outdoors", "Hydrocore Insulated Steel Water Bottle 32 oz", "Hydrocore"),
    "B0YOGA0001": ("Sports_and_Outdoors", "Zenflow Non-Slip Yoga Mat with Strap", "Zenflow"),
}
STORY = ("I bought this after months of searching for something that would work for me, and I am very "
         "happy with how it turned out over the last few weeks of daily use at home and on trips.")


def review_text(marker: int) -> str:
    return f"ZQ{marker} {STORY}"


def _review(user: str, item: str, rating: float, text: str, ts: int) -> dict:
    return {"rating": rating, "title": "Great", "text": text, "images": [], "asin": item, "parent_asin": item,
            "user_id": user, "timestamp": ts, "helpful_vote": 0, "verified_purchase": True}


def _meta(item: str, title: str, store: str, category: str) -> dict:
    return {"main_category": category, "title": title, "average_rating": 4.5, "rating_number": 10,
            "features": [f"Made by {store}"], "description": ["A product for everyday use."], "price": 9.99,
            "images": [], "videos": [], "store": store, "categories": [category], "details": [],
            "parent_asin": item, "bought_together": None, "subtitle": None, "author": None}


def write_lake(root: Path, n_good: int = 10) -> dict[int, tuple[str, str]]:
    """`n_good` eligible reviews (marker → (user, item)) plus one of each ineligible kind."""
    items = list(PRODUCTS)
    reviews, eligible = {}, {}
    for marker in range(n_good):
        user, item = f"U{marker:03d}", items[marker % len(items)]
        reviews.setdefault(PRODUCTS[item][0], []).append(_review(user, item, 5.0, review_text(marker), T2 + marker))
        eligible[marker] = (user, item)
    extra = [_review("X1", items[0], 4.0, review_text(90), T2 + 5),       # not 5 stars
             _review("X2", items[1], 5.0, "ZQ91 Short but sweet.", T2 + 5),  # under 100 characters
             _review("X3", items[2], 5.0, review_text(92), T2 - 1),       # before t2
             _review("X4", "B0NOMETA01", 5.0, review_text(93), T2 + 5)]   # item without metadata
    reviews["All_Beauty"] += extra
    for category, rows in reviews.items():
        folder = partition(silver(root, "reviews"), category)
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=REVIEW_SCHEMA), folder / "part-0.parquet")
    for category in {c for c, _, _ in PRODUCTS.values()}:
        rows = [_meta(i, t, s, c) for i, (c, t, s) in PRODUCTS.items() if c == category]
        folder = partition(silver(root, "meta"), category)
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=META_SCHEMA), folder / "part-0.parquet")
    return eligible


