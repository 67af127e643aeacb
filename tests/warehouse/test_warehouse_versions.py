"""Builds are published whole: one writer per root, a killed build leaves the previous version
readable in every view, unchanged files are hardlinks, old versions are pruned."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import lake_reference as ref

REPO = Path(__file__).resolve().parents[2]
VIEWS = ("reviews", "meta", "rating_only", "splits", "stats", "task_sizes")


def test_versions_share_unchanged_files_and_are_pruned(tmp_path):
    from warehouse import versions

    root = tmp_path / "root"
    (root / "silver" / "reviews" / "category=A").mkdir(parents=True)  # the layout before versions
    (root / "silver" / "reviews" / "category=A" / "part-00000.parquet").write_bytes(b"a")
    ids = []
    for n in range(4):
        build_id = f"2026010{n}T000000-1"
        new = versions.begin(root, build_id)
        (new / "gold" / "stats").mkdir(parents=True, exist_ok=True)
        (new / "gold" / "stats" / "stats.parquet").write_bytes(str(n).encode())
        assert versions.current_id(root) == (ids[-1] if ids else None)  # not published yet
        versions.publish(root, build_id, keep=2)
        ids.append(build_id)
        assert versions.current_id(root) == build_id
        assert (root / "gold" / "stats" / "stats.parquet").read_bytes() == str(n).encode()
    assert (root / "silver").is_symlink() and not os.path.isabs(os.readlink(root / "silver"))
    assert versions.published(root) == ids[-2:]
    a = [root / "lake" / b / "silver" / "reviews" / "category=A" / "part-00000.parquet" for b in ids[-2:]]
    assert a[0].stat().st_ino == a[1].stat().st_ino  # carried over as a hardlink, not copied
    # A build killed after `begin` leaves a hidden folder that the next build removes.
    versions.begin(root, "20260105T000000-1")
    assert versions.current_id(root) == ids[-1]
    versions.begin(root, "20260106T000000-1")
    assert not (root / "lake" / ".20260105T000000-1.building").exists()


def _build(root: Path, *args) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-m", "warehouse", "build", "--root", str(root), "--master", "local[1]",
                             *map(str, args)], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _kill_at(proc: subprocess.Popen, mark: str, seen: list[str]) -> None:
    """Read the build's log; SIGKILL its process group as soon as a line contains `mark`."""
    for line in proc.stderr:
        seen.append(line)
        if mark in line:
            os.killpg(proc.pid, signal.SIGKILL)
            return


def _snapshot(root: Path) -> dict:
    """Every view read through one connection: which categories and builds each one shows."""
    from warehouse.catalog import connect

    con = connect(root)
    try:
        shown = {v: sorted({r[0] for r in con.execute(f"SELECT DISTINCT {c} FROM {v}").fetchall()} - {"ALL"})
                 for v, c in (("reviews", "category"), ("meta", "category"), ("rating_only", "category"),
                              ("splits", "category"), ("stats", "category"), ("task_sizes", "dataset"))}
        shown["rows"] = con.execute("SELECT count(*) FROM reviews").fetchone()[0]
        shown["stats_rows"] = con.execute("SELECT sum(reviews) FROM stats WHERE category <> 'ALL'").fetchone()[0]
    finally:
        con.close()
    return shown


def _consistent(snapshot: dict, categories: list[str]) -> bool:
    return (all(snapshot[v] == categories for v in ("reviews", "meta", "stats", "task_sizes"))
            and set(snapshot["splits"]) <= set(categories) and snapshot["rows"] == snapshot["stats_rows"])


@pytest.mark.slow
@pytest.mark.timeout(1800)  # five Spark builds in subprocesses, three of them killed midway
def test_two_builds_one_fails_at_once_and_killed_builds_leave_one_whole_version(tmp_path, lake_sources):
    from warehouse import versions
    from warehouse.lock import holder

    root = tmp_path / "root"
    first, second = lake_sources["Toys_and_Games"], lake_sources["Gift_Cards"]
    a = _build(root, "--reviews", *first["reviews"], "--meta", *first["meta"])
    deadline = time.monotonic() + 120
    while holder(root).get("pid") != a.pid and time.monotonic() < deadline and a.poll() is None:
        time.sleep(0.05)
    assert holder(root).get("pid") == a.pid, "the first build never took the lock"
    started = time.monotonic()
    b = _build(root, "--reviews", *second["reviews"], "--meta", *second["meta"])
    _, err = b.communicate(timeout=120)
    assert b.returncode != 0 and time.monotonic() - started < 60
    assert f"pid {a.pid}" in err and "warehouse build" in err and len(err.strip().splitlines()) == 1, err
    out, err = a.communicate(timeout=900)
    assert a.returncode == 0, err[-2000:]
    report = json.loads(out)
    assert report["categories"] == ["Toys_and_Games"]
    good = _snapshot(root)
    # Exactly the first build's own input: its category, and as many reviews as the reference keeps.
    want = len(ref.dedup(ref.read_reviews(sorted(first["reviews"], key=lambda p: p.name))[0]))
    assert _consistent(good, ["Toys_and_Games"]) and good["rows"] == want
    published = versions.current_id(root)

    # Kill a second build at several points (the moment it logs the point; later steps remain);
    # read every view meanwhile and afterwards.
    for point in ("started", "silver_meta done", "task_inputs done"):
        proc = _build(root, "--reviews", *second["reviews"], "--meta", *second["meta"])
        seen: list[str] = []
        reader = threading.Thread(target=_kill_at, args=(proc, f": {point}", seen), daemon=True)
        reader.start()
        deadline = time.monotonic() + 600
        while proc.poll() is None and time.monotonic() < deadline:
            assert _snapshot(root) == good  # during the build: the previous version, whole
            time.sleep(0.5)
        reader.join(timeout=60)
        assert proc.returncode == -signal.SIGKILL and any(f": {point}" in s for s in seen), (point, seen[-5:])
        assert versions.current_id(root) == published
        assert _snapshot(root) == good, point
    # A build that completes: all views switch together.
    done = _build(root, "--reviews", *second["reviews"], "--meta", *second["meta"])
    out, err = done.communicate(timeout=900)
    assert done.returncode == 0, err[-2000:]
    new = _snapshot(root)
    assert _consistent(new, ["Gift_Cards", "Toys_and_Games"]) and new["rows"] > good["rows"]
    assert versions.published(root)[-2:] == [published, versions.current_id(root)]
