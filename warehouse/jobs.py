"""The Spark jobs of the lake: bronze → silver (clean, dedup) → gold (k-core, splits, histories).

Input order is explicit: `seq` = (index of the file in name order within its category) · 2^40
+ the row's index in that file (Spark's `_metadata.row_index`). The official order of a
benchmark file (hyp1231/AmazonReviews2023 benchmark_scripts) is: users in order of their first
review in the input (`user_seq`), each user's reviews by (`timestamp`, `seq`); every gold table
keeps `user_seq` and `seq` so that `ORDER BY user_seq, timestamp, seq` gives it back.
"""
from __future__ import annotations

import dataclasses
import functools
import itertools
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
    return union_all(frames)


def union_all(frames: list[DataFrame]) -> DataFrame | None:
    """The rows of all frames (matched by column name), or None when there are none."""
    return functools.reduce(DataFrame.unionByName, frames) if frames else None


def _missing_key(kind: str):
    cond = F.lit(False)
    for name in KEY_FIELDS[kind]:
        col = F.col(name)
        cond = cond | col.isNull() | ((F.trim(col) == "") if name in ("user_id", "parent_asin") else F.lit(False))
    return cond


def _spread(frame: DataFrame, settings: LakeSettings) -> DataFrame:
    """Hash rows by one key column into a fixed number of partitions (= files per category).

    Spark's own hash partitioning on the column: a row's file depends only on its key (never on
    scheduling, nor on which categories are built together), and windows or aggregations keyed by
    (category, key, ...) reuse the partitioning instead of shuffling again. The key is the user,
    else the item, else `seq`."""
    key = next(c for c in ("user_id", "parent_asin", "seq") if c in frame.columns)
    return frame.repartition(settings.files_per_partition, key)


def _write(frame: DataFrame, staged: Path, order: list[str] | None = None) -> None:
    """Write a `_spread` frame as one file per partition and category, sorted by `order` within
    each file; with no `order` the frame must already be in file order (Spark then adds no sort).
    Uncompressed: `publish_table` re-encodes every file anyway (zstd, reproducible bytes)."""
    if order:
        frame = frame.sortWithinPartitions("category", *order)
    frame.write.mode("overwrite").option("compression", "none").partitionBy("category").parquet(str(staged))


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
        # Inclusive: max_timestamp_ms (2100-01-01) is itself in the future.
        F.when(F.col("timestamp") >= settings.max_timestamp_ms, F.lit("timestamp_in_future")),
    ))


def _split_off_missing_keys(raw, kind: str, staged: Path, counts: dict, settings: LakeSettings):
    """Count rows per category and those without their key fields into `counts`, write the latter
    to the staged quarantine, and return the rows that have them. The count reads only the key
    columns, so scanning the bronze files twice is cheaper than caching them."""
    bad = _missing_key(kind)
    for row in raw.groupBy("category").agg(F.count("*").alias("n"), F.sum(bad.cast("int")).alias("bad")).collect():
        counts[row["category"]].update(bronze=row["n"], quarantined=row["bad"] or 0)
    if any(c["quarantined"] for c in counts.values()):
        _write(_spread(_quarantine(raw.filter(bad), kind), settings), staged / "quarantine", ["seq"])
    return raw.filter(~bad)


def _count_exact_duplicates(frame: DataFrame, fields: list[str], keys: tuple[str, ...], counts: dict) -> None:
    """Count rows equal in every field to another row of their category into `counts`: the dedup
    removes them with the other repeats, and the count makes that visible. Rows are grouped by
    their key fields and a 64-bit hash of the others (equal rows always meet; a false match needs
    equal keys and a hash collision)."""
    rest = [f for f in fields if f not in keys]
    # Through JSON: Spark refuses to hash a map (meta `details`).
    digest = F.xxhash64(F.to_json(F.struct(*rest)))
    groups = frame.groupBy("category", *keys, digest.alias("_h")).count().filter("count > 1")
    for row in groups.groupBy("category").agg(F.sum(F.col("count") - 1).alias("n")).collect():
        counts[row["category"]]["exact_duplicates"] = int(row["n"])


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
    counts = {c: {"bronze": 0, "quarantined": 0, "exact_duplicates": 0, "silver": 0} for c in categories}
    if raw is not None:
        good = _split_off_missing_keys(raw, "review", staged, counts, settings)
        _count_exact_duplicates(good, REVIEW_SCHEMA.names, KEY_FIELDS["review"], counts)
        good = good.withColumn("flags", flags(settings))
        # One shuffle by user; both windows then run on one sort by (user, item, time, input order).
        pair_in_time = Window.partitionBy("category", "user_id", "parent_asin").orderBy("timestamp", "seq")
        per_user = Window.partitionBy("category", "user_id")
        deduped = (_spread(good, settings)
                   .withColumn("_pair_rank", F.row_number().over(pair_in_time))
                   .withColumn("user_seq", F.min("seq").over(per_user))  # over all rows: first appearance
                   .filter("_pair_rank = 1")
                   .select(*REVIEW_SCHEMA.names, "flags", "seq", "user_seq", "category"))
        _write(deduped, staged / "reviews", list(ORDER))
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
    counts = {c: {"bronze": 0, "quarantined": 0, "exact_duplicates": 0, "silver": 0} for c in categories}
    if raw is not None:
        good = _split_off_missing_keys(raw, "meta", staged, counts, settings)
        _count_exact_duplicates(good, META_SCHEMA.names, KEY_FIELDS["meta"], counts)
        first = Window.partitionBy("category", "parent_asin").orderBy("seq")
        deduped = (_spread(good, settings).withColumn("_r", F.row_number().over(first))
                   .filter("_r = 1").select(*META_SCHEMA.names, "seq", "category"))
        _write(deduped, staged / "meta", ["seq"])
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
    return union_all(frames)


def _key_ids(frame: DataFrame, keys: list[str]):
    """A 64-bit id column for the values of `keys`: a salted hash, checked to be collision-free on
    this data (a collision would merge two users or two items); the next salt is tried if not."""
    distinct = frame.select(*keys).distinct()
    for salt in itertools.count():
        ids = F.xxhash64(F.lit(salt), *keys)
        if distinct.groupBy(ids.alias("id")).count().filter("count > 1").isEmpty():
            return ids
        log.warning("hash collision among %s ids with salt %d; trying the next salt", keys, salt)


def _removed_on_driver(pairs: DataFrame, k: int):
    """The user and item ids that the peeling removes, with numpy: one pass per round."""
    import numpy as np
    import pandas as pd

    table = pairs.toArrow()
    users, user_ids = pd.factorize(table.column("_u").to_numpy())
    items, item_ids = pd.factorize(table.column("_i").to_numpy())
    alive = np.ones(len(users), dtype=bool)
    while True:
        keep = alive & (np.bincount(users[alive], minlength=len(user_ids))[users] >= k) \
            & (np.bincount(items[alive], minlength=len(item_ids))[items] >= k)
        if keep.sum() == alive.sum():
            break
        alive = keep
    spark = pairs.sparkSession
    return (spark.createDataFrame(pd.DataFrame({"_u": np.setdiff1d(user_ids, user_ids[users[alive]])}), "_u long"),
            spark.createDataFrame(pd.DataFrame({"_i": np.setdiff1d(item_ids, item_ids[items[alive]])}), "_i long"))


def _removed_in_spark(pairs: DataFrame, k: int):
    """The user and item ids that the peeling removes: each round counts the surviving pairs per
    user and per item (the same snapshot for both, in one aggregation) and removes those below k,
    until none is."""
    node = F.explode(F.array(F.struct(F.lit("u").alias("kind"), F.col("_u").alias("id")),
                             F.struct(F.lit("i").alias("kind"), F.col("_i").alias("id"))))
    alive, removed = pairs, [pairs.select(F.lit("u").alias("kind"), F.col("_u").alias("id")).limit(0)]
    while True:
        low = (alive.select(node.alias("n")).select("n.*").groupBy("kind", "id").count()
               .filter(F.col("count") < k).drop("count").localCheckpoint())
        if low.isEmpty():
            break
        removed.append(low)
        alive = (alive.join(F.broadcast(low.filter("kind = 'u'").select(F.col("id").alias("_u"))), "_u", "left_anti")
                 .join(F.broadcast(low.filter("kind = 'i'").select(F.col("id").alias("_i"))), "_i", "left_anti")
                 .localCheckpoint())
    removed = union_all(removed).localCheckpoint()
    return (removed.filter("kind = 'u'").select(F.col("id").alias("_u")),
            removed.filter("kind = 'i'").select(F.col("id").alias("_i")))


def k_core(frame: DataFrame, k: int, driver_max_rows: int = 0) -> DataFrame:
    """Repeat "keep rows whose user count ≥ k and item count ≥ k" (counted together) until stable.

    A row survives iff its user and its item are never removed, so the peeling runs on narrow
    (user id, item id) pairs of 64-bit ids, and the k-core is `frame` without the removed users
    and items (two broadcast anti-joins). Up to `driver_max_rows` pairs it peels on the driver."""
    if k <= 1:
        return frame
    keyed = (frame.withColumn("_u", _key_ids(frame, ["category", "user_id"]))
             .withColumn("_i", _key_ids(frame, ["category", "parent_asin"])))
    pairs = keyed.select("_u", "_i").localCheckpoint()
    peel = _removed_on_driver if pairs.count() <= driver_max_rows else _removed_in_spark
    removed_u, removed_i = peel(pairs, k)
    return (keyed.join(F.broadcast(removed_u), "_u", "left_anti")
            .join(F.broadcast(removed_i), "_i", "left_anti").drop("_u", "_i"))


def with_splits(frame: DataFrame, settings: LakeSettings) -> DataFrame:
    """Add `last_out`, `timestamp` (split names) and `history` (earlier items, space-joined).

    The windows group by (category, user_seq, user_id), the same groups as by user (`user_seq`
    identifies the user), so their one sort is already the official row order (category, user_seq,
    timestamp, seq): every file written from the result needs no further sort."""
    per_user = Window.partitionBy("category", "user_seq", "user_id")
    in_time = per_user.orderBy("timestamp", "seq")
    earlier = in_time.rowsBetween(Window.unboundedPreceding, -1)
    pos, n = F.row_number().over(in_time), F.count("*").over(per_user)
    return frame.select(
        "*",
        F.when(pos == n, "test").when(pos == n - 1, "valid").otherwise("train").alias("last_out"),
        F.when(F.col("timestamp") < settings.t1, "train").when(F.col("timestamp") < settings.t2, "valid")
        .otherwise("test").alias("timestamp_split"),
        F.concat_ws(" ", F.collect_list("parent_asin").over(earlier)).alias("history"),
    )


def _write_split_table(frame: DataFrame, split_col: str, columns: list[str], staged: Path) -> None:
    """Write a split table as `category=<Cat>/split=<s>/` folders. Each split is written on its
    own from the ordered frame (a `partitionBy("category", "split")` write would sort every row
    again), then its category folders are moved under the table."""
    for split in layout.SPLITS:
        part = staged.with_name(f"_{staged.name}.{split}")
        _write(frame.filter(F.col(split_col) == split).select("category", *columns), part)
        for folder in part.glob("category=*"):
            (staged / folder.name).mkdir(parents=True, exist_ok=True)
            folder.rename(staged / folder.name / f"split={split}")
        clear_staging(part)


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
            # One shuffle by user and one sort, cached; every table below is written from it as is.
            cored = k_core(base, k, settings.driver_kcore_max_rows)
            core = with_splits(_spread(cored, settings), settings).persist()
            out = staged / f"{k}"
            _write(core.select("category", *BASE_COLUMNS, "user_seq", "seq"), out / "rating_only")
            for variant, split_col in (("last_out", "last_out"), ("timestamp", "timestamp_split")):
                for suffix, extra in (("", []), ("_w_his", ["history"])):
                    _write_split_table(core, split_col, [*BASE_COLUMNS, *extra, "user_seq", "seq"],
                                       out / f"{variant}{suffix}")
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
