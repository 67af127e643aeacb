"""`make clean` leaves no trace of old runs in the UI: only dagster_home/dagster.yaml survives."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_clean_keeps_only_the_instance_settings(tmp_path):
    shutil.copy(REPO / "Makefile", tmp_path / "Makefile")
    home = tmp_path / "dagster_home"
    # What a local instance leaves after `make dev` / `make demo`: run and event storage,
    # schedule and sensor state, compute logs, artifacts, the UI's own files.
    for name in ("history/runs/index.db", "schedules/schedules.db", "storage/run-id/compute_logs/x.out",
                 "logs/event.log", ".nux/nux.yaml", ".telemetry/id.yaml"):
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_text("old run")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    (tmp_path / "data" / "results").mkdir(parents=True)
    (tmp_path / "data" / "warehouse.duckdb").write_text("old build")
    (tmp_path / "keep.txt").write_text("not ours to remove")

    done = subprocess.run(["make", "-s", "clean"], cwd=tmp_path, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in home.iterdir()) == ["dagster.yaml"]
    assert (home / "dagster.yaml").read_text() == "telemetry:\n  enabled: false\n"
    assert not (tmp_path / "data").exists()
    assert (tmp_path / "keep.txt").exists()
