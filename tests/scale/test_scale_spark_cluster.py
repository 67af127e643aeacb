"""A Spark standalone cluster (a master and a worker from the bundled PySpark, on 127.0.0.1) builds
the lake byte-identical to local mode, with the README's commands and variables."""
from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from warehouse.spark import SparkSettings

pytestmark = [pytest.mark.spark, pytest.mark.slow]

CATEGORY = "Toys_and_Games"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spark_class() -> str:
    import pyspark

    return str(Path(pyspark.__file__).parent / "bin" / "spark-class")


def write_release(folder: Path) -> tuple[Path, Path]:
    """A small 2023-format release: 40 users × a few of 25 items, with metadata."""
    rng = random.Random(3)
    folder.mkdir(parents=True)
    reviews, meta = folder / f"{CATEGORY}.jsonl", folder / f"meta_{CATEGORY}.jsonl"
    with reviews.open("w") as out:
        for u in range(40):
            for i in rng.sample(range(25), rng.randint(3, 9)):
                out.write(json.dumps({
                    "rating": float(rng.randint(1, 5)), "title": f"t{u}", "text": f"review {u} {i}", "images": [],
                    "asin": f"A{i:03d}", "parent_asin": f"P{i:03d}", "user_id": f"U{u:03d}",
                    "timestamp": 1_600_000_000_000 + rng.randrange(10**11), "helpful_vote": rng.randint(0, 3),
                    "verified_purchase": True}) + "\n")
    with meta.open("w") as out:
        for i in range(25):
            out.write(json.dumps({"main_category": "Toys", "title": f"Toy number {i}", "average_rating": 4.0,
                                  "rating_number": 3, "features": [], "description": [], "price": None,
                                  "images": [], "videos": [], "store": "s", "categories": [], "details": {},
                                  "parent_asin": f"P{i:03d}", "bought_together": None}) + "\n")
    return reviews, meta


def lake_files(root: Path) -> dict[str, str]:
    out = {}
    for top in ("silver", "gold"):
        for path in sorted((root / top).rglob("*")):
            rel = path.relative_to(root)
            if path.is_file() and not any(p.startswith(".") for p in rel.parts):
                out[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def ui_json(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/", timeout=10) as response:
        return json.load(response)


def wait_for(check, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except OSError:
            pass
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def standalone_cluster(tmp_path):
    """A master and one worker (1 GiB, 2 cores), separate JVMs with their own dirs, stopped by pid."""
    port, master_ui, worker_ui = free_port(), free_port(), free_port()
    env = os.environ | {"SPARK_LOCAL_IP": "127.0.0.1", "SPARK_LOG_DIR": str(tmp_path / "logs"),
                        "SPARK_WORKER_DIR": str(tmp_path / "work")}
    url = f"spark://127.0.0.1:{port}"
    commands = {  # as in the README's "Scaling out" section
        "master": [spark_class(), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                   "--port", str(port), "--webui-port", str(master_ui)],
        "worker": [spark_class(), "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                   "--webui-port", str(worker_ui), "--cores", "2", "--memory", "1g",
                   "--work-dir", str(tmp_path / "work"), url],
    }
    procs = {}
    try:
        for name, argv in commands.items():
            log = (tmp_path / f"{name}.log").open("wb")
            procs[name] = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
            if name == "master":
                wait_for(lambda: ui_json(master_ui).get("status") == "ALIVE", "the master")
        wait_for(lambda: [w for w in ui_json(master_ui)["workers"] if w["state"] == "ALIVE"], "the worker")
        yield {"url": url, "master_ui": master_ui, "worker_ui": worker_ui, "procs": procs}
    finally:
        for proc in reversed(list(procs.values())):
            proc.terminate()
        # One grace period for both: their shutdown is not under test, and each had taken its full
        # 30 s on SIGTERM (a minute of every suite run); no executor outlives the build's driver.
        deadline = time.monotonic() + 10
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def build(root: Path, reviews: Path, meta: Path, env: dict) -> None:
    run = subprocess.run([sys.executable, "-m", "warehouse", "build", "--root", str(root), "--reviews", str(reviews),
                          "--meta", str(meta)], env=os.environ | env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]


def test_a_standalone_cluster_builds_the_same_bytes_as_local_mode(tmp_path, spark, standalone_cluster):
    from warehouse.build import build as build_lake

    reviews, meta = write_release(tmp_path / "release")
    build_lake(tmp_path / "local", spark, reviews=[reviews], meta=[meta])  # the tests' local[2] session
    build(tmp_path / "cluster", reviews, meta, {
        "BLAIR_SPARK_MASTER": standalone_cluster["url"], "BLAIR_SPARK_DRIVER_HOST": "127.0.0.1",
        "BLAIR_SPARK_DRIVER_BIND_ADDRESS": "127.0.0.1", "BLAIR_SPARK_EXECUTOR_MEMORY": "768m",
        "BLAIR_SPARK_EXECUTOR_CORES": "2", "BLAIR_SPARK_CORES_MAX": "2",
        "BLAIR_SPARK_CONF": json.dumps({"spark.app.name": "blair-cluster-test"})})

    local, cluster = lake_files(tmp_path / "local"), lake_files(tmp_path / "cluster")
    assert any(p.startswith("gold/benchmark/5core/") for p in local), "the release should give a non-empty 5-core"
    assert len(local) > 10 and cluster == local

    # The master saw the application finish, and the worker ran its executor.
    master = ui_json(standalone_cluster["master_ui"])
    apps = [a for a in master["completedapps"] + master["activeapps"] if a["name"] == "blair-cluster-test"]
    assert len(apps) == 1, master
    worker = ui_json(standalone_cluster["worker_ui"])
    executors = worker["executors"] + worker["finishedexecutors"]
    assert [e for e in executors if e["appid"] == apps[0]["id"]], worker


def test_settings_come_from_blair_spark_variables_and_local_mode_is_the_default():
    default = SparkSettings.from_env({})
    assert default.is_local and default.master == "local[*]"
    assert default.spark_conf()["spark.driver.bindAddress"] == "127.0.0.1"
    assert "spark.executor.memory" not in default.spark_conf()
    env = {"BLAIR_SPARK_MASTER": "spark://head:7077", "BLAIR_SPARK_DRIVER_HOST": "10.0.0.5",
           "BLAIR_SPARK_DRIVER_BIND_ADDRESS": "0.0.0.0", "BLAIR_SPARK_DRIVER_PORT": "40000",
           "BLAIR_SPARK_BLOCK_MANAGER_PORT": "40001", "BLAIR_SPARK_EXECUTOR_MEMORY": "8g",
           "BLAIR_SPARK_EXECUTOR_CORES": "4", "BLAIR_SPARK_CORES_MAX": "16", "BLAIR_SPARK_PYTHON": "/opt/venv/bin/python",
           "BLAIR_SPARK_CONF": '{"spark.sql.shuffle.partitions": "400", "spark.local.dir": "/scratch"}'}
    conf = SparkSettings.from_env(env).spark_conf()
    assert conf["spark.driver.host"] == "10.0.0.5" and conf["spark.driver.bindAddress"] == "0.0.0.0"
    assert (conf["spark.driver.port"], conf["spark.blockManager.port"]) == ("40000", "40001")
    assert (conf["spark.executor.memory"], conf["spark.executor.cores"], conf["spark.cores.max"]) == ("8g", "4", "16")
    assert conf["spark.pyspark.python"] == "/opt/venv/bin/python"
    assert conf["spark.sql.shuffle.partitions"] == "400" and conf["spark.local.dir"] == "/scratch"  # extra conf wins
    assert SparkSettings.from_env(env, master="local[1]").master == "local[1]"  # a CLI flag beats the variable
