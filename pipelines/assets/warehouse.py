"""The DuckDB warehouse: `<data_root>/warehouse.duckdb`, the lake's relations, its statistics and the results.

One writer (`duckdb_writer` pool); the file is built aside and renamed, readers open it read-only.
By default (BLAIR_WAREHOUSE_STORAGE=tables) each relation is a copy made at refresh, so this asset
depends on every asset whose files a relation reads, and the automation refreshes it after any of
them (a lake rebuild, new task inputs or search sets, new benchmark results).
"""

import dagster as dg

from pipelines import metadata as md
from pipelines.automation import AFTER_ANY_PARENT
from pipelines.resources import DataRoot


@dg.asset(
    # Every asset whose files a relation reads: a refresh of any of them refreshes the catalog.
    deps=["silver_reviews", "silver_meta", "gold_benchmark", "lake_stats", "bronze_reviews", "bronze_meta",
          "task_inputs", "outside_task_inputs", "complex_query_pool", "benchmark_results"],
    group_name="warehouse", pool="duckdb_writer", kinds={"duckdb"}, automation_condition=AFTER_ANY_PARENT,
    description="`<data_root>/warehouse.duckdb`: reviews, meta, rating_only, splits, stats, benchmark_stats, "
                "quarantine, task_sizes and results, copied from the Parquet lake and "
                "`results/<task>/<dataset>/<encoder>--<key>.json` at each refresh (tables; or views over them).",
)
def warehouse_db(context: dg.AssetExecutionContext, data_root: DataRoot) -> dg.MaterializeResult:
    from warehouse import catalog

    path = catalog.refresh(data_root.root)
    counts = {}
    con = catalog.connect(data_root.root)
    try:
        for name in catalog.relations(con):  # whatever the catalog holds: its one list is its SQL
            counts[name] = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        by_category = con.execute("SELECT category, count(*) AS reviews FROM reviews GROUP BY 1 ORDER BY 1").fetchall()
    finally:
        con.close()
    context.log.info("warehouse relations: %s", counts)
    return dg.MaterializeResult(metadata={
        **md.output(path, counts["reviews"]), **{f"rows_{v}": n for v, n in counts.items()},
        "reviews_by_category": dg.MetadataValue.md(md.table(["category", "reviews"], by_category)),
    })


assets = [warehouse_db]
