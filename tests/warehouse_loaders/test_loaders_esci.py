"""ESCI: the real OpenSearch judgment export (150 US queries) and written original parquet files."""
from __future__ import annotations

import json
import random
from collections import Counter

import pandas as pd
import pytest

from parsing.quarantine import Quarantine
from warehouse.loaders.esci import load_esci, read_products
from warehouse.settings import SAME_CATEGORY_NEGATIVES
from warehouse.tasks import read_task


@pytest.fixture(scope="module")
def esci(shared_fixtures):
    return shared_fixtures / "esci_judgments_opensearch"


def test_esci_opensearch_export(esci, tmp_path):
    document = json.loads((esci / "esci_us_judgments.json").read_text())["judgmentRatings"]
    frames = load_esci(esci, root=tmp_path)
    assert frames["queries"]["query"].tolist() == [entry["query"] for entry in document]
    exact = {(str(n), r["docId"]) for n, e in enumerate(document) for r in e["ratings"] if float(r["rating"]) == 100}
    assert set(zip(frames["qrels"].query_id, frames["qrels"].item_id)) == exact
    assert len(frames["qrels"]) == len(exact) and (frames["qrels"]["relevance"] > 0).all()
    judged = {r["docId"] for e in document for r in e["ratings"]}
    # no product file and no categories: every draw comes from the judged items, already in the pool
    assert set(frames["items"]["item_id"]) == judged
    back = read_task(tmp_path, "search", "esci")
    assert back["qrels"].equals(frames["qrels"]) and back["queries"].equals(frames["queries"])
    assert back["items"]["item_id"].is_monotonic_increasing


def write_original(folder, examples, products):
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(examples).to_parquet(folder / "shopping_queries_dataset_examples.parquet")
    pd.DataFrame(products).to_parquet(folder / "shopping_queries_dataset_products.parquet")


def original_files(rng):
    categories = {"toys": 80, "tools": 30, "books": 120}      # tools has fewer than 50 others
    products, by_category = [], {}
    for category, count in categories.items():
        for n in range(count):
            pid = f"B{category[:3].upper()}{n:05d}"
            by_category.setdefault(category, []).append(pid)
            products.append({"product_id": pid, "product_title": f"{category} thing &amp; {n}",
                             "product_description": "<p>Nice</p>", "product_bullet_point": "Strong",
                             "product_brand": "Acme", "product_color": "red", "product_locale": "us",
                             "category": category})
    products.append({**products[0], "product_id": "BES0001", "product_locale": "es"})
    products.append({**products[1], "product_title": "a second record of one product"})
    products[2].update(product_brand=None, product_color=None)           # nulls, as in the release
    examples, example_id = [], 0
    for qid in range(12):
        category = list(categories)[qid % 3]
        for pid in rng.sample(by_category[category], 6):
            examples.append({"example_id": example_id, "query": f"query {qid}", "query_id": qid,
                             "product_id": pid, "product_locale": "us", "esci_label": rng.choice("EESCI"),
                             "small_version": int(qid < 10), "large_version": 1, "split": "test"})
            example_id += 1
    examples.append({**examples[0], "example_id": example_id, "product_locale": "es", "product_id": "BES0001"})
    examples.append({**examples[1], "example_id": example_id + 1, "esci_label": "X"})
    return examples, products, by_category


def test_esci_original_files_filters_and_same_category_pool(tmp_path):
    examples, products, by_category = original_files(random.Random(11))
    write_original(tmp_path / "esci", examples, products)
    frames = load_esci(tmp_path / "esci")
    category_of = {p["product_id"]: p["category"] for p in products}

    kept = [e for e in examples if e["product_locale"] == "us" and e["small_version"] == 1 and e["esci_label"] in "ESCI"]
    has_exact = {e["query_id"] for e in kept if e["esci_label"] == "E"}
    assert frames["queries"]["query_id"].tolist() == [str(q) for q in sorted(has_exact)]
    exact = {(str(e["query_id"]), e["product_id"]) for e in kept if e["esci_label"] == "E"}
    assert set(zip(frames["qrels"].query_id, frames["qrels"].item_id)) == exact
    assert Counter(frames["quarantine"]["reason"]) == {"unknown esci_label or empty query/product": 1,
                                                       "duplicate product_id": 1}

    pool = set(frames["items"]["item_id"])
    judged = {e["product_id"] for e in kept if e["query_id"] in has_exact}
    added = pool - judged
    assert judged <= pool and "BES0001" not in pool
    gt_categories = {category_of[i] for _, i in exact}
    assert {category_of[i] for i in added} <= gt_categories
    assert len(added) <= SAME_CATEGORY_NEGATIVES * len(exact)
    for category in gt_categories:                      # every category gets at least its 50 draws
        assert len({i for i in pool if category_of[i] == category}) >= min(
            SAME_CATEGORY_NEGATIVES, len(by_category[category]))
    if "tools" in gt_categories:                        # a small category is taken whole
        assert set(by_category["tools"]) <= pool
    pid = sorted(exact)[0][1]
    text = frames["items"].set_index("item_id").loc[pid]
    assert text["title"] == f"{category_of[pid]} thing & {int(pid[4:])}"
    assert text["text_full"] == f"{text['title']}. Acme. red. Strong. Nice"
    texts, categories = read_products(tmp_path / "esci" / "shopping_queries_dataset_products.parquet", Quarantine())
    assert texts.set_index("item_id").loc[products[2]["product_id"], "text_full"] == "toys thing & 2. Strong. Nice"
    assert categories[products[2]["product_id"]] == "toys" and "BES0001" not in categories

    # the pool does not depend on the row order of the source files
    shuffled = examples[:]
    random.Random(2).shuffle(shuffled)
    write_original(tmp_path / "again", shuffled, products[::-1])
    again = load_esci(tmp_path / "again")
    assert again["items"]["item_id"].tolist() == frames["items"]["item_id"].tolist()
