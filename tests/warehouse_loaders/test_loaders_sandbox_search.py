"""The sandbox's product-search truth: a written truth folder in the generator's format."""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from warehouse.loaders.sandbox_search import load_sandbox_search
from warehouse.tasks import read_task


def meta_record(asin, category, n):
    return {"main_category": category.replace("_", " "), "title": f"<b>{category}</b> thing {n} &amp; co",
            "average_rating": 4.5, "rating_number": 3, "features": ["Sturdy", "Blue"],
            "description": ["<p>Made well.</p>"], "price": None, "images": [], "videos": [], "store": "Acme",
            "categories": [category, "Sub"], "details": {}, "parent_asin": asin, "bought_together": None}


def write_truth(folder):
    truth = folder / "truth"
    truth.mkdir(parents=True)
    catalog = {"Video_Games": [f"BV{n:04d}" for n in range(30)], "All_Beauty": [f"BA{n:04d}" for n in range(20)],
               "Gift_Cards": [f"BG{n:04d}" for n in range(10)]}   # no query uses Gift_Cards
    for category, asins in catalog.items():
        lines = [json.dumps(meta_record(a, category, n)) for n, a in enumerate(asins)] + ['{"title": "no id"}']
        (truth / f"meta_{category}.jsonl").write_text("\n".join(lines) + "\n")
    queries = [
        {"query_id": "q1", "query": "a blue game", "category": "Video_Games", "relevant": ["BV0001", "BV0002"]},
        {"query_id": "q2", "query": "soft lotion", "category": "All_Beauty", "relevant": ["BA0003", "BX9999"]},
        {"query_id": "q3", "query": "escape", "category": "../etc", "relevant": ["BV0001"]},
        {"query_id": "q4", "query": "", "category": "Video_Games", "relevant": ["BV0001"]},
    ]
    (truth / "search_queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries) + "not json\n")
    return catalog


def test_sandbox_search_pool_is_the_query_categories(tmp_path):
    catalog = write_truth(tmp_path / "sandbox")
    frames = load_sandbox_search(tmp_path / "sandbox", root=tmp_path / "data")
    assert frames["queries"]["query_id"].tolist() == ["q1", "q2"]
    assert list(zip(frames["qrels"].query_id, frames["qrels"].item_id)) == [
        ("q1", "BV0001"), ("q1", "BV0002"), ("q2", "BA0003")]
    assert frames["items"]["item_id"].tolist() == sorted(catalog["Video_Games"] + catalog["All_Beauty"])
    assert Counter(frames["quarantine"]["reason"]) == {
        "category is not a safe name": 1, "missing query_id, query or relevant items": 1, "invalid JSON": 1,
        "metadata without parent_asin": 2, "relevant item not in the truth metadata": 1}
    row = frames["items"].set_index("item_id").loc["BV0001"]
    assert row["title"] == "Video_Games thing 1 & co"
    assert row["text_full"] == "Video_Games thing 1 & co. Sturdy, Blue. Video_Games, Sub. Made well."
    back = read_task(tmp_path / "data", "search", "sandbox")
    assert back["items"].equals(frames["items"]) and back["qrels"].equals(frames["qrels"])


def test_sandbox_search_on_generator_output(tmp_path):
    """The real generator's truth (tiny profile): every query kept, the pool = its categories' items."""
    repo = Path(__file__).resolve().parents[2]
    out = tmp_path / "sandbox"
    subprocess.run([sys.executable, "-m", "sandbox", "generate", "--profile", "tiny", "--seed", "1",
                    "--out", str(out)], cwd=repo, check=True, capture_output=True, timeout=120)
    truth = out / "truth"
    queries = [json.loads(line) for line in (truth / "search_queries.jsonl").read_text().splitlines()]
    categories = {q["category"] for q in queries}
    metas = [json.loads(line) for c in sorted(categories)
             for line in (truth / f"meta_{c}.jsonl").read_text().splitlines()]
    frames = load_sandbox_search(out, root=tmp_path / "data")
    assert frames["quarantine"].empty
    assert frames["queries"]["query"].tolist() == [q["query"] for q in queries]
    assert sorted(zip(frames["qrels"].query_id, frames["qrels"].item_id)) == sorted(
        (q["query_id"], item) for q in queries for item in q["relevant"])
    assert frames["items"]["item_id"].tolist() == sorted({m["parent_asin"] for m in metas})
    titles = dict(zip(frames["items"].item_id, frames["items"].title))
    assert all(titles[m["parent_asin"]] == " ".join(m["title"].split()) for m in metas if "<" not in m["title"])
    assert read_task(tmp_path / "data", "search", "sandbox")["qrels"].equals(frames["qrels"])
