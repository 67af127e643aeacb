"""Amazon-C4: a written queries file (CSV and JSON lines) and item pool file in the published format."""
from __future__ import annotations

import csv
import json
import random
from collections import Counter

import pytest

from warehouse.settings import SAME_CATEGORY_NEGATIVES
from warehouse.loaders.amazon_c4 import load_amazon_c4
from warehouse.tasks import read_task

CATEGORIES = {"Video_Games": 140, "Baby_Products": 90, "Gift_Cards": 20}


def write_c4(folder, rng, as_csv=True):
    folder.mkdir(parents=True, exist_ok=True)
    pool = []
    for category, count in CATEGORIES.items():
        for n in range(count):
            pool.append({"item_id": f"B0{category[:2].upper()}{n:06d}", "category": category,
                         "metadata": f"Title: {category} item {n} &amp; more\n<br>Features: sturdy"})
    rng.shuffle(pool)
    lines = [json.dumps(record) for record in pool] + ["{truncated", json.dumps({"item_id": "B0X", "category": "x"})]
    (folder / "sampled_item_metadata_1M.jsonl").write_text("\n".join(lines) + "\n")
    queries = []
    for qid in range(30):
        item = rng.choice(pool)
        queries.append({"qid": qid, "query": f"I need something for my kid, query {qid}, budget $20",
                        "item_id": item["item_id"], "user_id": f"AUSER{qid}", "ori_rating": 5.0,
                        "ori_review": "Great, my son loves it"})
    queries.append({**queries[0], "qid": 99, "item_id": "B0NOTINPOOL"})
    queries.append({**queries[1], "qid": 100, "query": ""})
    if as_csv:
        with open(folder / "test.csv", "w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=list(queries[0]))
            writer.writeheader()
            writer.writerows(queries)
    else:
        (folder / "test.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries))
    return queries, {record["item_id"]: record["category"] for record in pool}


@pytest.mark.parametrize("as_csv", [True, False])
def test_amazon_c4_pool_and_qrels(tmp_path, as_csv):
    queries, category_of = write_c4(tmp_path / "c4", random.Random(4), as_csv)
    frames = load_amazon_c4(tmp_path / "c4", root=tmp_path / "data")
    good = [q for q in queries if q["query"] and q["item_id"] in category_of]
    assert frames["queries"]["query_id"].tolist() == [str(q["qid"]) for q in good]
    assert list(zip(frames["qrels"].query_id, frames["qrels"].item_id)) == [(str(q["qid"]), q["item_id"]) for q in good]
    assert Counter(frames["quarantine"]["reason"]) == {
        "invalid JSON": 1, "missing item_id or metadata": 1, "missing qid, query or item_id": 1,
        "ground-truth item not in the item pool file": 1}

    pool = set(frames["items"]["item_id"])
    truth = {q["item_id"] for q in good}
    assert truth <= pool
    per_category = Counter(category_of[q["item_id"]] for q in good)
    assert {category_of[i] for i in pool} == set(per_category)          # only the truth's categories
    for category, pairs in per_category.items():
        have = sum(1 for i in pool if category_of[i] == category)
        size = CATEGORIES[category]
        # at least one pair's 50 draws, at most every pair's 50 draws plus the truth
        assert min(size, SAME_CATEGORY_NEGATIVES) <= have <= min(size, pairs * (SAME_CATEGORY_NEGATIVES + 1))
    row = frames["items"].iloc[0]
    assert row["title"] == row["text_full"] and row["title"].endswith("& more Features: sturdy")
    back = read_task(tmp_path / "data", "search", "amazon_c4")
    assert back["items"]["item_id"].tolist() == sorted(pool)
    assert back["qrels"].equals(frames["qrels"])


def test_amazon_c4_pool_is_seeded(tmp_path):
    write_c4(tmp_path / "a", random.Random(4))
    first = load_amazon_c4(tmp_path / "a")["items"]["item_id"].tolist()
    assert load_amazon_c4(tmp_path / "a")["items"]["item_id"].tolist() == first
    other = load_amazon_c4(tmp_path / "a", seed=1)["items"]["item_id"].tolist()
    assert other != first
