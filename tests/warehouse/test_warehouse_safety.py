"""The warehouse under hostile use: a query that cannot write or escape the lake, a relocatable
catalog that the duckdb CLI of the lock opens, duplicate lines counted, the 2100 boundary flagged."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lake_data import CATEGORY

pytestmark = pytest.mark.spark
REPO = Path(__file__).resolve().parents[2]
DUCKDB_CLI = Path(sys.executable).parent / "duckdb"  # the duckdb-cli package of requirements.lock


def _hashes(root: Path) -> dict[str, str]:
    """sha256 of every file of the data root (lake versions, bronze, catalog), symlinks followed once."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.name != ".writer.lock":
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _query(root: Path, sql: str, cwd: Path = REPO):
    return subprocess.run([sys.executable, "-m", "warehouse", "query", "--root", str(root), sql], cwd=cwd,
                          env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True, timeout=120)


def test_hostile_sql_is_refused_and_no_file_changes(lake, tmp_path):
    from warehouse import layout, versions

    part = layout.parquet_files(layout.partition(layout.silver(lake, "reviews"), CATEGORY))[0]
    inside = os.path.relpath(part, lake)
    outside = tmp_path / "outside.csv"
    outside.write_text("secret\n1\n")
    hostile = [
        f"COPY (SELECT 1 AS x) TO '{part}' (FORMAT parquet)",
        f"COPY (SELECT 1 AS x) TO '{inside}' (FORMAT parquet)",
        f"COPY reviews TO '{tmp_path / 'stolen.csv'}'",
        f"EXPORT DATABASE '{tmp_path / 'export'}'",
        f"ATTACH '{tmp_path / 'other.duckdb'}' AS other (READ_WRITE)",
        f"ATTACH '{lake / 'warehouse.duckdb'}' AS again",
        "CREATE TABLE t AS SELECT 1 AS x",
        "CREATE TEMP TABLE t AS SELECT 1 AS x",
        "DROP VIEW reviews",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "SET allowed_directories = ['/']",
        "RESET lock_configuration",
        "PRAGMA enable_profiling",
        "SELECT * FROM read_text('/etc/passwd')",
        f"SELECT * FROM read_csv('{outside}')",
        f"SELECT * FROM read_text('{os.path.relpath(outside, lake)}')",
        "SELECT * FROM read_text('lake/../../../../../etc/passwd')",
        "SELECT * FROM reviews; DROP VIEW reviews",
        "SELECT 1; SELECT 2",
        f"SELECT 1; COPY (SELECT 1) TO '{tmp_path / 'two.csv'}'",
    ]
    before = _hashes(lake)
    for sql in hostile:
        done = _query(lake, sql)
        lines = done.stderr.strip().splitlines()
        assert done.returncode != 0, (sql, done.stdout)
        assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in done.stderr, (sql, done.stderr)
        assert "secret" not in done.stdout and "root:" not in done.stdout, sql
    assert _hashes(lake) == before
    assert not any(tmp_path.glob("stolen*")) and not (tmp_path / "export").exists()
    assert not (tmp_path / "other.duckdb").exists() and not (tmp_path / "two.csv").exists()
    # What only reads the catalog keeps working; a catalog of tables (the default) opens no file, not
    # even the lake's (a catalog of views may: test_warehouse_catalog_storage.py).
    from warehouse.catalog import query

    n = query(lake, f"SELECT count(*) AS n FROM reviews WHERE category = '{CATEGORY}'")["n"][0]
    assert n > 0
    version = os.path.relpath(versions.current_dir(lake), lake)
    for sql in (f"SELECT count(*) AS n FROM read_parquet('{version}/silver/reviews/category={CATEGORY}/*.parquet')",
                f"SELECT count(*) AS n FROM read_parquet('{part}')"):
        done = _query(lake, sql)
        assert done.returncode != 0 and "disabled by configuration" in done.stderr, (sql, done.stderr)


def test_a_moved_copy_of_the_root_reads_its_own_files_also_with_the_duckdb_cli(lake, tmp_path):
    from warehouse.catalog import query

    want = {v: int(query(lake, f"SELECT count(*) AS n FROM {v}")["n"][0])
            for v in ("reviews", "meta", "splits", "stats", "task_sizes", "quarantine")}
    copy = tmp_path / "copy"
    shutil.copytree(lake, copy, symlinks=True)
    moved = tmp_path / "moved"
    copy.rename(moved)  # nothing may point at the copy's old place either
    catalog_text = (moved / "warehouse.duckdb").read_bytes()
    assert str(lake).encode() not in catalog_text and str(copy).encode() not in catalog_text
    got = {v: int(query(moved, f"SELECT count(*) AS n FROM {v}")["n"][0]) for v in want}
    assert got == want and want["reviews"] > 0
    files = list(query(moved, "SELECT DISTINCT file FROM quarantine")["file"])
    assert files and not any(str(f).startswith(str(lake)) for f in files)  # the copy's own quarantine
    assert DUCKDB_CLI.is_file(), "duckdb-cli (requirements.lock) is not installed"
    for root in (lake, moved):
        done = subprocess.run([str(DUCKDB_CLI), "-readonly", "warehouse.duckdb", "-csv", "-noheader", "-c",
                               "SELECT count(*) FROM reviews"], cwd=root, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert int(done.stdout.strip()) == want["reviews"]


def test_duplicate_lines_are_counted_and_2100_is_in_the_future(lake, lake_sources):
    from warehouse.catalog import query
    from warehouse.layout import data_root
    from warehouse.stats import read_stats

    # Independently: review lines equal to an earlier one of the category (the synthetic set has one).
    seen, repeats = set(), 0
    for path in lake_sources[CATEGORY]["reviews"]:
        for line in path.read_text().splitlines():
            if line.strip() and line.startswith("{") and '"user_id"' in line:
                repeats += line in seen
                seen.add(line)
    assert repeats == 1
    manifests = sorted((data_root(lake) / "manifests").glob("*/silver_reviews.json"))
    counts = json.loads(manifests[-1].read_text())["counts"]
    assert counts[CATEGORY]["exact_duplicates"] == repeats
    build = json.loads(sorted((lake / "manifests").glob("*/build.json"))[-1].read_text())
    assert build["counts"]["silver_reviews"][CATEGORY]["exact_duplicates"] == repeats
    row = query(lake, f"SELECT flags FROM reviews WHERE category = '{CATEGORY}' AND timestamp = 4102444800000")
    assert list(row["flags"][0]) == ["timestamp_in_future"]
    stats = {r["category"]: r for r in read_stats(lake).to_pylist()}
    assert stats[CATEGORY]["time_max"] < 4102444800000 and stats["ALL"]["time_max"] < 4102444800000
