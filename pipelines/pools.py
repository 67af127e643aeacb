"""Concurrency pools of this project, written into the Dagster instance.

dagster.yaml sets `default_limit: 1`; explicit limits live here so that `python -m pipelines.pools`
(run by `make dev` and the demo) makes the instance match. Scarce resources: one Spark session,
one DuckDB writer, one GPU; the crawl pool allows categories to crawl side by side.
"""
from __future__ import annotations

import dagster as dg

POOL_LIMITS: dict[str, int] = {"spark": 1, "duckdb_writer": 1, "gpu": 1, "crawl": 2}


def apply_pool_limits(instance: dg.DagsterInstance) -> dict[str, int]:
    for pool, limit in POOL_LIMITS.items():
        instance.event_log_storage.set_concurrency_slots(pool, limit)
    return {pool: instance.event_log_storage.get_concurrency_info(pool).slot_count for pool in POOL_LIMITS}


if __name__ == "__main__":
    with dg.DagsterInstance.get() as instance:
        for pool, limit in apply_pool_limits(instance).items():
            print(f"pool {pool}: limit {limit}")
