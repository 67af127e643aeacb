"""The Spark jobs of the lake: bronze → silver (clean, dedup) → gold (k-core, splits, histories).

Input order is explicit: `seq` = (index of the file in name order within its category) · 2^40
+ the row's index in that file (Spark's `_metadata.row_index`). The official order of a
benchmark file (hyp1231/AmazonReviews2023 benchmark_scripts) is: users in order of their first
review in the input (`user_seq`), each user's reviews by (`timestamp`, `seq`); every gold table
keeps `user_seq` and `seq` so that `ORDER BY user_seq, timestamp, seq` gives it back.
"""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema

from parsing.schemas import META_SCHEMA, REVIEW_SCHEMA
from warehouse import layout
from warehouse.publish import clear_staging, publish_table, write_manifest
from warehouse.settings import LakeSettings

log = logging.getLogger(__name__)

FILE_SHIFT = 40  # rows per file < 2^40; files per category < 2^23
ORDER = ("user_seq", "timestamp", "seq")
KEY_FIELDS = {"review": ("user_id", "parent_asin", "timestamp", "rating"), "meta": ("parent_asin",)}


def _read_bronze(spark: SparkSession, table: Path, categories: list[str], kind: str) -> DataFrame | None:
    """Union of the categories' bronze files with `category` and `seq` columns added."""
    schema = from_arrow_schema(REVIEW_SCHEMA if kind == "review" else META_SCHEMA)
    frames = []
    for category in categories:
        folder = layout.partition(table, category)
        files = layout.parquet_files(folder)
        if not files:
            continue
        index = F.create_map(*[F.lit(x) for i, p in enumerate(files)
                               for x in (p.relative_to(folder).as_posix(), i)])
        relative = F.regexp_extract(F.col("_metadata.file_path"), r"category=[^/]+/(.*)$", 1)
        frame = (spark.read.schema(schema).parquet(*[str(p) for p in files])
                 .withColumn("seq", F.shiftleft(index[relative].cast("long"), FILE_SHIFT)
                             + F.col("_metadata.row_index"))
                 .withColumn("category", F.lit(category)))
        frames.append(frame)
    if not frames:
        return None
    out = frames[0]
    for frame in frames[1:]:
        out = out.unionByName(frame)
    return out


def _missing_key(kind: str):
    cond = F.lit(False)
    for name in KEY_FIELDS[kind]:
        col = F.col(name)
        cond = cond | col.isNull() | ((F.trim(col) == "") if name in ("user_id", "parent_asin") else F.lit(False))
    return cond


def _spread(frame: DataFrame, settings: LakeSettings) -> DataFrame:
    """Spread rows over a fixed number of partitions (= files) by a hash of (category, user).

    The hash is an explicit column expression, so the file a row lands in never depends on how
    Spark planned the job (a one-category build folds `category` into a constant) or scheduled it."""
    key = next(c for c in ("user_id", "parent_asin", "seq") if c in frame.columns)
    return frame.repartition(settings.files_per_partition, F.xxhash64("category", key))


def _write(frame: DataFrame, staged: Path, partition_by: list[str], order: list[str], settings: LakeSettings,
           spread: bool = True):
    """Write sorted files; `spread=False` when the frame was already `_spread` (saves a shuffle)."""
    ((_spread(frame, settings) if spread else frame)
     .sortWithinPartitions(*partition_by, *order)
     .write.mode("overwrite").option("compression", "zstd")
     .partitionBy(*partition_by).parquet(str(staged)))


def _quarantine(bad: DataFrame, kind: str) -> DataFrame:
    return bad.select("category", F.lit("bronze").alias("source"), F.lit(kind).alias("kind"),
                      F.lit("missing key field: " + ", ".join(KEY_FIELDS[kind])).alias("reason"),
                      F.substring(F.to_json(F.struct(*[c for c in bad.columns if c != "category"])), 1, 300)
                      .alias("excerpt"), "seq")


def flags(settings: LakeSettings):
    """Flag column: kept rows whose rating or timestamp is impossible (the release has both)."""
    return F.array_compact(F.array(
        F.when((F.col("rating") < settings.min_rating) | (F.col("rating") > settings.max_rating),
               F.lit("rating_out_of_range")),
        F.when(F.col("timestamp") < 0, F.lit("timestamp_negative")),
        F.when((F.col("timestamp") >= 0) & (F.col("timestamp") < settings.min_timestamp_ms),
               F.lit("timestamp_before_launch")),
        F.when(F.col("timestamp") > settings.max_timestamp_ms, F.lit("timestamp_in_future")),
    ))


def _split_off_missing_keys(raw, kind: str, staged: Path, counts: dict, settings: LakeSettings):
    """Mark rows without their key fields (`_bad`), count them per category into `counts`, and
    write them to the staged quarantine. Returns `raw` with `_bad`, persisted (unpersist later)."""
    raw = raw.withColumn("_bad", _missing_key(kind)).persist()
    for row in raw.groupBy("category").agg(F.count("*").alias("n"),
                                           F.sum(F.col("_bad").cast("int")).alias("bad")).collect():
        counts[row["category"]].update(bronze=row["n"], quarantined=row["bad"] or 0)
    if any(c["quarantined"] for c in counts.values()):
        _write(_quarantine(raw.filter("_bad").drop("_bad"), kind), staged / "quarantine",
               ["category"], ["seq"], settings)
    return raw


def silver_reviews(spark: SparkSession, root: str | Path, categories: list[str],
                   settings: LakeSettings = LakeSettings(), bronze_dir: str | Path | None = None,
                   build_id: str = "manual") -> dict:
    """Clean + dedup reviews: per category the earliest review per (user_id, parent_asin),
    ties by input order. Returns counts per category."""
    root = Path(root)
    bronze = Path(bronze_dir) if bronze_dir else layout.bronze(root, "reviews")
    raw = _read_bronze(spark, bronze, categories, "review")
    staged = layout.staging(root) / build_id / "silver_reviews"
    clear_staging(staged)
    counts = {c: {"bronze": 0, "quarantined": 0, "silver": 0} for c in categories}
    if raw is not None:
        raw = _split_off_missing_keys(raw, "review", staged, counts, settings)
        good = raw.filter(~F.col("_bad")).drop("_bad").withColumn("flags", flags(settings))
        rest = [c for c in REVIEW_SCHEMA.names if c not in ("timestamp", "user_id", "parent_asin")] + ["flags"]
        first = (good.groupBy("category", "user_id", "parent_asin")
                 .agg(F.min(F.struct("timestamp", "seq", *rest)).alias("r"), F.min("seq").alias("first_seq"))
                 .select("category", "user_id", "parent_asin", "r.*", "first_seq"))
        deduped = (first.withColumn("user_seq", F.min("first_seq").over(Window.partitionBy("category", "user_id")))
                   .select(*REVIEW_SCHEMA.names, "flags", "seq", "user_seq", "category"))
        _write(deduped, staged / "reviews", ["category"], list(ORDER), settings)
        raw.unpersist()
    return _publish_silver(root, "reviews", staged, bronze, categories, counts, settings, build_id)


def silver_meta(spark: SparkSession, root: str | Path, categories: list[str],
                settings: LakeSettings = LakeSettings(), bronze_dir: str | Path | None = None,
                build_id: str = "manual") -> dict:
    """One metadata record per parent_asin and category: the first in input order."""
    root = Path(root)
    bronze = Path(bronze_dir) if bronze_dir else layout.bronze(root, "meta")
    raw = _read_bronze(spark, bronze, categories, "meta")
    staged = layout.staging(root) / build_id / "silver_meta"
    clear_staging(staged)
    counts = {c: {"bronze": 0, "quarantined": 0, "silver": 0} for c in categories}
    if raw is not None:
        raw = _split_off_missing_keys(raw, "meta", staged, counts, settings)
        first = Window.partitionBy("category", "parent_asin").orderBy("seq")
        deduped = (raw.filter(~F.col("_bad")).withColumn("_r", F.row_number().over(first))
                   .filter("_r = 1").select(*META_SCHEMA.names, "seq", "category"))
        _write(deduped, staged / "meta", ["category"], ["seq"], settings)
        raw.unpersist()
    return _publish_silver(root, "meta", staged, bronze, categories, counts, settings, build_id)


def _publish_silver(root: Path, kind: str, staged: Path, bronze: Path, categories: list[str], counts: dict,
                    settings: LakeSettings, build_id: str) -> dict:
    """Swap the staged silver table and its quarantine in per category, count the published
    rows into `counts`, write the build manifest, clear the staging folder."""
    silver = layout.silver(root, kind)
    publish_table(staged / kind, silver, categories)
    publish_table(staged / "quarantine", layout.silver(root, "quarantine") / kind, categories)
    for category, n in _partition_rows(silver, categories).items():
        counts[category]["silver"] = n
    write_manifest(root, build_id, f"silver_{kind}", categories,
                   [layout.partition(bronze, c) for c in categories],
                   [layout.partition(silver, c) for c in categories],
                   dataclasses.asdict(settings), counts)
    clear_staging(staged)
    return counts


def _partition_rows(table: Path, categories: list[str]) -> dict[str, int]:
    import pyarrow.parquet as pq

    return {c: sum(pq.ParquetFile(p).metadata.num_rows for p in layout.parquet_files(layout.partition(table, c)))
            for c in categories}


def read_table(spark: SparkSession, table: Path, categories: list[str]) -> DataFrame | None:
    """A lake table restricted to some categories (with the `category` column), or None when empty."""
    frames = []
    for category in categories:
        files = layout.parquet_files(layout.partition(table, category))
        if files:
            frames.append(spark.read.parquet(*[str(p) for p in files]).withColumn("category", F.lit(category)))
    if not frames:
        return None
    out = frames[0]
    for frame in frames[1:]:
        out = out.unionByName(frame)
    return out


def _driver_k_core(pairs, k: int):
    """The k-core's users and items from (category, user_id, parent_asin) pairs, with numpy.

    A row survives the repeated filter iff its user and its item are never removed, so the
    k-core is exactly the rows whose user and item are in the returned sets."""
    import numpy as np
    import pandas as pd

    frame = pairs.to_pandas()
    users, user_keys = pd.factorize(pd.MultiIndex.from_frame(frame[["category", "user_id"]]))
    items, item_keys = pd.factorize(pd.MultiIndex.from_frame(frame[["category", "parent_asin"]]))
    alive = np.ones(len(frame), dtype=bool)
    while True:
        user_n = np.bincount(users[alive], minlength=len(user_keys))
        item_n = np.bincount(items[alive], minlength=len(item_keys))
        keep = alive & (user_n[users] >= k) & (item_n[items] >= k)
        if keep.sum() == alive.sum():
            break
        alive = keep
    kept_users = user_keys[np.unique(users[alive])].to_frame(index=False)
    kept_items = item_keys[np.unique(items[alive])].to_frame(index=False)
    return kept_users, kept_items


def k_core(frame: DataFrame, k: int, driver_max_rows: int = 0) -> DataFrame:
    """Repeat "keep rows whose user count ≥ k and item count ≥ k" (counted together) until stable."""
    if k <= 1:
        return frame
    current = frame.localCheckpoint()
    size = current.count()
    if size <= driver_max_rows:
        spark = frame.sparkSession
        kept_users, kept_items = _driver_k_core(current.select("category", "user_id", "parent_asin").toArrow(), k)
        schema_u, schema_i = "category string, user_id string", "category string, parent_asin string"
        users = spark.createDataFrame(kept_users, schema_u) if len(kept_users) else spark.createDataFrame([], schema_u)
        items = spark.createDataFrame(kept_items, schema_i) if len(kept_items) else spark.createDataFrame([], schema_i)
        return (current.join(F.broadcast(users), ["category", "user_id"], "left_semi")
                .join(F.broadcast(items), ["category", "parent_asin"], "left_semi"))
    while True:
        users = current.groupBy("category", "user_id").count().filter(F.col("count") >= k).drop("count")
        items = current.groupBy("category", "parent_asin").count().filter(F.col("count") >= k).drop("count")
        nxt = (current.join(users, ["category", "user_id"], "left_semi")
               .join(items, ["category", "parent_asin"], "left_semi").localCheckpoint())
        new_size = nxt.count()
        if new_size == size:
            return nxt
        current, size = nxt, new_size


def with_splits(frame: DataFrame, settings: LakeSettings) -> DataFrame:
    """Add `last_out`, `timestamp` (split names) and `history` (earlier items, space-joined)."""
    in_time = Window.partitionBy("category", "user_id").orderBy("timestamp", "seq")
    per_user = Window.partitionBy("category", "user_id")
    earlier = in_time.rowsBetween(Window.unboundedPreceding, -1)
    pos, n = F.row_number().over(in_time), F.count("*").over(per_user)
    return frame.select(
        "*",
        F.when(pos == n, "test").when(pos == n - 1, "valid").otherwise("train").alias("last_out"),
        F.when(F.col("timestamp") < settings.t1, "train").when(F.col("timestamp") < settings.t2, "valid")
        .otherwise("test").alias("timestamp_split"),
        F.concat_ws(" ", F.collect_list("parent_asin").over(earlier)).alias("history"),
    )


BASE_COLUMNS = ["user_id", "parent_asin", "rating", "timestamp"]


def gold_benchmark(spark: SparkSession, root: str | Path, categories: list[str],
                   settings: LakeSettings = LakeSettings(), build_id: str = "manual") -> dict:
    """0-core and k-core `rating_only`, `last_out`, `timestamp` and their `_w_his` variants."""
    root = Path(root)
    silver = read_table(spark, layout.silver(root, "reviews"), categories)
    staged = layout.staging(root) / build_id / "gold"
    clear_staging(staged)
    counts: dict = {}
    outputs = []
    for k in settings.cores:
        tables = {v: layout.benchmark(root, k, v) for v in layout.VARIANTS}
        if silver is not None:
            base = silver.select("category", *BASE_COLUMNS, "seq", "user_seq")
            # One shuffle into the file layout, cached; the five writes below then only sort.
            core = _spread(with_splits(k_core(base, k, settings.driver_kcore_max_rows), settings), settings).persist()
            order = list(ORDER)
            _write(core.select("category", *BASE_COLUMNS, "user_seq", "seq"), staged / f"{k}" / "rating_only",
                   ["category"], order, settings, spread=False)
            for variant, split_col in (("last_out", "last_out"), ("timestamp", "timestamp_split")):
                for suffix, extra in (("", []), ("_w_his", ["history"])):
                    frame = core.select("category", F.col(split_col).alias("split"), *BASE_COLUMNS, *extra,
                                        "user_seq", "seq")
                    _write(frame, staged / f"{k}" / f"{variant}{suffix}", ["category", "split"], order, settings,
                           spread=False)
            for row in core.groupBy("category").agg(F.count("*").alias("n")).collect():
                counts[f"{k}core/{row['category']}"] = row["n"]
            core.unpersist()
        for variant, table in tables.items():
            publish_table(staged / f"{k}" / variant, table, categories)
            outputs += [layout.partition(table, c) for c in categories]
    write_manifest(root, build_id, "gold_benchmark", categories,
                   [layout.partition(layout.silver(root, "reviews"), c) for c in categories],
                   outputs, dataclasses.asdict(settings), counts)
    clear_staging(staged)
    return counts
