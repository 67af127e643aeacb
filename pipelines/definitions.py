"""The one Dagster `Definitions` of this project.

Each module in `pipelines/assets/` exposes optional module-level lists `assets`,
`asset_checks`, `jobs`, `schedules`, `sensors` and a dict `resources`; this file gathers them.
"""
from __future__ import annotations

import importlib
import pkgutil

import dagster as dg

from pipelines import assets as assets_package
from pipelines.resources import DataRoot, SparkSettings


def _asset_modules():
    for info in sorted(pkgutil.iter_modules(assets_package.__path__), key=lambda i: i.name):
        yield importlib.import_module(f"{assets_package.__name__}.{info.name}")


def build_definitions() -> dg.Definitions:
    collected: dict[str, list] = {k: [] for k in ("assets", "asset_checks", "jobs", "schedules", "sensors")}
    resources: dict = {"data_root": DataRoot(), "spark": SparkSettings()}
    for module in _asset_modules():
        for key in collected:
            collected[key].extend(getattr(module, key, []))
        resources.update(getattr(module, "resources", {}))
    return dg.Definitions(resources=resources, **collected)


defs = build_definitions()
