"""One place that builds a Spark session, with the environment PySpark needs here."""
from __future__ import annotations

import os
import sys


def get_spark(master: str | None = None, app_name: str = "blair", driver_memory: str | None = None):
    """Return a (possibly shared) SparkSession.

    SPARK_LOCAL_IP and PYSPARK_PYTHON are set here, not in the user's shell, so the
    driver binds to loopback and workers use this project's Python.
    """
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    master = master or os.environ.get("BLAIR_SPARK_MASTER", "local[*]")
    driver_memory = driver_memory or os.environ.get("BLAIR_SPARK_DRIVER_MEMORY", "4g")
    return (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.driver.memory", driver_memory)
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        # Few shuffle partitions (2 per core): on one machine each extra task is pure overhead.
        .config("spark.sql.shuffle.partitions",
                os.environ.get("BLAIR_SPARK_SHUFFLE_PARTITIONS", str(2 * (os.cpu_count() or 4))))
        .config("spark.sql.adaptive.enabled", "true")
        # pandas/Arrow tables go to and from the driver as Arrow batches, not row by row.
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        .getOrCreate()
    )
