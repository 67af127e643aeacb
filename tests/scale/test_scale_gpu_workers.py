"""GPU steps run in a Celery worker listening only on the `gpu` queue (a real Redis broker); a CPU
step stays on the Dagster host. Same commands and variables as the README's "Scaling out"."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from pipelines.executors import BROKER_ENV, GPU_JOB, GPU_QUEUE
from warehouse.tasks import write_task

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DAGSTER = str(Path(sys.executable).parent / "dagster")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_for_line(log: Path, text: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text(errors="replace"):
            return
        assert proc.poll() is None, f"{proc.args[:3]} exited: {log.read_text(errors='replace')[-2000:]}"
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {text!r} in {log}")


@pytest.fixture
def gpu_worker(tmp_path):
    """Redis on a free loopback port and one Celery worker on the `gpu` queue; both stopped by pid."""
    assert shutil.which("redis-server"), "redis-server is missing: apt-get install -y redis-server (.ci/run does)"
    home, data = tmp_path / "dagster_home", tmp_path / "data"
    home.mkdir()
    (home / "dagster.yaml").write_text("")  # a fresh instance on disk, shared by launcher and worker
    port = free_port()
    env = os.environ | {"DAGSTER_HOME": str(home), "BLAIR_DATA_ROOT": str(data),
                        BROKER_ENV: f"redis://127.0.0.1:{port}/0", "PYTHONPATH": str(REPO)}
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(tmp_path)],
                             stdout=(tmp_path / "redis.log").open("wb"), stderr=subprocess.STDOUT)
    worker = None
    try:
        wait_for_line(tmp_path / "redis.log", "Ready to accept connections", redis)
        log = tmp_path / "worker.log"
        worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "pipelines.gpu_worker", "worker",
                                   "-Q", GPU_QUEUE, "--pool", "solo", "--concurrency", "1", "-n", "gpu@%h",
                                   "--loglevel", "INFO"], env=env, cwd=REPO, stdout=log.open("wb"),
                                  stderr=subprocess.STDOUT)
        wait_for_line(log, "ready.", worker)
        yield {"env": env, "pid": worker.pid, "log": log, "home": home, "data": data}
    finally:
        if worker is not None:
            stop(worker)
        stop(redis)


def latest(home: Path, asset: str):
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return instance.get_latest_materialization_event(dg.AssetKey(asset))


def test_embeddings_and_results_run_in_the_gpu_worker_and_a_cpu_step_does_not(gpu_worker):
    env, home, data = gpu_worker["env"], gpu_worker["home"], gpu_worker["data"]
    write_task(data, "search", "tiny", {
        "items": pd.DataFrame({"item_id": ["A1", "A2", "A3"], "title": ["red mug", "blue pen", "green tea"]})
        .assign(text_full=lambda f: f["title"]),
        "queries": pd.DataFrame({"query_id": ["q1"], "query": ["a mug"]}),
        "qrels": pd.DataFrame({"query_id": ["q1"], "item_id": ["A1"], "relevance": [1.0]}),
    })
    with dg.DagsterInstance.from_config(str(home)) as instance:
        # What the sandbox loader of outside_task_inputs records when it writes search/tiny.
        instance.report_runless_asset_event(dg.AssetMaterialization(
            "outside_task_inputs", partition="sandbox", metadata={"task": "search", "dataset": "tiny"}))

    tags = {"dagster/partition": "sandbox:random"}
    run = subprocess.run([DAGSTER, "job", "execute", "-m", "pipelines.definitions", "-j", GPU_JOB,
                          "--tags", json.dumps(tags)], env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    cpu = subprocess.run([DAGSTER, "asset", "materialize", "-m", "pipelines.definitions", "--select", "warehouse_db"],
                         env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert cpu.returncode == 0, cpu.stderr[-3000:]

    for asset in ("item_embeddings", "benchmark_results"):
        event = latest(home, asset)
        metadata = event.asset_materialization.metadata
        assert event.asset_materialization.partition == "sandbox:random"
        assert metadata["worker_pid"].value == gpu_worker["pid"] == event.dagster_event.pid, asset
        assert "skipped" not in metadata
    assert len(list((data / "results" / "search" / "tiny").glob("random--*.json"))) == 1  # <encoder>--<run key>
    lake_step = latest(home, "warehouse_db")
    assert lake_step.dagster_event.pid != gpu_worker["pid"]
    # The worker ran exactly the two GPU steps, nothing else.
    log = gpu_worker["log"].read_text(errors="replace")
    assert log.count("] received") == 2 and log.count("] succeeded in") == 2


def test_gpu_steps_carry_the_celery_queue_and_a_kubernetes_gpu_limit():
    from pipelines.definitions import defs

    job = defs.resolve_job_def(GPU_JOB)
    assert job.executor_def.name == "gpu_celery"
    assert sorted(n.name for n in job.graph.node_defs) == ["benchmark_results", "item_embeddings"]
    for node in job.graph.node_defs:
        assert node.tags["dagster-celery/queue"] == GPU_QUEUE
        assert json.loads(node.tags["dagster-k8s/config"])["container_config"]["resources"]["limits"] == \
            {"nvidia.com/gpu": "1"}
    lake = defs.resolve_assets_def("silver_reviews").op
    assert "dagster-celery/queue" not in lake.tags
