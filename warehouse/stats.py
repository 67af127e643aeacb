"""Statistics like the paper's Tables 1 and 3, per category and overall (`category` = "ALL").

How things are counted:
- reviews, users, items: rows, distinct `user_id`, distinct `parent_asin` of silver reviews
  (deduped); `meta_items`: rows of silver meta. Overall users are distinct across categories.
- tokens: runs of non-whitespace characters (whitespace = space, tab, LF, CR, VT, FF) in
  review `title + " " + text` (`review_tokens`) and in item `title + features + description`
  joined by spaces (`meta_tokens`); `meta_chars` = characters of that same item text.
- time range: min and max review timestamp (ms) over rows without a timestamp flag.
- `reviews_per_user` = reviews / users; `<k>core_*` = rows, users, items of gold rating_only.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from warehouse import layout
from warehouse.atomic import write_parquet
from warehouse.jobs import read_table
from warehouse.settings import LakeSettings

ALL = "ALL"


def _tokens(text):
    return F.size(F.filter(F.split(text, r"[ \t\n\r\u000B\f]+"), lambda t: t != ""))


def _rollup(frame: DataFrame, aggs: list) -> dict[str, dict]:
    rows = frame.rollup("category").agg(*aggs).collect()
    return {(r["category"] if r["category"] is not None else ALL): r.asDict() for r in rows}


def compute_stats(spark: SparkSession, root: str | Path, settings: LakeSettings = LakeSettings()) -> pa.Table:
    """Stats over every category present in silver; written to gold/stats/stats.parquet."""
    root = Path(root)
    categories = layout.categories_in(layout.silver(root, "reviews"))
    out: dict[str, dict] = {c: {"category": c} for c in categories + [ALL]}
    reviews = read_table(spark, layout.silver(root, "reviews"), categories)
    if reviews is not None:
        time_ok = ~F.exists("flags", lambda f: f.startswith("timestamp"))
        for name, row in _rollup(reviews, [
            F.count("*").alias("reviews"), F.countDistinct("user_id").alias("users"),
            F.countDistinct("parent_asin").alias("items"),
            F.sum(_tokens(F.concat_ws(" ", "title", "text"))).alias("review_tokens"),
            F.min(F.when(time_ok, F.col("timestamp"))).alias("time_min"),
            F.max(F.when(time_ok, F.col("timestamp"))).alias("time_max"),
            F.sum(F.array_contains("flags", "rating_out_of_range").cast("int")).alias("flagged_rating"),
            F.sum((~time_ok).cast("int")).alias("flagged_timestamp"),
        ]).items():
            row.pop("category")
            out.setdefault(name, {"category": name}).update(row)
    meta = read_table(spark, layout.silver(root, "meta"), layout.categories_in(layout.silver(root, "meta")))
    if meta is not None:
        text = F.concat_ws(" ", F.coalesce("title", F.lit("")), F.concat_ws(" ", "features"),
                           F.concat_ws(" ", "description"))
        for name, row in _rollup(meta.select("category", "parent_asin", text.alias("t")), [
            F.count("*").alias("meta_items"), F.sum(_tokens(F.col("t"))).alias("meta_tokens"),
            F.sum(F.length("t")).alias("meta_chars"),
        ]).items():
            row.pop("category")
            out.setdefault(name, {"category": name}).update(row)
    for k in settings.cores:
        core = read_table(spark, layout.benchmark(root, k, "rating_only"), categories)
        if core is None:
            continue
        for name, row in _rollup(core, [F.count("*").alias(f"core{k}_reviews"),
                                        F.countDistinct("user_id").alias(f"core{k}_users"),
                                        F.countDistinct("parent_asin").alias(f"core{k}_items")]).items():
            row.pop("category")
            out.setdefault(name, {"category": name}).update(row)
    for row in out.values():
        users = row.get("users") or 0
        row["reviews_per_user"] = round(row.get("reviews", 0) / users, 4) if users else None
        row["meta_chars_per_item"] = (round(row["meta_chars"] / row["meta_items"], 2)
                                      if row.get("meta_items") else None)
    names = ["category", "reviews", "users", "items", "review_tokens", "time_min", "time_max",
             "reviews_per_user", "flagged_rating", "flagged_timestamp", "meta_items", "meta_tokens", "meta_chars",
             "meta_chars_per_item"]
    for k in settings.cores:
        names += [f"core{k}_reviews", f"core{k}_users", f"core{k}_items"]
    floats = {"reviews_per_user", "meta_chars_per_item"}
    schema = pa.schema([(n, pa.string() if n == "category" else pa.float64() if n in floats else pa.int64())
                        for n in names])
    ordered = sorted(out.values(), key=lambda r: (r["category"] == ALL, r["category"]))
    nullable = floats | {"time_min", "time_max"}
    table = pa.Table.from_pylist([{n: r.get(n) if n in nullable or n == "category" else (r.get(n) or 0) for n in names}
                                  for r in ordered], schema=schema)
    write_parquet(table, layout.stats(root) / "stats.parquet")
    return table


def read_stats(root: str | Path) -> pa.Table | None:
    path = layout.stats(root) / "stats.parquet"
    return pq.read_table(path) if path.exists() else None
