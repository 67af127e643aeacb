"""Resources shared by every asset module."""
from __future__ import annotations

import os
from pathlib import Path

import dagster as dg


class DataRoot(dg.ConfigurableResource):
    """Where the lake lives (DESIGN §3). Default `./data`, or env BLAIR_DATA_ROOT."""

    path: str = os.environ.get("BLAIR_DATA_ROOT", "./data")

    @property
    def root(self) -> Path:
        return Path(self.path).resolve()


class SparkSettings(dg.ConfigurableResource):
    """Where Spark runs: `local[*]` by default, a cluster URL to scale out."""

    master: str = os.environ.get("BLAIR_SPARK_MASTER", "local[*]")
    driver_memory: str = os.environ.get("BLAIR_SPARK_DRIVER_MEMORY", "4g")
