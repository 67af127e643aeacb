"""`make demo`: the whole pipeline on the built-in offline default, through Dagster.

Generates the sandbox storefront, serves it on 127.0.0.1 while crawling it, parses the raw
archive, builds the lake with Spark, the DuckDB warehouse, the task inputs, embeddings with
MiniLM and random vectors, the three benchmark tasks and the leaderboard. Every step is a
Dagster run of a named job (`demo_sandbox`, `demo_crawl`, `demo_lake`, ...: pipelines/jobs.py)
recorded in the local instance (DAGSTER_HOME=dagster_home), so `make dev` shows the runs
afterwards under those jobs. The crawl uses the sandbox storefront's fast settings as run config of
the `crawl_target` resource; the definitions' own defaults stay polite. Settings come from
environment variables:
BLAIR_DATA_ROOT (./data), BLAIR_DEMO_PROFILE (default), BLAIR_DEMO_USERS (reviewers per
category), BLAIR_DEMO_MAX_EPOCHS (caps training so the demo ends in minutes),
BLAIR_DEMO_SEQREC (`first` or `all` categories for sequential recommendation),
BLAIR_DEMO_SYNTH_N (complex queries synthesised from the lake's reviews by the offline LLM).
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import dagster as dg

from pipelines.crawl_target import SandboxStorefront
from pipelines.definitions import defs
from pipelines.partitions import ENCODERS, LAKE_TASKS, SYNTHESIS_DATASETS, benchmark_key, lake_dataset
from pipelines.pools import apply_pool_limits
from pipelines.resources import DataRoot
from warehouse import layout
from warehouse.tasks import task_dir

PROFILE = os.environ.get("BLAIR_DEMO_PROFILE", "default")
USERS_PER_CATEGORY = int(os.environ.get("BLAIR_DEMO_USERS", "400"))
MAX_EPOCHS = int(os.environ.get("BLAIR_DEMO_MAX_EPOCHS", "5"))
# Sequential recommendation costs minutes per (encoder, dataset) on a CPU: the demo trains it
# on the first category only unless BLAIR_DEMO_SEQREC=all; the other partitions stay
# available in the UI and through `python -m benchmark run`.
SEQREC_ALL = os.environ.get("BLAIR_DEMO_SEQREC", "first") == "all"
# A handful of complex queries: SmolLM2 on a CPU takes seconds per answer.
SYNTH_N = int(os.environ.get("BLAIR_DEMO_SYNTH_N", "8"))
SYNTH_MAX_NEW_TOKENS = 64
QUIET = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
SEARCH_LOADER = "sandbox"  # the outside_task_inputs loader of the sandbox's search truth
# The sandbox is ours and local: crawl it as fast as it serves.
FAST_CRAWL = {"crawl_delay_s": 0.0, "min_delay_s": 0.0, "concurrency": 16, "per_host_concurrency": 16}


def _say(message: str) -> None:
    print(f"[demo {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Demo:
    def __init__(self, instance: dg.DagsterInstance):
        self.instance = instance
        self.root = DataRoot().root

    def run_job(self, name: str, partition_key=None, run_config=None, selection=None):
        started = time.perf_counter()
        result = defs.resolve_job_def(name).execute_in_process(
            instance=self.instance, partition_key=partition_key, raise_on_error=True,
            asset_selection=[dg.AssetKey(k) for k in selection] if selection else None,
            run_config={**QUIET, **(run_config or {})},
        )
        label = name + (f" [{partition_key}]" if partition_key else "")
        label += f" {', '.join(selection)}" if selection else ""
        _say(f"ran {label} in {time.perf_counter() - started:.1f}s (run {result.run_id[:8]})")
        return result

    def categories(self) -> list[str]:
        truth = layout.sandbox(self.root) / "truth"
        return sorted(p.name[len("meta_"):-len(".jsonl")] for p in truth.glob("meta_*.jsonl"))

    def run(self) -> None:
        _say(f"data root {self.root}; profile {PROFILE}; {USERS_PER_CATEGORY} reviewers per category")
        self.run_job("demo_sandbox", run_config={"ops": {"sandbox_site": {"config": {"profile": PROFILE}}}})
        categories = self.categories()
        _say(f"sandbox categories: {', '.join(categories)}")
        crawl = {"resources": {"crawl_target": {"config": {"users": USERS_PER_CATEGORY, **FAST_CRAWL}}}}
        for category in categories:
            self.run_job("demo_crawl", partition_key=category, run_config=crawl)
        for category in categories:
            self.run_job("demo_lake", partition_key=category)
        self.run_job("demo_datasets", partition_key=SEARCH_LOADER,
                     run_config={"ops": {"outside_task_inputs": {"config": {"source": str(layout.sandbox(self.root))}}}})
        synth = {"ops": {"complex_queries": {"config": {"n": SYNTH_N, "max_new_tokens": SYNTH_MAX_NEW_TOKENS}}}}
        self.run_job("demo_synth", partition_key=SYNTHESIS_DATASETS[0], run_config=synth)
        self.run_job("demo_catalog", selection=["lake_stats"])
        # The benchmark partitions that read what was just built: each category's task inputs, the search set.
        datasets = sorted([lake_dataset(t, c) for c in categories for t in LAKE_TASKS] + [SEARCH_LOADER]
                          + [lake_dataset("search", d) for d in SYNTHESIS_DATASETS  # when a query passed the filters
                             if task_dir(self.root, "search", d).is_dir()])
        seqrec = [d for d in datasets if d.startswith("seqrec.")]
        if not SEQREC_ALL and seqrec:
            datasets = [d for d in datasets if d not in seqrec[1:]]
            _say(f"sequential recommendation on {seqrec[0]} only (BLAIR_DEMO_SEQREC=all for every category)")
        bench = {"ops": {"benchmark_results": {"config": {"max_epochs": MAX_EPOCHS}}}}
        for dataset in datasets:
            for encoder in ENCODERS:
                self.run_job("demo_benchmark", partition_key=benchmark_key(dataset, encoder), run_config=bench)
        # Last, so the warehouse catalog holds every table and result.
        self.run_job("demo_catalog", selection=["leaderboard", "warehouse_db"])
        self.report()

    def report(self) -> None:
        leaderboard = layout.reports(self.root) / "leaderboard.md"
        leaderboard = leaderboard if leaderboard.exists() else None
        print()
        _say("outputs:")
        for label, path in [
            ("sandbox + ground truth", layout.sandbox(self.root)),
            ("raw archive", layout.raw(self.root)),
            ("bronze / silver / gold Parquet", self.root),
            ("official CSV/JSONL exports", layout.exports(self.root)),
            ("DuckDB warehouse", layout.warehouse_db(self.root)),
            ("benchmark results", layout.results(self.root)),
            ("leaderboard (md, html, png)", layout.reports(self.root)),
        ]:
            print(f"  {label:32s} {path}")
        if leaderboard:
            print()
            print(leaderboard.read_text())
        print(f"\nQuery it:  .venv/bin/python -m warehouse query --root {self.root} \"SELECT * FROM stats\"")
        print("Browse the runs:  make dev  (http://127.0.0.1:3000)")


def main() -> int:
    if "DAGSTER_HOME" not in os.environ:
        os.environ["DAGSTER_HOME"] = str(Path(__file__).resolve().parents[1] / "dagster_home")
    started = time.perf_counter()
    if not isinstance(defs.resources["crawl_target"], SandboxStorefront):
        print("error: make demo crawls the offline sandbox; unset BLAIR_CRAWL_TARGET", file=sys.stderr)
        return 2
    with dg.DagsterInstance.get() as instance:
        apply_pool_limits(instance)
        Demo(instance).run()
    _say(f"done in {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
