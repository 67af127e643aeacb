"""The synthesis CLI against a local chat-completions stub (127.0.0.1, port 0) with scripted answers."""
from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from synthesis_lake import PRODUCTS, review_text
from synthesis_stub import FIRST_FAILS, SCRIPT, Stub

REPO = Path(__file__).resolve().parents[2]
CATEGORIES = "All_Beauty,Sports_and_Outdoors"
SECRET = "sk-test-7f3a9c-never-log-me"
# The paper's prompt, typed here independently of benchmark.synthesis.prompt.
PAPER_PROMPT = ("Given a review from Amazon, can you rephrase it with a first-person tone as if you are the customer "
                "looking for a product? Give me the rephrased output without saying anything else. Note that the name "
                "of the product must not show in the output since you are looking for it. You should ignore irrelevant "
                "information that doesn't help with the rewriting.")


@pytest.fixture
def stub():
    server = Stub()
    yield server
    server.close()


def command(root: Path, out: Path, n: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "benchmark", "synthesize-queries", "--root", str(root), "--categories", CATEGORIES,
            "--n", str(n), "--llm", "api:stub-model", "--out", str(out), "--quiet", *extra]


def environment(url: str) -> dict:
    return {**os.environ, "BLAIR_LLM_URL": url, "BLAIR_LLM_KEY_ENV": "SYNTH_STUB_KEY", "SYNTH_STUB_KEY": SECRET}


def synthesize(stub: Stub, root: Path, out: Path, n: int, *extra: str) -> subprocess.CompletedProcess:
    done = subprocess.run(command(root, out, n, *extra), cwd=REPO, env=environment(stub.url),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def test_synthesis_against_stub(lake, stub, tmp_path):
    root, eligible = lake
    out = tmp_path / "c4"
    first = synthesize(stub, root, out, 4, "--concurrency", "2")
    asked_first = set(stub.answered())
    assert len(asked_first) == 4
    second = synthesize(stub, root, out, 10, "--concurrency", "3")
    # Growing N asks only for the new reviews; nothing is answered twice.
    assert sorted(stub.answered()) == list(range(10))
    assert json.loads((out / "synthesis.json").read_text())["asked_this_run"] == 6

    # The paper's prompt, verbatim, then the review; the key only in the Authorization header.
    for entry in stub.log:
        assert entry["content"] == PAPER_PROMPT + "\n\n" + review_text(entry["marker"])
        assert entry["path"] == "/v1/chat/completions" and entry["model"] == "stub-model"
        assert entry["auth"] == f"Bearer {SECRET}"
    # 429 (Retry-After: 1) and 500 were retried; the 429's retry waited as told.
    for marker, (status, _) in FIRST_FAILS.items():
        tries = [e for e in stub.log if e["marker"] == marker]
        assert [e["status"] for e in tries] == [status, 200]
    wait = [e["time"] for e in stub.log if e["marker"] == 4]
    assert wait[1] - wait[0] >= 0.9

    rows = list(csv.DictReader(open(out / "test.csv", encoding="utf-8")))
    assert list(rows[0]) == ["qid", "query", "item_id", "user_id", "ori_rating", "ori_review"]
    kept = {int(re.search(r"ZQ(\d+)", r["ori_review"]).group(1)): r for r in rows}
    assert set(kept) == {m for m, (_, reason) in SCRIPT.items() if reason is None}
    for marker, row in kept.items():
        assert (row["user_id"], row["item_id"]) == eligible[marker] and float(row["ori_rating"]) == 5.0
        assert row["query"] == SCRIPT[marker][0]
    marker_of = {f"{PRODUCTS[item][0]}/{user}/{item}": m for m, (user, item) in eligible.items()}
    quarantined = {marker_of[r["review_id"]]: r["reason"]
                   for r in csv.DictReader(open(out / "quarantine.csv", encoding="utf-8"))}
    assert quarantined == {m: reason for m, (_, reason) in SCRIPT.items() if reason is not None}
    sidecar = json.loads((out / "synthesis.json").read_text())
    assert sidecar["model"] == "api:stub-model" and sidecar["settings"]["temperature"] == 0.0
    assert sidecar["quarantine"] == {"refusal or meta-talk": 2, "copy of the review": 1, "names the product": 2,
                                     "empty or too short": 2}
    assert sidecar["tokens"] == {"prompt": sum(100 + m for m in range(10)), "completion": 200}

    # The key is never printed or stored.
    for text in (first.stdout, first.stderr, second.stdout, second.stderr):
        assert SECRET not in text
    for path in out.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path

    # The output loads through the Amazon-C4 loader and runs through the search task.
    from benchmark.runner import run_one
    from warehouse.loaders.amazon_c4 import load_amazon_c4

    frames = load_amazon_c4(out)
    assert len(frames["queries"]) == len(kept) and len(frames["quarantine"]) == 0
    assert set(frames["items"]["item_id"]) == set(PRODUCTS)  # ground truth + same-category negatives
    result = run_one("bm25", "search", f"amazon_c4:{out}", tmp_path / "data", progress=False)
    assert result["n_queries"] == len(kept) and 0.0 <= result["test"]["ndcg@100"] <= 1.0


def test_killed_run_resumes_without_asking_twice(lake, tmp_path):
    root, _ = lake
    out = tmp_path / "c4"
    stub = Stub(hang_on_request=5)
    try:
        process = subprocess.Popen(command(root, out, 10, "--concurrency", "1"), cwd=REPO, env=environment(stub.url),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert stub.hanging.wait(60), "the run never reached its fifth request"
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        stub.release.set()
        before = stub.answered()
        assert len(before) >= 3  # four asks answered (one maybe a 429/500 retried later), the fifth hung
        synthesize(stub, root, out, 10)
        after = stub.answered()
        assert sorted(after) == list(range(10))  # every review answered exactly once over both runs
        sidecar = json.loads((out / "synthesis.json").read_text())
        assert sidecar["asked_this_run"] == 10 - len(before) and sidecar["from_cache"] == len(before)
    finally:
        stub.close()
