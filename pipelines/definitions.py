"""The one Dagster `Definitions` of this project (`[tool.dg]` in pyproject.toml points here).

One module per stage in `pipelines/assets/`; each exposes module-level lists `assets`, `jobs`,
`schedules`, `sensors` (and optionally `asset_checks`, a dict `resources`). They are listed here
by name, so a reader sees the whole location in one place. Every asset gets the owners and a
code reference; the automation sensor evaluates the conditions of `pipelines/automation.py`.
"""
from __future__ import annotations

import dagster as dg

from pipelines import jobs as named_jobs
from pipelines import metadata as md
from pipelines.assets import benchmark, crawl, datasets, embeddings, lake, parse, release, synthesis, warehouse
from pipelines.resources import DataRoot, SparkSettings

MODULES = (crawl, parse, lake, warehouse, datasets, synthesis, embeddings, benchmark, release)

automation_sensor = dg.AutomationConditionSensorDefinition(
    "blair_automation", target=dg.AssetSelection.all(), default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Evaluates every asset's automation condition (pipelines/automation.py): new crawl data flows "
                "through the lake to the warehouse; embeddings, results and the leaderboard on their cadence.",
)


def _gather(name: str) -> list:
    return [item for module in MODULES for item in getattr(module, name, [])]


def build_definitions(resources: dict | None = None) -> dg.Definitions:
    """`resources` replaces the defaults by key (tests point the location at a temporary data root)."""
    bound: dict = {"data_root": DataRoot(), "spark": SparkSettings()}
    for module in MODULES:
        bound.update(getattr(module, "resources", {}))
    bound.update(resources or {})
    return dg.Definitions(
        assets=md.with_conventions(_gather("assets")),
        asset_checks=_gather("asset_checks"),
        jobs=[*_gather("jobs"), *named_jobs.jobs],
        schedules=_gather("schedules"),
        sensors=[*_gather("sensors"), automation_sensor],
        resources=bound,
    )


defs = build_definitions()
