"""The DuckDB warehouse over the built lake: example queries, the CLI, read-only readers, checks."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from lake_data import CATEGORY

pytestmark = pytest.mark.spark
EXAMPLES = Path(__file__).resolve().parents[2] / "warehouse" / "EXAMPLES.md"


def _examples() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", EXAMPLES.read_text(), re.S)


def test_every_example_query_runs(lake):
    from warehouse.catalog import query

    examples = _examples()
    assert len(examples) >= 5
    for sql in examples:
        frame = query(lake, sql)
        if "FROM results" not in sql:
            assert len(frame) > 0, sql


def test_results_view_reads_result_files(lake, tmp_path):
    from warehouse.catalog import query, refresh

    assert len(query(lake, "SELECT * FROM results")) == 0  # no results yet: an empty view, not an error
    target = lake / "results" / "seqrec" / CATEGORY / "tiny-encoder.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps({"ndcg@10": 0.25}))
    try:
        refresh(lake)
        got = query(lake, "SELECT task, dataset, encoder, result->>'$.\"ndcg@10\"' AS ndcg FROM results")
        assert got.to_dict("records") == [{"task": "seqrec", "dataset": CATEGORY, "encoder": "tiny-encoder",
                                           "ndcg": "0.25"}]
    finally:
        target.unlink()
        refresh(lake)


def test_readers_are_read_only(lake):
    from warehouse.catalog import connect

    con = connect(lake)
    try:
        with pytest.raises(duckdb.Error):
            con.execute("CREATE TABLE x AS SELECT 1")
        assert con.execute("SELECT count(*) FROM reviews").fetchone()[0] > 0
    finally:
        con.close()


def test_cli_query_and_stats(lake):
    run = subprocess.run([sys.executable, "-m", "warehouse", "query", "--root", str(lake),
                          f"SELECT count(*) AS n FROM reviews WHERE category = '{CATEGORY}'"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    from warehouse.catalog import query

    n = query(lake, f"SELECT count(*) AS n FROM reviews WHERE category = '{CATEGORY}'")["n"][0]
    assert run.stdout.split() == ["n", str(n)]
    stats = subprocess.run([sys.executable, "-m", "warehouse", "stats", "--root", str(lake)],
                           capture_output=True, text=True, timeout=120)
    assert stats.returncode == 0 and "ALL" in stats.stdout and CATEGORY in stats.stdout


def test_checks_pass_on_the_lake_and_catch_a_broken_core(lake, lake_sources, tmp_path):
    from warehouse import checks

    for category in lake_sources:
        assert checks.no_duplicate_pairs(lake, category)[0]
        assert checks.silver_schema(lake, category, "review")[0]
        assert checks.silver_schema(lake, category, "meta")[0]
        assert checks.timestamps_in_range(lake, category)[0]
        ok, meta = checks.split_boundaries(lake, category)
        assert ok, meta
        assert checks.k_core_invariant(lake, category)[0]
    # A copy of the 0-core passed off as the 5-core breaks the invariant.
    import shutil

    from warehouse import layout

    broken = tmp_path / "broken"
    src = layout.partition(layout.benchmark(lake, 0, "rating_only"), CATEGORY)
    shutil.copytree(src, layout.partition(layout.benchmark(broken, 5, "rating_only"), CATEGORY))
    ok, meta = checks.k_core_invariant(broken, CATEGORY)
    assert not ok and meta["5core"]["min_user_count"] < 5
