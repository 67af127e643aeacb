"""The catalog's two storages (issue 14): `tables`, a self-contained file that the duckdb CLI of the
lock opens as `duckdb -readonly data/warehouse.duckdb` from the repository root and from a copied
root whose original is gone, and `views`, read in place from inside the root; the `results`
relation as the result files state it; a table is a snapshot until the next refresh."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from lake_data import CATEGORY

pytestmark = pytest.mark.spark
REPO = Path(__file__).resolve().parents[2]
DUCKDB_CLI = Path(sys.executable).parent / "duckdb"  # the duckdb-cli package of requirements.lock
RELATIONS = {"reviews", "meta", "rating_only", "splits", "stats", "benchmark_stats", "quarantine", "task_sizes",
             "results"}


def _cli(db: str, cwd: Path) -> subprocess.CompletedProcess:
    """The literal command of issue 14, run in `cwd`."""
    if not DUCKDB_CLI.is_file():
        pytest.skip(f"the duckdb CLI of requirements.lock (duckdb-cli) is not installed at {DUCKDB_CLI}")
    return subprocess.run([str(DUCKDB_CLI), "-readonly", db, "SELECT count(*) FROM reviews"], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def _cli_count(done: subprocess.CompletedProcess) -> int:
    assert done.returncode == 0, done.stderr
    numbers = re.findall(r"│\s*(\d+)\s*│", done.stdout)  # the box the CLI prints: one cell, the count
    assert len(numbers) == 1, done.stdout
    return int(numbers[0])


def _parquet_rows(folder: Path) -> int:
    """Rows of every Parquet file under `folder`, counted by pyarrow from the files' footers."""
    return sum(pq.ParquetFile(p).metadata.num_rows for p in folder.rglob("*.parquet"))


def _listed(root: Path) -> list[str]:
    """The relations the Dagster asset counts (catalog.relations), through the jailed reader."""
    from warehouse.catalog import connect, relations

    con = connect(root)
    try:
        return relations(con)
    finally:
        con.close()


def _copy(lake: Path, dest: Path) -> Path:
    shutil.copytree(lake, dest, symlinks=True)  # silver/ and gold/ are relative links through lake/current
    return dest


def _relations(db: Path) -> dict[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())
    finally:
        con.close()


def test_the_storage_setting_is_read_and_checked():
    from warehouse.settings import WAREHOUSE_STORAGE_ENV, warehouse_storage

    assert warehouse_storage(environ={}) == "tables"
    assert warehouse_storage(environ={WAREHOUSE_STORAGE_ENV: " Views "}) == "views"
    assert warehouse_storage("views", environ={WAREHOUSE_STORAGE_ENV: "tables"}) == "views"
    for value, environ in (("copy", {}), (None, {WAREHOUSE_STORAGE_ENV: "parquet"})):
        with pytest.raises(ValueError, match=WAREHOUSE_STORAGE_ENV):
            warehouse_storage(value, environ)


def test_the_duckdb_cli_opens_data_warehouse_duckdb_from_the_repository_root_and_from_a_copied_root(lake, tmp_path):
    from warehouse.catalog import query, refresh

    repo = tmp_path / "repo"
    data = _copy(lake, repo / "data")
    refresh(data, "tables")
    assert _relations(data / "warehouse.duckdb") == {name: "BASE TABLE" for name in RELATIONS}
    want = _parquet_rows(data / "silver" / "reviews")
    assert want > 0
    assert _cli_count(_cli("data/warehouse.duckdb", repo)) == want
    # A copy of the data root elsewhere, the original gone: the copy answers on its own.
    elsewhere = tmp_path / "elsewhere"
    copy = _copy(data, elsewhere / "copy")
    shutil.rmtree(repo)
    assert _cli_count(_cli("copy/warehouse.duckdb", elsewhere)) == want
    assert _cli_count(_cli("warehouse.duckdb", copy)) == want
    assert _cli_count(_cli(str(copy / "warehouse.duckdb"), Path("/"))) == want
    assert int(query(copy, "SELECT count(*) AS n FROM reviews")["n"][0]) == want
    assert int(query(copy, "SELECT count(*) AS n FROM meta")["n"][0]) == _parquet_rows(copy / "silver" / "meta")
    got = query(copy, "SELECT category, count(*) AS n FROM reviews GROUP BY 1")
    assert dict(zip(got["category"], got["n"])) == {
        p.name.split("=", 1)[1]: _parquet_rows(p) for p in (copy / "silver" / "reviews").iterdir()
        if p.name.startswith("category=")}
    # Stored file names are the root's own, relative: no trace of where the catalog was built.
    files = list(query(copy, "SELECT DISTINCT file FROM quarantine")["file"])
    assert files and all(not os.path.isabs(f) and (copy / f).is_file() for f in files)
    assert str(repo).encode() not in (copy / "warehouse.duckdb").read_bytes()


def test_a_catalog_of_tables_opens_no_file_and_one_of_views_only_the_lake(lake, tmp_path):
    from warehouse import layout, versions
    from warehouse.catalog import query, refresh

    root = _copy(lake, tmp_path / "root")
    part = layout.parquet_files(layout.partition(layout.silver(root, "reviews"), CATEGORY))[0]
    version_glob = f"{os.path.relpath(versions.current_dir(root), root)}/silver/reviews/category={CATEGORY}/*.parquet"
    outside = tmp_path / "outside.csv"
    outside.write_text("secret\n1\n")
    direct = [f"SELECT count(*) AS n FROM read_parquet('{part}')",
              f"SELECT count(*) AS n FROM read_parquet('{version_glob}')"]
    refresh(root, "tables")
    assert _listed(root) == sorted(RELATIONS)
    for sql in [*direct, f"SELECT * FROM read_csv('{outside}')"]:
        with pytest.raises(duckdb.Error, match="disabled by configuration"):
            query(root, sql)
    refresh(root, "views")
    assert _relations(root / "warehouse.duckdb") == {name: "VIEW" for name in RELATIONS}
    assert _listed(root) == sorted(RELATIONS)
    assert int(query(root, direct[0])["n"][0]) == pq.ParquetFile(part).metadata.num_rows
    assert int(query(root, direct[1])["n"][0]) == _parquet_rows(layout.partition(layout.silver(root, "reviews"),
                                                                                 CATEGORY))
    with pytest.raises(duckdb.Error):
        query(root, f"SELECT * FROM read_csv('{outside}')")


def test_views_are_read_in_place_with_the_cli_run_inside_the_root(lake, tmp_path):
    from warehouse.catalog import refresh

    root = _copy(lake, tmp_path / "data")
    refresh(root, "views")
    want = _parquet_rows(root / "silver" / "reviews")
    assert _cli_count(_cli("warehouse.duckdb", root)) == want
    # The documented limit of views: their paths are relative to the data root, which the CLI
    # resolves against its working directory.
    outside = _cli("data/warehouse.duckdb", tmp_path)
    assert outside.returncode != 0 and "No files found" in outside.stderr, outside.stderr


def _write(path: Path, content: bytes | dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content, indent=2).encode())


def test_results_name_themselves_and_tables_are_a_snapshot_until_the_next_refresh(lake, tmp_path):
    from warehouse.catalog import query, refresh

    root = _copy(lake, tmp_path / "root")
    results = root / "results"
    # A run's result: its folder and file names are path-safe forms; the JSON holds the real names.
    _write(results / "seqrec" / CATEGORY / "org_model-dimensions-256--0123456789abcdef0123.json",
           {"task": "seqrec", "dataset": CATEGORY, "encoder": "org/model[dimensions=256]", "key": "0123456789abcdef0123",
            "test": {"ndcg@10": 0.5}})
    # Numbers imported by hand, without the fields: named by their folders and file name.
    _write(results / "cf" / "Gift_Cards" / "paper.blair-base.json", {"test": {"recall@10": 0.25}})
    # Neither is a JSON object: left out, not a failed refresh.
    _write(results / "search" / "esci" / "broken.json", b'{"test": ')
    _write(results / "search" / "esci" / "latin1.json", b'{"encoder": "caf\xe9"}')
    _write(results / "search" / "esci" / "list.json", b"[1, 2]")
    listed = "SELECT task, dataset, encoder, result->>'$.test' AS test FROM results ORDER BY task"
    refresh(root, "tables")
    assert query(root, listed).to_dict("records") == [
        {"task": "cf", "dataset": "Gift_Cards", "encoder": "paper.blair-base", "test": '{"recall@10":0.25}'},
        {"task": "seqrec", "dataset": CATEGORY, "encoder": "org/model[dimensions=256]", "test": '{"ndcg@10":0.5}'}]
    # Tables: a new result shows after the next refresh, not before.
    _write(results / "search" / "esci" / "minilm--aaaaaaaaaaaa.json",
           {"task": "search", "dataset": "esci", "encoder": "minilm", "test": {"ndcg@10": 0.1}})
    assert len(query(root, listed)) == 2
    refresh(root, "tables")
    assert list(query(root, listed)["encoder"]) == ["paper.blair-base", "minilm", "org/model[dimensions=256]"]
    # Views: read when queried.
    refresh(root, "views")
    _write(results / "search" / "esci" / "random--bbbbbbbbbbbb.json",
           {"task": "search", "dataset": "esci", "encoder": "random", "test": {}})
    assert sorted(query(root, listed)["encoder"]) == ["minilm", "org/model[dimensions=256]", "paper.blair-base",
                                                      "random"]


def test_a_bad_storage_setting_fails_in_one_line_and_keeps_the_catalog(lake, tmp_path):
    from warehouse.settings import WAREHOUSE_STORAGE_ENV

    root = _copy(lake, tmp_path / "root")
    before = (root / "warehouse.duckdb").read_bytes()
    done = subprocess.run([sys.executable, "-m", "warehouse", "catalog", "--root", str(root)], cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO), WAREHOUSE_STORAGE_ENV: "parquet"},
                          capture_output=True, text=True, timeout=120)
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0 and len(lines) == 1 and lines[0].startswith("error:"), done.stderr
    assert WAREHOUSE_STORAGE_ENV in lines[0]
    assert (root / "warehouse.duckdb").read_bytes() == before
