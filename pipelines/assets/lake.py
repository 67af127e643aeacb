"""The lake: silver, gold benchmark, task inputs and exports, one category partition at a time.

Thin wrappers over `warehouse.jobs`, `warehouse.task_inputs` and `warehouse.export`. The Spark
steps run in the `spark` pool (one Spark application at a time on a machine); checks run on
the written Parquet with DuckDB.
"""

import dagster as dg
import pyarrow.parquet as pq

from parsing.categories import safe_category
from pipelines.partitions import category_partitions
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


def _preview(folder, columns: list[str], n: int = 5) -> str:
    files = layout.parquet_files(folder)
    if not files:
        return "_no rows_"
    rows = pq.read_table(files[0], columns=columns).slice(0, n).to_pylist()
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(r[c]).replace("|", "\\|")[:60] for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def _check(name: str, asset: str, result: tuple[bool, dict]) -> dg.AssetCheckResult:
    passed, metadata = result
    return dg.AssetCheckResult(check_name=name, asset_key=asset, passed=bool(passed),
                               metadata={k: dg.MetadataValue.json(v) if isinstance(v, (dict, list)) else v
                                         for k, v in metadata.items()})


@dg.asset(
    deps=["bronze_reviews"], partitions_def=category_partitions, pool="spark", group_name=GROUP,
    kinds={"spark", "parquet"},
    description="Clean, deduplicated reviews (earliest per user and parent_asin, ties by input order), "
                "impossible ratings/timestamps flagged: `<data_root>/silver/reviews/category=<Cat>/`.",
    check_specs=[dg.AssetCheckSpec("schema", asset="silver_reviews", blocking=True),
                 dg.AssetCheckSpec("no_duplicate_pairs", asset="silver_reviews", blocking=True),
                 dg.AssetCheckSpec("timestamps_in_range", asset="silver_reviews")],
)
def silver_reviews(context: dg.AssetExecutionContext, data_root: DataRoot, spark: SparkSettings):
    category = safe_category(context.partition_key)
    root = data_root.root
    build_id = _build_id(context)
    with claim_staging(root, build_id):  # also clears what killed builds left behind
        counts = lake_jobs.silver_reviews(_spark(spark), root, [category], build_id=build_id)[category]
    yield dg.MaterializeResult(metadata={
        "rows": counts["silver"], "bronze_rows": counts["bronze"], "quarantined": counts["quarantined"],
        "duplicates_removed": counts["bronze"] - counts["quarantined"] - counts["silver"],
        "path": dg.MetadataValue.path(str(layout.partition(layout.silver(root, "reviews"), category))),
        "preview": dg.MetadataValue.md(_preview(layout.partition(layout.silver(root, "reviews"), category),
                                                ["user_id", "parent_asin", "rating", "timestamp", "flags"])),
    })
    yield _check("schema", "silver_reviews", checks.silver_schema(root, category, "review"))
    yield _check("no_duplicate_pairs", "silver_reviews", checks.no_duplicate_pairs(root, category))
    yield _check("timestamps_in_range", "silver_reviews", checks.timestamps_in_range(root, category))


@dg.asset(
    deps=["bronze_meta"], partitions_def=category_partitions, pool="spark", group_name=GROUP,
    kinds={"spark", "parquet"},
    description="Item metadata, one record per parent_asin (the first in input order): "
                "`<data_root>/silver/meta/category=<Cat>/`.",
    check_specs=[dg.AssetCheckSpec("schema", asset="silver_meta", blocking=True)],
)
def silver_meta(context: dg.AssetExecutionContext, data_root: DataRoot, spark: SparkSettings):
    category = safe_category(context.partition_key)
    root = data_root.root
    build_id = _build_id(context)
    with claim_staging(root, build_id):  # also clears what killed builds left behind
        counts = lake_jobs.silver_meta(_spark(spark), root, [category], build_id=build_id)[category]
    yield dg.MaterializeResult(metadata={
        "rows": counts["silver"], "bronze_rows": counts["bronze"], "quarantined": counts["quarantined"],
        "preview": dg.MetadataValue.md(_preview(layout.partition(layout.silver(root, "meta"), category),
                                                ["parent_asin", "title", "store"])),
    })
    yield _check("schema", "silver_meta", checks.silver_schema(root, category, "meta"))


@dg.asset(
    deps=["silver_reviews"], partitions_def=category_partitions, pool="spark", group_name=GROUP,
    kinds={"spark", "parquet"},
    description="0-core and 5-core rating_only, last_out and timestamp splits and their _w_his variants "
                "(`<data_root>/gold/benchmark/<k>core/<variant>/category=<Cat>/split=<s>/`), then the "
                "statistics table (`gold/stats/stats.parquet`, per category and overall).",
    check_specs=[dg.AssetCheckSpec("split_boundaries", asset="gold_benchmark", blocking=True),
                 dg.AssetCheckSpec("k_core_invariant", asset="gold_benchmark", blocking=True)],
)
def gold_benchmark(context: dg.AssetExecutionContext, data_root: DataRoot, spark: SparkSettings):
    from warehouse.stats import compute_stats

    category = safe_category(context.partition_key)
    root = data_root.root
    session = _spark(spark)
    build_id = _build_id(context)
    with claim_staging(root, build_id):
        counts = lake_jobs.gold_benchmark(session, root, [category], build_id=build_id)
    stats = {r["category"]: r for r in compute_stats(session, root).to_pylist()}.get(category, {})
    passed, split_meta = checks.split_boundaries(root, category)
    yield dg.MaterializeResult(metadata={
        **{f"rows_{k}": v for k, v in sorted(counts.items())},
        "split_sizes": dg.MetadataValue.json(split_meta["sizes"]),
        "stats": dg.MetadataValue.json({k: v for k, v in stats.items() if v is not None}),
    })
    yield _check("split_boundaries", "gold_benchmark", (passed, split_meta))
    yield _check("k_core_invariant", "gold_benchmark", checks.k_core_invariant(root, category))


@dg.asset(
    deps=["gold_benchmark", "silver_meta"], partitions_def=category_partitions, group_name=GROUP,
    kinds={"python", "parquet"},
    description="Sequential-recommendation and collaborative-filtering inputs for the category "
                "(`<data_root>/gold/tasks/{seqrec,cf}/<Cat>/`, CONTRACTS §5; dataset name = category).",
)
def task_inputs(context: dg.AssetExecutionContext, data_root: DataRoot) -> dg.MaterializeResult:
    from warehouse.task_inputs import build_task_inputs

    category = safe_category(context.partition_key)
    sizes = build_task_inputs(data_root.root, category, LakeSettings())
    return dg.MaterializeResult(metadata={
        **{f"{task}_{name}": n for task, by in sizes.items() for name, n in by.items()},
        "sizes": dg.MetadataValue.json(sizes),
    })


@dg.asset(
    deps=["gold_benchmark", "silver_meta"], partitions_def=category_partitions, group_name=GROUP,
    kinds={"python", "csv"},
    description="The official file formats for sharing: `<data_root>/exports/{0core,5core}/...` CSV with "
                "header and `<data_root>/exports/jsonl/` (silver as JSONL).",
)
def exports(context: dg.AssetExecutionContext, data_root: DataRoot) -> dg.MaterializeResult:
    from warehouse.export import export_csv, export_jsonl

    category = safe_category(context.partition_key)
    out = data_root.root / "exports"
    rows = {**export_csv(data_root.root, out, category), **export_jsonl(data_root.root, out, category)}
    return dg.MaterializeResult(metadata={
        "files": len(rows), "rows": dg.MetadataValue.json(rows), "path": dg.MetadataValue.path(str(out)),
    })


LAKE_ASSETS = [silver_reviews, silver_meta, gold_benchmark, task_inputs, exports]

lake_rebuild = dg.define_asset_job(
    "lake_rebuild", selection=dg.AssetSelection.assets(*LAKE_ASSETS),
    description="Rebuild silver, gold, task inputs and exports of one category.",
)


@dg.schedule(job=lake_rebuild, cron_schedule="0 3 * * 0", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.STOPPED)
def weekly_lake_rebuild(context: dg.ScheduleEvaluationContext, data_root: DataRoot):
    """Every Sunday 03:00 UTC: one run per category that has bronze data."""
    root = data_root.root
    present = set(layout.categories_in(layout.bronze(root, "reviews"))) | set(layout.categories_in(layout.bronze(root, "meta")))
    week = context.scheduled_execution_time.strftime("%G-W%V")
    keys = set(category_partitions.get_partition_keys())
    for category in sorted(present & keys):
        yield dg.RunRequest(run_key=f"{category}-{week}", partition_key=category)


assets = LAKE_ASSETS
jobs = [lake_rebuild]
schedules = [weekly_lake_rebuild]
