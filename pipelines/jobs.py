"""Named jobs: the demo's runs appear under these in the UI (Overview, Runs) and can be re-executed.

Dagster runs one partitions definition per job, so the demo is one job per partitioning: the crawl
(per category), the lake (per category), the benchmark (task dataset × encoder) and the whole-lake
assets (unpartitioned). Each is `demo_<stage>`.
"""
from __future__ import annotations

import dagster as dg

TAGS = {"blair/origin": "demo"}

demo_sandbox = dg.define_asset_job("demo_sandbox", selection=["sandbox_site"], tags=TAGS,
                                   description="Demo: generate the offline storefront.")
demo_crawl = dg.define_asset_job("demo_crawl", selection=["raw_archive"], tags=TAGS,
                                 description="Demo: crawl one category of the storefront.")
demo_lake = dg.define_asset_job(
    "demo_lake", tags=TAGS, description="Demo: bronze → silver → gold → task inputs and exports of one category.",
    selection=["bronze_reviews", "bronze_meta", "silver_reviews", "silver_meta", "gold_benchmark", "task_inputs",
               "exports"])
demo_datasets = dg.define_asset_job("demo_datasets", selection=["outside_task_inputs"], tags=TAGS,
                                    description="Demo: the sandbox's search truth as a task dataset.")
demo_synth = dg.define_asset_job("demo_synth", selection=["complex_queries", "complex_query_pool"], tags=TAGS,
                                 description="Demo: a few complex queries synthesised by the offline LLM.")
demo_catalog = dg.define_asset_job("demo_catalog", selection=["lake_stats", "warehouse_db", "leaderboard"], tags=TAGS,
                                   description="Demo: whole-lake statistics, the DuckDB warehouse, the leaderboard.")
demo_benchmark = dg.define_asset_job("demo_benchmark", selection=["item_embeddings", "benchmark_results"], tags=TAGS,
                                     description="Demo: embeddings and one benchmark result (task dataset × encoder).")

jobs = [demo_sandbox, demo_crawl, demo_lake, demo_datasets, demo_synth, demo_catalog, demo_benchmark]
