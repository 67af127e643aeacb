"""One place that builds a Spark session: every setting a cluster needs, in one settings object.

Local mode (`local[*]`, driver on loopback) is the default. To run on a cluster, point
`BLAIR_SPARK_MASTER` at it and make the driver reachable from the executors (README, "Scaling
out"): every field of `SparkSettings` has an environment override `BLAIR_SPARK_<FIELD>`.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field, fields

ENV_PREFIX = "BLAIR_SPARK_"


def _default_shuffle_partitions() -> int:
    # Few shuffle partitions (2 per core): on one machine each extra task is pure overhead.
    return 2 * (os.cpu_count() or 4)


@dataclass(frozen=True)
class SparkSettings:
    """Where and how Spark runs. Defaults: local mode, everything on 127.0.0.1.

    Ports of 0 let Spark pick free ones; a cluster behind a firewall fixes them. `conf` is any
    extra Spark conf (a JSON object in `BLAIR_SPARK_CONF`), applied last, so it overrides.
    """

    master: str = "local[*]"
    driver_host: str = "127.0.0.1"  # the address executors use to reach the driver
    driver_bind_address: str = "127.0.0.1"  # the interface the driver listens on (0.0.0.0: all)
    driver_port: int = 0
    block_manager_port: int = 0
    driver_memory: str = "4g"
    executor_memory: str | None = None  # Spark's default (1g) when unset
    executor_cores: int | None = None  # standalone: all of a worker's cores when unset
    cores_max: int | None = None  # standalone: the most cores this application takes
    python: str = sys.executable  # the Python executors run (the same path on every worker)
    shuffle_partitions: int = field(default_factory=_default_shuffle_partitions)
    conf: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ=None, **overrides) -> "SparkSettings":
        """Defaults, then `BLAIR_SPARK_*` variables, then non-None `overrides` (e.g. CLI flags)."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            if f.name == "conf":
                values[f.name] = {str(k): str(v) for k, v in json.loads(raw).items()}
            elif f.type.startswith("int"):  # `int` and `int | None` (annotations are strings here)
                values[f.name] = int(raw)
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def is_local(self) -> bool:
        return self.master.startswith("local")

    def spark_conf(self) -> dict[str, str]:
        """The settings as Spark conf keys (what `get_spark` passes to the builder)."""
        conf = {
            "spark.driver.memory": self.driver_memory,
            "spark.driver.host": self.driver_host,
            "spark.driver.bindAddress": self.driver_bind_address,
            "spark.driver.port": str(self.driver_port),
            "spark.blockManager.port": str(self.block_manager_port),
            "spark.pyspark.python": self.python,
            "spark.pyspark.driver.python": sys.executable,
            "spark.sql.session.timeZone": "UTC",
            "spark.sql.shuffle.partitions": str(self.shuffle_partitions),
            "spark.sql.adaptive.enabled": "true",
            # pandas/Arrow tables go to and from the driver as Arrow batches, not row by row.
            "spark.sql.execution.arrow.pyspark.enabled": "true",
            "spark.ui.enabled": "false",
            "spark.sql.sources.partitionOverwriteMode": "dynamic",
        }
        if self.executor_memory:
            conf["spark.executor.memory"] = self.executor_memory
        if self.executor_cores:
            conf["spark.executor.cores"] = str(self.executor_cores)
        if self.cores_max:
            conf["spark.cores.max"] = str(self.cores_max)
        return conf | self.conf


def get_spark(master: str | None = None, app_name: str = "blair", driver_memory: str | None = None):
    """Return a (possibly shared) SparkSession built from `SparkSettings.from_env()`.

    `master` and `driver_memory` override the settings (the CLI flags). SPARK_LOCAL_IP and
    PYSPARK_PYTHON are set here, not in the user's shell, so the driver binds where the
    settings say and executors use this project's Python.
    """
    settings = SparkSettings.from_env(master=master or None, driver_memory=driver_memory or None)
    os.environ.setdefault("SPARK_LOCAL_IP", settings.driver_host)
    os.environ["PYSPARK_PYTHON"] = settings.python
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(settings.master).appName(app_name)
    for key, value in settings.spark_conf().items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
