"""Catalog refresh: `warehouse.duckdb` as tables (copied, self-contained) vs views (zero copy).

Builds the perf lake of bench_lake (N generated review rows → the lake's own Spark silver and
5-core gold jobs), then refreshes the catalog in each storage (BLAIR_WAREHOUSE_STORAGE) and
reports the refresh time, the catalog file's size beside the lake's Parquet bytes, and the time of
one query over the splits in each. Full: 1M rows; `--quick`: 100k.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import psutil

from perf.bench_lake import CORES, generate, run_spark

QUERY = "SELECT variant, split, count(*), count(DISTINCT user_id) FROM splits GROUP BY ALL"
REPEATS = 3  # refreshes per storage; the best is reported (the machine is shared)


def _parquet_bytes(root: Path) -> int:
    return sum(p.stat().st_size for top in ("silver", "gold") for p in (root / top).rglob("*.parquet"))


def measure(root: Path, storage: str) -> dict:
    from warehouse import catalog

    refresh_s = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        path = catalog.refresh(root, storage)
        refresh_s.append(time.perf_counter() - started)
    con = catalog.connect(root)
    try:
        started = time.perf_counter()
        con.execute(QUERY).fetchall()
        query_s = time.perf_counter() - started
        reviews = con.execute("SELECT count(*) FROM reviews").fetchone()[0]
    finally:
        con.close()
    return {"refresh_s": round(min(refresh_s), 2), "file_mib": round(path.stat().st_size / 2**20, 2),
            "splits_query_s": round(query_s, 3), "reviews": reviews}


def main(quick: bool = False) -> dict:
    from warehouse.settings import LakeSettings, WAREHOUSE_STORAGES
    from warehouse.spark import get_spark

    sizes = [100_000] if quick else [1_000_000]
    spark = get_spark(master=f"local[{CORES}]", app_name="bench-catalog", driver_memory="4g")
    results = {"duckdb": duckdb.__version__, "cpu_count": psutil.cpu_count(), "runs": []}
    try:
        for n in sizes:
            with tempfile.TemporaryDirectory(prefix=f"bench-catalog-{n}-") as work:
                lake = Path(work) / "lake"
                generate(lake, n)
                run_spark(spark, lake, LakeSettings().driver_kcore_max_rows)
                shutil.rmtree(lake / "bronze")  # the catalog reads silver and gold
                run = {"rows": n, "lake_parquet_mib": round(_parquet_bytes(lake) / 2**20, 2)}
                run.update({storage: measure(lake, storage) for storage in WAREHOUSE_STORAGES})
                run["machine_load_1min"] = round(psutil.getloadavg()[0], 1)
                results["runs"].append(run)
                print(run, flush=True)
    finally:
        spark.stop()
    return results
