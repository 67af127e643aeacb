"""The offline back end end to end: SmolLM2-135M-Instruct rephrases a handful of lake reviews."""
from __future__ import annotations

import csv
import json

import pytest

from benchmark.synthesis.cache import AnswerCache
from benchmark.synthesis.filters import REASONS
from benchmark.synthesis.llm import LocalSettings, SmolLM2
from benchmark.synthesis.recipe import synthesize_queries, write_pool
from warehouse.loaders.amazon_c4 import load_amazon_c4

CATEGORIES = ["All_Beauty", "Sports_and_Outdoors"]


@pytest.mark.slow
@pytest.mark.model
def test_smollm2_synthesis_end_to_end(lake, tmp_path):
    root, _ = lake
    out = tmp_path / "c4"
    llm = SmolLM2(LocalSettings(max_new_tokens=48, batch_size=4), device="cpu")
    sidecar = synthesize_queries(root, CATEGORIES, 4, llm, out)
    assert sidecar["model"] == "smollm2" and sidecar["offline"] and "SmolLM2" in sidecar["quality_note"]
    assert sidecar["settings"]["max_new_tokens"] == 48 and sidecar["asked_this_run"] == 4
    assert sidecar["tokens"]["completion"] > 0  # the model generated text
    rows = list(csv.DictReader(open(out / "test.csv", encoding="utf-8")))
    dropped = list(csv.DictReader(open(out / "quarantine.csv", encoding="utf-8")))
    assert len(rows) + len(dropped) == 4 and all(r["reason"] in REASONS for r in dropped)
    assert all(r["query"].strip() for r in rows)
    cache = AnswerCache(out / "answers.sqlite")
    texts = [row[0] for row in cache._db.execute("SELECT text FROM answers")]
    cache.close()
    assert len(texts) == 4 and all(t.startswith("I'm looking for") and len(t) > len("I'm looking for") + 5 for t in texts)
    # A re-run asks the model nothing; the output loads through the Amazon-C4 loader.
    again = synthesize_queries(root, CATEGORIES, 4, llm, out)
    assert again["asked_this_run"] == 0 and again["n_kept"] == sidecar["n_kept"]
    assert write_pool(root, CATEGORIES, out) == 8
    frames = load_amazon_c4(out)
    assert len(frames["queries"]) == len(rows)
    print(json.dumps(texts, indent=1))
