"""ESCI (the real OpenSearch export) linked through a lake built here from 2023-format files:
item text and 2023 category by ASIN, same-category negatives; a pool without texts is refused."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark.datasets import UnknownDataset, resolve
from warehouse.settings import SAME_CATEGORY_NEGATIVES
from parsing.text import clean_item_text
from warehouse.loaders.esci import load_esci
from warehouse.settings import LakeSettings
from warehouse.tasks import read_task, task_dir

REPO = Path(__file__).resolve().parents[2]
QUERIES = 12          # the lake holds the products of the export's first 12 queries ...
LEFT_OUT_EVERY = 5    # ... but every 5th of them, which stays unlinked
LINKED = "Toys_and_Games"    # the category the ESCI products are filed under, with 70 other items
FILLERS = {LINKED: 70, "Electronics": 100}   # Electronics holds no ESCI product


def meta_record(asin: str, title: str, main_category: str) -> dict:
    """One metadata line in the official 2023 format (DESIGN §3)."""
    return {"main_category": main_category, "title": title, "average_rating": 4.2, "rating_number": 7,
            "features": ["sturdy"], "description": ["A product."], "price": None, "images": [], "videos": [],
            "store": "Acme", "categories": [main_category], "details": {}, "parent_asin": asin,
            "bought_together": None}


def review_record(asin: str, user: str, ts: int) -> dict:
    return {"rating": 5.0, "title": "good", "text": "works", "images": [], "asin": asin, "parent_asin": asin,
            "user_id": user, "timestamp": ts, "helpful_vote": 0, "verified_purchase": True}


def write_release(folder: Path, judgments: list[dict]) -> dict:
    """2023-format meta and review files for two categories; returns {asin: (category, title)}."""
    folder.mkdir(parents=True, exist_ok=True)
    lake_items: dict[str, tuple[str, str]] = {}
    position = 0
    for entry in judgments[:QUERIES]:
        for rating in entry["ratings"]:
            asin = rating["docId"]
            if asin in lake_items:
                continue
            position += 1
            if position % LEFT_OUT_EVERY:
                lake_items[asin] = (LINKED, f"{entry['query']} &amp; <b>{asin}</b>")
    for category, count in FILLERS.items():
        for n in range(count):
            lake_items[f"BFILL{category[:2].upper()}{n:04d}"] = (category, f"{category} filler {n}")
    files = {"meta": [], "reviews": []}
    for category in FILLERS:
        asins = sorted(a for a, (c, _) in lake_items.items() if c == category)
        meta, reviews = folder / f"meta_{category}.jsonl", folder / f"{category}.jsonl"
        meta.write_text("".join(json.dumps(meta_record(a, lake_items[a][1], category.replace("_", " "))) + "\n"
                                for a in asins))
        reviews.write_text("".join(json.dumps(review_record(a, f"U{n % 4}", 1_600_000_000_000 + n)) + "\n"
                                   for n, a in enumerate(asins[:12])))
        files["meta"].append(meta)
        files["reviews"].append(reviews)
    return {"items": lake_items, **files}


@pytest.fixture(scope="module")
def export(shared_fixtures) -> Path:
    return shared_fixtures / "esci_judgments_opensearch"


@pytest.fixture(scope="module")
def lake(tmp_path_factory, spark, export):
    """A lake built by the real import and build path from the written 2023-format files."""
    from warehouse.build import build

    judgments = json.loads((export / "esci_us_judgments.json").read_text())["judgmentRatings"]
    root = tmp_path_factory.mktemp("esci_lake")
    release = write_release(root.parent / f"{root.name}_release", judgments)
    build(root, spark, reviews=release["reviews"], meta=release["meta"], settings=LakeSettings(cores=(0,)))
    return {"root": root, "items": release["items"], "judgments": judgments}


@pytest.mark.slow
def test_esci_linked_through_the_lake(lake, export, tmp_path):
    items, judgments = lake["items"], lake["judgments"]
    done = subprocess.run([sys.executable, "-m", "warehouse.loaders", "esci", str(export), "--root", str(tmp_path),
                           "--lake-root", str(lake["root"])], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "'queries after t2' not applied: ESCI queries carry no timestamps" in done.stderr
    frames = read_task(tmp_path, "search", "esci")

    exact = {(str(n), r["docId"]) for n, e in enumerate(judgments) for r in e["ratings"] if float(r["rating"]) == 100}
    linked_exact = {(q, i) for q, i in exact if i in items}
    assert 0 < len(linked_exact) < len({(q, i) for q, i in exact if int(q) < QUERIES})   # some left out
    assert set(zip(frames["qrels"].query_id, frames["qrels"].item_id)) == linked_exact
    assert set(frames["queries"].query_id) == {q for q, _ in linked_exact}

    pool = frames["items"].set_index("item_id")
    assert set(pool.index) <= set(items)                                     # every item is a lake item ...
    for item, row in pool.iterrows():                                        # ... with the lake's text
        assert row["title"] == clean_item_text(items[item][1]) != ""
        assert row["text_full"].startswith(row["title"]) and "sturdy" in row["text_full"]
    judged = {r["docId"] for n, e in enumerate(judgments) if str(n) in set(frames["queries"].query_id)
              for r in e["ratings"]}
    assert judged & set(items) <= set(pool.index)                            # linked judged products kept
    negatives = set(pool.index) - judged
    assert negatives and {items[i][0] for i in negatives} == {LINKED}         # same 2023 category only
    members = {i for i, (c, _) in items.items() if c == LINKED}
    assert len(negatives) >= min(SAME_CATEGORY_NEGATIVES, len(members - judged))

    # the benchmark reads the set; a loader spec resolved against the lake root links by itself
    name, again = resolve(str(task_dir(tmp_path, "search", "esci")), "search", tmp_path)
    assert set(again["items"].item_id) == set(pool.index)
    name, spec = resolve(f"esci:{export}", "search", lake["root"])
    assert name == "esci" and spec["items"]["item_id"].tolist() == sorted(pool.index)


@pytest.mark.slow
def test_esci_lake_without_the_products_fails_clearly(lake, tmp_path):
    judgments = write_judgments(tmp_path, ["B000NOTHERE"])
    with pytest.raises(ValueError, match="none of the 1 judged ESCI products is a parent_asin"):
        load_esci(judgments, lake_root=lake["root"])
    # a lake found at `root` (not asked for) that holds none of them is not linked: empty texts
    frames = load_esci(judgments, root=lake["root"], dataset="esci_unlinked")
    assert frames["items"]["item_id"].tolist() == ["B000NOTHERE"] and frames["items"]["title"].tolist() == [""]


def write_judgments(folder: Path, asins: list[str]) -> Path:
    path = folder / "esci_us_judgments.json"
    path.write_text(json.dumps({"judgmentRatings": [{"query": "a lamp", "ratings": [
        {"docId": asin, "rating": "100.000"} for asin in asins]}]}))
    return path


def test_esci_without_texts_is_refused_by_the_benchmark(export, tmp_path):
    frames = load_esci(export, root=tmp_path)                    # no lake, no product file: empty texts
    assert (frames["items"]["title"] == "").all()
    folder = task_dir(tmp_path, "search", "esci")
    with pytest.raises(UnknownDataset, match=rf"esci: {len(frames['items'])} of {len(frames['items'])} pool items "
                                             r"have no text \(e\.g\. \w+\); link them"):
        resolve(str(folder), "search", tmp_path)
    done = subprocess.run([sys.executable, "-m", "benchmark", "run", "--task", "search", "--dataset", str(folder),
                           "--encoder", "minilm", "--out", str(tmp_path / "results")],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and "pool items have no text" in line
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").rglob("*.json"))


def test_esci_lake_root_that_is_no_lake_fails_before_reading(tmp_path):
    with pytest.raises(ValueError, match="no built lake with 2023 metadata"):
        load_esci(tmp_path / "nowhere", lake_root=tmp_path)
