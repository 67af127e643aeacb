"""Rebuilds: one category through Dagster gives the same bytes and leaves the others alone; a build
killed midway leaves the previous version readable; the weekly schedule asks for every category."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from lake_data import CATEGORY

pytestmark = pytest.mark.spark


def _data_files(root: Path) -> dict[str, tuple[str, int]]:
    """Every visible Parquet file of silver and gold: relative path → (sha256, inode)."""
    out = {}
    for top in ("silver", "gold"):
        for path in sorted((root / top).rglob("*.parquet")):
            rel = path.relative_to(root)
            if any(part.startswith(".") for part in rel.parts):
                continue
            out[rel.as_posix()] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_ino)
    return out


def test_dagster_rebuild_of_one_category_is_byte_identical(lake):
    import dagster as dg

    from pipelines.assets.lake import LAKE_ASSETS
    from pipelines.assets.warehouse import warehouse_db
    from pipelines.resources import DataRoot, SparkSettings

    before = _data_files(lake)
    resources = {"data_root": DataRoot(path=str(lake)), "spark": SparkSettings(master="local[2]")}
    result = dg.materialize(LAKE_ASSETS, partition_key=CATEGORY, resources=resources, selection=LAKE_ASSETS)
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks), [(c.check_name, c.metadata) for c in checks if not c.passed]
    assert {c.check_name for c in checks} >= {"schema", "no_duplicate_pairs", "timestamps_in_range",
                                              "split_boundaries", "k_core_invariant"}
    assert dg.materialize([warehouse_db], resources=resources).success
    after = _data_files(lake)
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}  # same bytes
    rebuilt = f"category={CATEGORY}"
    untouched = {k: v for k, v in before.items() if rebuilt not in k and f"/{CATEGORY}/" not in k
                 and not k.startswith("gold/stats")}
    assert untouched and all(after[k][1] == v[1] for k, v in untouched.items())  # other categories: same inodes
    assert any(after[k][1] != v[1] for k, v in before.items() if rebuilt in k)  # this one was rewritten
    assert (lake / "exports" / "5core" / "last_out_w_his" / f"{CATEGORY}.test.csv").is_file()


def test_weekly_schedule_requests_each_category_with_bronze(lake, lake_sources):
    import dagster as dg

    from pipelines.assets.lake import weekly_lake_rebuild
    from pipelines.resources import DataRoot

    import datetime as dt

    when = dt.datetime(2026, 11, 29, 3, 0, tzinfo=dt.timezone.utc)
    context = dg.build_schedule_context(resources={"data_root": DataRoot(path=str(lake))},
                                        scheduled_execution_time=when)
    requests = list(weekly_lake_rebuild(context))
    from pipelines.partitions import category_partitions

    known = set(category_partitions.get_partition_keys())
    assert sorted(r.partition_key for r in requests) == sorted(c for c in lake_sources if c in known)
    assert all(r.run_key.endswith("2026-W48") for r in requests)


@pytest.mark.slow
def test_a_killed_build_leaves_the_previous_version_readable(lake):
    before = _data_files(lake)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen([sys.executable, "-m", "warehouse", "build", "--root", str(lake), "--categories", CATEGORY,
                             "--master", "local[1]"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env, start_new_session=True)
    killed = False
    deadline = time.monotonic() + 240
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            # The new version being built: its silver is in, its gold is being written.
            staged = list(lake.glob("lake/.*.building/.staging/*/gold/0/rating_only"))
            if staged:
                os.killpg(proc.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert killed, "the build finished before it could be killed"
    after = _data_files(lake)
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    for rel in after:
        pq.read_table(lake / rel)  # every visible file is whole
