"""One tiny generated marketplace (seed 7) shared by the sandbox tests, and its ground truth read back."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.output import generate

SEED = 7


@pytest.fixture(scope="session")
def tiny_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sandbox_tiny")
    generate(out, "tiny", SEED)
    return out


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@pytest.fixture(scope="session")
def truth(tiny_site) -> dict:
    """Truth reviews (all files), meta by parent_asin, users and queries."""
    folder = tiny_site / "truth"
    reviews = {p.stem: read_jsonl(p) for p in folder.glob("*.jsonl")
               if not p.name.startswith("meta_") and p.name != "search_queries.jsonl"}
    meta = {p.stem.removeprefix("meta_"): read_jsonl(p) for p in folder.glob("meta_*.jsonl")}
    return {"reviews": reviews, "meta": meta,
            "users": (folder / "users.txt").read_text().split(),
            "queries": read_jsonl(folder / "search_queries.jsonl")}
