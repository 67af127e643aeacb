"""Bad command lines of `python -m warehouse` and `python -m warehouse.loaders`: one stderr line,
a non-zero exit, never a traceback, never a silent success; and the writer lock names its holder.
No Spark: every case is refused before a build would start."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run(module: str, *args, cwd=REPO):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("BLAIR_DEBUG", None)
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("inputs")
    good = json.dumps({"rating": 5.0, "title": "t", "text": "x", "images": [], "asin": "A", "parent_asin": "A",
                       "user_id": "U", "timestamp": 1600000000000, "helpful_vote": 0, "verified_purchase": True})
    out = {"empty": d / "Toys_and_Games.jsonl", "other": d / "Gift_Cards.jsonl",
           "truncated": d / "All_Beauty.jsonl.gz", "fake_gz": d / "Baby_Products.jsonl.gz",
           "latin1": d / "Software.jsonl", "meta": d / "meta_Toys_and_Games.jsonl", "dir": d / "a_folder",
           "empty_dir": d / "no_categories", "fake_root": d / "built", "plain_file": d / "not_a_folder"}
    out["empty"].write_text("")
    out["other"].write_text("\n".join(json.dumps({"movie": i, "stars": 3}) for i in range(5)) + "\n")
    whole = gzip.compress(("\n".join([good] * 2000) + "\n").encode())
    out["truncated"].write_bytes(whole[: len(whole) // 2])
    out["fake_gz"].write_text(good + "\n")
    out["latin1"].write_bytes(good.replace('"x"', '"caf\u00e9"').encode("latin-1") + b"\n")
    out["meta"].write_text("{}\n")
    out["dir"].mkdir()
    out["empty_dir"].mkdir()
    (out["fake_root"] / "silver").mkdir(parents=True)  # a root with an (empty) lake: query works on it
    out["plain_file"].write_text("x")
    return out


MISSING = "/nonexistent/blair-root"


def cases(f: dict[str, Path], tmp: Path) -> list[tuple]:
    root = tmp / "root"
    built = f["fake_root"]
    return [
        ("warehouse", "query", "--root", MISSING, "SELECT 1"),
        ("warehouse", "query", "--root", f["empty_dir"], "SELECT 1"),  # a mistyped root: no lake in it
        ("warehouse", "stats", "--root", MISSING),
        ("warehouse", "stats", "--root", f["empty_dir"]),
        ("warehouse", "catalog", "--root", f["empty_dir"]),
        ("warehouse", "export", "--root", MISSING, "--out", tmp / "out"),
        ("warehouse", "export", "--root", built, "--out", tmp / "out"),  # nothing to export
        ("warehouse", "export", "--root", built, "--out", tmp / "out", "--categories", "Toys_and_Games"),
        ("warehouse", "export", "--root", built),  # --out missing
        ("warehouse", "query", "--root", built, "SELEC 1"),
        ("warehouse", "query", "--root", built, "SELECT * FROM no_such_view"),
        ("warehouse", "query", "--root", built, ""),
        ("warehouse", "query", "--root", built, "SELECT 1; SELECT 2"),
        ("warehouse", "query", "--root", built, "DROP VIEW reviews"),
        ("warehouse", "query", "--root", built),  # no SQL
        ("warehouse", "build", "--root", root, "--reviews", tmp / "missing.jsonl"),
        ("warehouse", "build", "--root", root, "--reviews", f["empty"]),
        ("warehouse", "build", "--root", root, "--reviews", f["dir"]),
        ("warehouse", "build", "--root", root, "--reviews", f["truncated"]),
        ("warehouse", "build", "--root", root, "--reviews", f["fake_gz"]),
        ("warehouse", "build", "--root", root, "--reviews", f["other"]),  # JSONL of another schema
        ("warehouse", "build", "--root", root, "--reviews", f["latin1"]),
        ("warehouse", "build", "--root", root, "--meta", f["meta"]),  # --meta without --reviews
        ("warehouse", "build", "--root", root, "--bronze", MISSING),
        ("warehouse", "build", "--root", root, "--bronze", f["empty_dir"]),
        ("warehouse", "build", "--root", root),  # no bronze at the default place
        ("warehouse", "build", "--root", f["plain_file"], "--bronze", f["empty_dir"]),
        ("warehouse", "build", "--root", root, "--bronze", f["empty_dir"], "--keep-versions", "0"),
        ("warehouse", "build", "--root", root, "--bronze", f["empty_dir"], "--categories", "../etc"),
        ("warehouse", "frobnicate"),
        ("warehouse",),
        ("warehouse.loaders", "no_such_loader", f["dir"], "--root", root),
        ("warehouse.loaders", "movielens", MISSING, "--root", root),
        ("warehouse.loaders", "movielens", f["empty_dir"], "--root", root),  # no ratings.dat in it
        ("warehouse.loaders", "recbole", f["empty"], "--root", root),
        ("warehouse.loaders", "yelp", f["dir"], "--root", root, "--set", "colour=red"),
        ("warehouse.loaders", "esci", f["dir"], "--root", root, "--set", "no_equals_sign"),
        ("warehouse.loaders", "amazon_c4", f["other"], "--root", root),
        ("warehouse.loaders", "movielens", f["dir"]),  # --root missing
    ]


def test_bad_command_lines_give_one_line_errors(files, tmp_path):
    table = cases(files, tmp_path)
    assert len(table) >= 20
    failures = []
    with ThreadPoolExecutor(max_workers=4) as pool:  # each case is a fresh interpreter: overlap them
        runs = list(pool.map(lambda case: run(*case), table))
    for (module, *args), done in zip(table, runs):
        lines = done.stderr.strip().splitlines()
        if done.returncode == 0 or len(lines) != 1 or "Traceback" in done.stderr or not lines[0].startswith(
                ("error:", "python -m")):
            failures.append((module, args, done.returncode, done.stderr[-500:]))
    assert not failures, failures
    # A mistyped root never gets a catalog, and a refused build leaves no lake behind.
    assert not (files["empty_dir"] / "warehouse.duckdb").exists()
    assert not (tmp_path / "root" / "lake").exists() and not (tmp_path / "out").exists()


def test_the_writer_lock_names_its_holder_and_a_dead_holder_is_taken_over(files, tmp_path):
    from warehouse.lock import lock_path, writer_lock

    root = tmp_path / "root"
    (root / "silver").mkdir(parents=True)
    with writer_lock(root, "test holder"):
        busy = run("warehouse", "catalog", "--root", root)
    assert busy.returncode != 0 and len(busy.stderr.strip().splitlines()) == 1
    assert f"pid {os.getpid()}" in busy.stderr and "test holder" in busy.stderr, busy.stderr
    assert not (root / "warehouse.duckdb").exists()
    # The lock file of a writer that died (a pid that is not running): the next writer takes it over.
    lock_path(root).write_text(json.dumps({"pid": 2 ** 22 + 12345, "host": "gone", "started": "then"}))
    done = run("warehouse", "catalog", "--root", root)
    assert done.returncode == 0, done.stderr
    assert (root / "warehouse.duckdb").is_file()
    assert json.loads(lock_path(root).read_text())["pid"] != 2 ** 22 + 12345
