"""The lake: silver, gold benchmark, task inputs and exports, one category partition at a time.

Thin wrappers over `warehouse.jobs`, `warehouse.task_inputs` and `warehouse.export`. The Spark
steps run in the `spark` pool (one Spark application at a time on a machine); checks run on
the written Parquet with DuckDB.
"""

import dagster as dg
import pyarrow.parquet as pq

from parsing.categories import safe_category
from pipelines import metadata as md
from pipelines.automation import AFTER_ANY_PARENT, ON_NEW_DATA
from pipelines.partitions import category_check, category_partitions
from pipelines.progress import run_with_progress, spark_status
from pipelines.resources import DataRoot, SparkSettings
from warehouse import checks, layout
from warehouse import jobs as lake_jobs
from warehouse.publish import claim_staging, new_build_id
from warehouse.settings import LakeSettings

GROUP = "lake"


def _spark(spark: SparkSettings):
    from warehouse.spark import get_spark

    return get_spark(master=spark.master, app_name="blair-lake", driver_memory=spark.driver_memory)


def _build_id(context) -> str:
    # Time first: claim_staging clears the unlocked staging folders of older build ids.
    return f"{new_build_id()}-run-{context.run.run_id[:8]}"


def _spark_build(context, root, spark: SparkSettings, job, category: str) -> dict:
    """`job(session, root, [category], build_id=...)` in its own staging claim, with progress lines."""
    build_id = _build_id(context)
    session = _spark(spark)
    with claim_staging(root, build_id):  # also clears what killed builds left behind
        return run_with_progress(lambda: job(session, root, [category], build_id=build_id),
                                 context.log, f"{job.__name__} {category}", spark_status(session))


def _preview(folder, columns: list[str]) -> str:
    files = layout.parquet_files(folder)
    if not files:
        return "_no rows_"
    return md.preview(pq.read_table(files[0], columns=columns), columns, 60)


def _check(name: str, asset: str, result: tuple[bool, dict]) -> dg.AssetCheckResult:
    passed, metadata = result
    return dg.AssetCheckResult(check_name=name, asset_key=asset, passed=bool(passed),
                               metadata={k: dg.MetadataValue.json(v) if isinstance(v, (dict, list)) else v
                                         for k, v in metadata.items()})


def require_input(table, category: str, what: str, produced_by: str) -> None:
    """Fail (not a green empty partition) when the category has no input data."""
    if category not in layout.categories_in(table):
        raise dg.Failure(f"{category} has no {what} under {table}: nothing to build. Materialise {produced_by} "
                         f"for {category} first (or pick a category the crawl covered).", allow_retries=False)


# What every per-category Spark step shares: its partitions, the one-session pool, and its refresh rule.
SPARK_STEP = {"partitions_def": category_partitions, "pool": "spark", "group_name": GROUP,
              "kinds": {"spark", "parquet"}, "automation_condition": ON_NEW_DATA}


# Every check of the lake, per asset: (name, what it asserts, blocking). Run per category partition.
CHECKS = {
    "silver_reviews": [
        ("schema", "The silver table has the official review fields, in order, then the lake's own columns.", True),
        ("no_duplicate_pairs", "At most one review per (user_id, parent_asin) after dedup.", True),
        ("timestamps_in_range", "Every timestamp outside [1995-07-01, 2100) carries a timestamp flag; the flagged "
                                "ones are counted.", False),
    ],
    "silver_meta": [
        ("schema", "The silver table has the official metadata fields, in order, then the lake's own columns.", True),
    ],
    "gold_benchmark": [
        ("split_boundaries", "Timestamp split: train < t1 ≤ valid < t2 ≤ test; last-out: one test row per user, "
                             "its latest.", True),
        ("k_core_invariant", "In every k-core table each user and each item has at least k rows.", True),
    ],
}


def checks_of(asset: str) -> list[dg.AssetCheckSpec]:
    return [category_check(name, asset, description, blocking=blocking)
            for name, description, blocking in CHECKS[asset]]


def _output(folder, rows: int) -> dict:
    return md.output(folder, rows, md.parquet_schema(layout.parquet_files(folder)))


@dg.asset(
    deps=["bronze_reviews"], **SPARK_STEP,
    description="Clean, deduplicated reviews (earliest per user and parent_asin, ties by input order), "
                "impossible ratings/timestamps flagged: `<data_root>/silver/reviews/category=<Cat>/`.",
    check_specs=checks_of("silver_reviews"),
)
def silver_reviews(context: dg.AssetExecutionContext, data_root: DataRoot, spark: SparkSettings):
    category = safe_category(context.partition_key)
    root = data_root.root
    require_input(layout.bronze(root, "reviews"), category, "bronze reviews", "bronze_reviews")
    counts = _spark_build(context, root, spark, lake_jobs.silver_reviews, category)[category]
    folder = layout.partition(layout.silver(root, "reviews"), category)
    yield dg.MaterializeResult(metadata={
        **_output(folder, counts["silver"]), "bronze_rows": counts["bronze"], "quarantined": counts["quarantined"],
        "duplicates_removed": counts["bronze"] - counts["quarantined"] - counts["silver"],
        "preview": dg.MetadataValue.md(_preview(folder, ["user_id", "parent_asin", "rating", "timestamp", "flags"])),
    })
    yield _check("schema", "silver_reviews", checks.silver_schema(root, category, "review"))
    yield _check("no_duplicate_pairs", "silver_reviews", checks.no_duplicate_pairs(root, category))
    yield _check("timestamps_in_range", "silver_reviews", checks.timestamps_in_range(root, category))


@dg.asset(
    deps=["bronze_meta"], **SPARK_STEP,
    description="Item metadata, one record per parent_asin (the first in input order): "
                "`<data_root>/silver/meta/category=<Cat>/`.",
    check_specs=checks_of("silver_meta"),
)
def silver_meta(context: dg.AssetExecutionContext, data_root: DataRoot, spark: SparkSettings):
    category = safe_category(context.partition_key)
    root = data_root.root
    require_input(layout.bronze(root, "meta"), category, "bronze item metadata", "bronze_meta")
    counts = _spark_build(context, root, spark, lake_jobs.silver_meta, category)[category]
    folder = layout.partition(layout.silver(root, "meta"), category)
    yield dg.MaterializeResult(metadata={
        **_output(folder, counts["silver"]), "bronze_rows": counts["bronze"], "quarantined": counts["quarantined"],
        "preview": dg.MetadataValue.md(_preview(folder,
                                                ["parent_asin", "title", "store"])),
    })
    yield _check("schema", "silver_meta", checks.silver_schema(root, category, "meta"))


@dg.asset(
    deps=["silver_reviews"], **SPARK_STEP,
    description="0-core and 5-core rating_only, last_out and timestamp splits and their _w_his variants "
                "(`<data_root>/gold/benchmark/<k>core/<variant>/category=<Cat>/split=<s>/`).",
    check_specs=checks_of("gold_benchmark"),
)
def gold_benchmark(context: dg.AssetExecutionContext, data_root: DataRoot, spark: SparkSettings):
    category = safe_category(context.partition_key)
    root = data_root.root
    require_input(layout.silver(root, "reviews"), category, "silver reviews", "silver_reviews")
    counts = _spark_build(context, root, spark, lake_jobs.gold_benchmark, category)
    passed, split_meta = checks.split_boundaries(root, category)
    yield dg.MaterializeResult(metadata={
        **md.output(layout.benchmarks(root), sum(counts.values())),
        **{f"rows_{k}": v for k, v in sorted(counts.items())},
        "split_sizes": dg.MetadataValue.json(split_meta["sizes"]),
    })
    yield _check("split_boundaries", "gold_benchmark", (passed, split_meta))
    yield _check("k_core_invariant", "gold_benchmark", checks.k_core_invariant(root, category))


@dg.asset(
    deps=["gold_benchmark", "silver_reviews", "silver_meta"], pool="spark", group_name=GROUP,
    kinds={"spark", "parquet"}, automation_condition=AFTER_ANY_PARENT,
    description="The statistics table (the paper's Table 1): reviews, users, items, tokens and time range per "
                "category and over all categories, `<data_root>/gold/stats/stats.parquet`. One table for the whole "
                "lake, so it is its own unpartitioned asset.",
)
def lake_stats(context: dg.AssetExecutionContext, data_root: DataRoot, spark: SparkSettings) -> dg.MaterializeResult:
    from warehouse.stats import compute_stats

    root = data_root.root
    session = _spark(spark)
    table = run_with_progress(lambda: compute_stats(session, root), context.log, "lake_stats", spark_status(session))
    rows = table.to_pylist()
    context.log.info(f"stats over {len(rows)} rows (categories and the total)")
    return dg.MaterializeResult(metadata={
        **md.output(layout.stats(root) / "stats.parquet", table.num_rows, table.schema),
        "table": dg.MetadataValue.md(md.table(["category", "reviews", "users", "items"], rows)),
    })


@dg.asset(
    deps=["gold_benchmark", "silver_meta"], partitions_def=category_partitions, group_name=GROUP,
    kinds={"python", "parquet"}, automation_condition=ON_NEW_DATA,
    description="Sequential-recommendation and collaborative-filtering inputs for the category "
                "(`<data_root>/gold/tasks/{seqrec,cf}/<Cat>/`, CONTRACTS §5; dataset name = category).",
)
def task_inputs(context: dg.AssetExecutionContext, data_root: DataRoot) -> dg.MaterializeResult:
    from warehouse.task_inputs import build_task_inputs

    category = safe_category(context.partition_key)
    require_input(layout.benchmark(data_root.root, 0, "timestamp_w_his"), category, "gold benchmark splits",
                  "gold_benchmark")
    sizes = build_task_inputs(data_root.root, category, LakeSettings())
    return dg.MaterializeResult(metadata={
        **md.output(layout.tasks(data_root.root)),
        **{f"{task}_{name}": n for task, by in sizes.items() for name, n in by.items()},
        "sizes": dg.MetadataValue.json(sizes),
    })


@dg.asset(
    deps=["gold_benchmark", "silver_meta"], partitions_def=category_partitions, group_name=GROUP,
    kinds={"python", "csv"}, automation_condition=ON_NEW_DATA,
    description="The official file formats for sharing: `<data_root>/exports/{0core,5core}/...` CSV with "
                "header and `<data_root>/exports/jsonl/` (silver as JSONL).",
)
def exports(context: dg.AssetExecutionContext, data_root: DataRoot) -> dg.MaterializeResult:
    from warehouse.export import export_csv, export_jsonl

    category = safe_category(context.partition_key)
    require_input(layout.benchmark(data_root.root, 0, "rating_only"), category, "gold benchmark splits",
                  "gold_benchmark")
    out = layout.exports(data_root.root)
    rows = {**export_csv(data_root.root, out, category), **export_jsonl(data_root.root, out, category)}
    return dg.MaterializeResult(metadata={
        **md.output(out, sum(rows.values())), "files": len(rows), "rows": dg.MetadataValue.json(rows),
    })


LAKE_ASSETS = [silver_reviews, silver_meta, gold_benchmark, task_inputs, exports]

# Automation (pipelines/automation.py) carries new bronze through on its own; this job and its
# (stopped) weekly schedule are the manual rebuild of one category from the bronze on disk.
lake_rebuild = dg.define_asset_job(
    "lake_rebuild", selection=dg.AssetSelection.assets(*LAKE_ASSETS),
    description="Rebuild silver, gold, task inputs and exports of one category from its current bronze.",
)


@dg.schedule(job=lake_rebuild, cron_schedule="0 3 * * 0", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.STOPPED)
def weekly_lake_rebuild(context: dg.ScheduleEvaluationContext, data_root: DataRoot):
    """Every Sunday 03:00 UTC: one run per category that has bronze data."""
    root = data_root.root
    present = set(layout.categories_in(layout.bronze(root, "reviews")))
    present |= set(layout.categories_in(layout.bronze(root, "meta")))
    week = context.scheduled_execution_time.strftime("%G-W%V")
    keys = set(category_partitions.get_partition_keys())
    for category in sorted(present & keys):
        yield dg.RunRequest(run_key=f"{category}-{week}", partition_key=category)


assets = [*LAKE_ASSETS, lake_stats]
jobs = [lake_rebuild]
schedules = [weekly_lake_rebuild]
