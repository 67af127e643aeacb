"""Bad command lines of `python -m benchmark`: one `error:` line on stderr, non-zero exit, no traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from synthesis_lake import write_lake
from warehouse.tasks import write_task

REPO = Path(__file__).resolve().parents[2]
SEARCH = ["--task", "search", "--out", "{out}"]
SYNTH = ["synthesize-queries", "--root", "{lake}", "--categories", "All_Beauty", "--out", "{out}/c4"]
BAD = {  # name: (arguments, a word the error line must contain)
    "no command": ([], "command"),
    "unknown command": (["frobnicate"], "frobnicate"),
    "no encoder": (["run", "--dataset", "x", *SEARCH], "--encoder"),
    "unknown encoder": (["run", "--encoder", "nosuch", "--dataset", "tiny", "--root", "{data}", *SEARCH], "nosuch"),
    "encoder and baseline": (["run", "--encoder", "random", "--baseline", "bm25", "--dataset", "x", *SEARCH], "not both"),
    "unknown task": (["run", "--encoder", "random", "--task", "ranking", "--dataset", "x", "--out", "{out}"], "ranking"),
    "missing dataset path": (["run", "--encoder", "random", "--dataset", "{out}/no/such/folder", *SEARCH], "no/such"),
    "unknown loader": (["run", "--encoder", "random", "--dataset", "noloader:x", *SEARCH], "noloader"),
    "loader source missing": (["run", "--baseline", "bm25", "--dataset", "amazon_c4:{out}/nothing", *SEARCH], "nothing"),
    "baseline for another task": (["run", "--baseline", "bm25", "--task", "cf", "--dataset", "x", "--out", "{out}"], "search"),
    "epochs on search": (["run", "--encoder", "random", "--dataset", "x", "--max-epochs", "3", *SEARCH], "--max-epochs"),
    "zero epochs": (["run", "--encoder", "random", "--task", "cf", "--dataset", "x", "--out", "{out}", "--max-epochs", "0"], "0"),
    "bad lr": (["run", "--encoder", "random", "--task", "cf", "--dataset", "x", "--out", "{out}", "--lr", "fast"], "fast"),
    "negative width": (["run", "--encoder", "random", "--task", "cf", "--dataset", "x", "--out", "{out}", "--width", "-3"], "-3"),
    "report of a missing folder": (["report", "--results", "{out}/none"], "none"),
    "report of an empty folder": (["report", "--results", "{out}"], "no result files"),
    "synth: n is zero": ([*SYNTH, "--n", "0"], "at least 1"),
    "synth: n is not a number": ([*SYNTH, "--n", "many"], "many"),
    "synth: missing root": (["synthesize-queries", "--root", "{out}/nolake", "--categories", "All_Beauty", "--n", "2",
                             "--out", "{out}/c4"], "nolake"),
    "synth: unsafe category": ([*SYNTH[:4], "../etc", *SYNTH[5:], "--n", "2"], "../etc"),
    "synth: category not in the lake": ([*SYNTH[:4], "Video_Games", *SYNTH[5:], "--n", "2"], "Video_Games"),
    "synth: unknown llm": ([*SYNTH, "--n", "2", "--llm", "gpt"], "gpt"),
    "synth: no eligible review": ([*SYNTH, "--n", "2", "--period", "train"], "train"),
}


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("cli")
    write_lake(base / "lake")
    (base / "out").mkdir()
    write_task(base / "data", "search", "tiny", {
        "items": pd.DataFrame({"item_id": ["A", "B"], "title": ["red shoes", "blue hat"], "text_full": ["red shoes", "blue hat"]}),
        "queries": pd.DataFrame({"query_id": ["q1"], "query": ["shoes"]}),
        "qrels": pd.DataFrame({"query_id": ["q1"], "item_id": ["A"], "relevance": [1.0]})})
    return {"lake": str(base / "lake"), "out": str(base / "out"), "data": str(base / "data")}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_command_line(name, places):
    arguments, word = BAD[name]
    done = subprocess.run([sys.executable, "-m", "benchmark", *(a.format(**places) for a in arguments)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert word in lines[0]
