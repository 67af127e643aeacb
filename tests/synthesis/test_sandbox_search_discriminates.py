"""The sandbox's short-query set tells encoders apart: not saturated, yet far above random (default profile)."""
from __future__ import annotations

from collections import Counter

import pytest

from benchmark.runner import run_one
from sandbox.generate import generate_marketplace
from sandbox.output import write_truth
from sandbox.profiles import PROFILES
from warehouse.loaders.sandbox_search import load_sandbox_search


@pytest.mark.slow
@pytest.mark.model
def test_default_sandbox_search_is_not_saturated(tmp_path):
    market = generate_marketplace(PROFILES["default"], 0)  # the demo's sandbox
    write_truth(market, tmp_path / "sandbox" / "truth")
    frames = load_sandbox_search(tmp_path / "sandbox")
    kinds = Counter(q["kind"] for q in market.queries)
    assert kinds["paraphrase"] >= 60 and kinds["keywords"] >= 40  # both kinds well represented
    score = {name: run_one(name, "search", ("sandbox", frames), tmp_path / "data", progress=False)["test"]["ndcg@100"]
             for name in ("bm25", "random", "minilm")}
    assert score["bm25"] < 0.9
    assert score["random"] < 0.05
    assert 3 * score["random"] < 0.5 < score["minilm"] < 0.8
