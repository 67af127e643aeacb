"""The generator: deterministic bytes, a ground truth that validates, the imperfections real
data has, non-empty official splits, and item text that carries the co-purchase signal."""
from __future__ import annotations

import json
import random
import time
from collections import Counter
from pathlib import Path

import pytest

from parsing.categories import file_name_form
from parsing.schemas import META_SCHEMA, REVIEW_SCHEMA, validate_records
from sandbox.generate import generate_marketplace
from sandbox.output import generate
from sandbox.profiles import PROFILES, T1_MS, T2_MS
from sandbox.vocabulary import PRODUCT_NEEDS


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_different_seed_different(tmp_path):
    generate(tmp_path / "a", "tiny", 11)
    generate(tmp_path / "b", "tiny", 11)
    generate(tmp_path / "c", "tiny", 12)
    a, b, c = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert {"site/items.jsonl", "site/reviews.jsonl", "site/users.jsonl", "site/manifest.json",
            "truth/users.txt", "truth/search_queries.jsonl", "truth/All_Beauty.jsonl",
            "truth/meta_All_Beauty.jsonl"} <= set(a)
    assert a == b
    assert a.keys() & c.keys()
    assert all(a[name] != c[name] for name in a.keys() & c.keys() if name.endswith(".jsonl"))


def test_tiny_is_fast_and_sized_as_asked():
    started = time.process_time()  # CPU seconds: a busy machine stretches wall time, not this
    market = generate_marketplace(PROFILES["tiny"], 1)
    assert time.process_time() - started < 1.5
    prof = PROFILES["tiny"]
    assert len(market.items) == prof.n_items and len(market.users) == prof.n_users
    assert 0.9 * prof.n_reviews <= len(market.reviews) <= 1.2 * prof.n_reviews
    assert len(market.queries) == prof.n_queries
    bigger = generate_marketplace(prof.with_sizes(n_items=120, n_users=90, n_reviews=900), 1)
    assert (len(bigger.items), len(bigger.users)) == (120, 90)


def test_truth_validates_against_the_schemas_in_official_field_order(truth):
    for records in truth["reviews"].values():
        assert records and validate_records(records, "review") == []
        assert all(list(r) == REVIEW_SCHEMA.names for r in records)
    official = [n for n in META_SCHEMA.names if n not in ("subtitle", "author")]
    for cat, records in truth["meta"].items():
        assert records and validate_records(records, "meta") == []
        assert all(list(r) == official for r in records)
        assert {file_name_form(r["main_category"]) for r in records} == {cat}
        assert [r["parent_asin"] for r in records] == sorted(r["parent_asin"] for r in records)


def test_truth_lines_are_official_json(tiny_site):
    line = (tiny_site / "truth" / "All_Beauty.jsonl").read_text(encoding="utf-8").splitlines()[0]
    record = json.loads(line)
    assert line == json.dumps(record, ensure_ascii=False)
    assert isinstance(record["timestamp"], int) and record["timestamp"] > 10**12   # milliseconds


def test_reviews_sorted_and_grouped_by_item_page(tiny_site, truth):
    items = {json.loads(line)["parent_asin"]: json.loads(line)
             for line in (tiny_site / "site" / "items.jsonl").open(encoding="utf-8")}
    for cat, records in truth["reviews"].items():
        keys = [(r["user_id"], r["timestamp"]) for r in records]
        assert keys == sorted(keys)
        for r in records:
            item = items[r["parent_asin"]]
            assert r["asin"] in item["asins"]
            assert cat == (item["category"] if item["page"] == "ok" else "Unknown")
    meta_asins = {r["parent_asin"] for records in truth["meta"].values() for r in records}
    assert meta_asins == {a for a, it in items.items() if it["page"] == "ok"}


def test_imperfections_are_there(tiny_site, truth):
    items = [json.loads(line) for line in (tiny_site / "site" / "items.jsonl").open(encoding="utf-8")]
    pages = Counter(it["page"] for it in items)
    assert pages["gone"] >= 1 and pages["malformed"] >= 1
    assert truth["reviews"]["Unknown"]
    everything = [r for records in truth["reviews"].values() for r in records]
    pairs = Counter((r["user_id"], r["parent_asin"]) for r in everything)
    twice = [p for p, n in pairs.items() if n > 1]
    assert twice
    for user, asin in twice:
        stamps = [r["timestamp"] for r in everything if (r["user_id"], r["parent_asin"]) == (user, asin)]
        assert len(set(stamps)) == len(stamps)
    assert any(len(it["asins"]) > 1 for it in items)
    assert any(r["asin"] != r["parent_asin"] for r in everything)
    assert any(r["images"] for r in everything) and any(r["helpful_vote"] > 0 for r in everything)
    assert any(not r["verified_purchase"] for r in everything)
    metas = [r for records in truth["meta"].values() for r in records]
    assert any(m["price"] is None for m in metas) and any(m["price"] is not None for m in metas)
    assert any(m["videos"] for m in metas) and any(im["hi_res"] is None for m in metas for im in m["images"])


def test_every_user_is_in_the_truth_and_reachable(tiny_site, truth):
    everything = [r for records in truth["reviews"].values() for r in records]
    assert sorted({r["user_id"] for r in everything}) == truth["users"]
    assert all(len(u) == 28 and u.isupper() and u.isalnum() for u in truth["users"])
    # Reachable from a listed page: every user reviewed at least one item whose page exists.
    items = {json.loads(line)["parent_asin"]: json.loads(line)["page"]
             for line in (tiny_site / "site" / "items.jsonl").open(encoding="utf-8")}
    alive = {r["user_id"] for r in everything if items[r["parent_asin"]] != "gone"}
    assert alive == set(truth["users"])


def test_official_cutoffs_give_nonempty_splits(truth):
    stamps = [r["timestamp"] for records in truth["reviews"].values() for r in records]
    train = sum(t < T1_MS for t in stamps)
    valid = sum(T1_MS <= t < T2_MS for t in stamps)
    test = sum(t >= T2_MS for t in stamps)
    assert train > 0 and valid > 0 and test > 0
    assert min(stamps) >= 1420070400000 and max(stamps) < 1704067200000   # 2015 .. 2023


def test_search_queries_have_matching_relevant_items(truth):
    meta = {r["parent_asin"]: (cat, r) for cat, records in truth["meta"].items() for r in records}
    queries = truth["queries"]
    assert len(queries) == PROFILES["tiny"].n_queries
    assert len({q["query_id"] for q in queries}) == len(queries)
    assert any(len(q["query"].split()) <= 4 for q in queries) and any(len(q["query"].split()) >= 7 for q in queries)
    for q in queries:
        assert q["relevant"]
        for asin in q["relevant"]:
            cat, record = meta[asin]
            assert cat == q["category"]
            if q["kind"] == "paraphrase":  # the product type described by its use, never named
                [ptype] = [name for name, need in PRODUCT_NEEDS.items() if need in q["query"]]
                assert ptype in record["title"].lower() and ptype not in q["query"].lower()
                continue
            # The product type's last word ("shampoo", "boots") is in the relevant item's title.
            assert any(w.lower() in record["title"].lower() for w in q["query"].split()[-1:]) or \
                any(w in record["title"].lower() for w in q["query"].lower().split() if len(w) > 4)


def _words(title: str) -> set[str]:
    return {w.strip(",.").lower() for w in title.split() if len(w) > 2}


def test_items_bought_by_one_user_share_words_more_than_random_pairs(truth):
    titles = {r["parent_asin"]: r["title"] for records in truth["meta"].values() for r in records}
    everything = [r for records in truth["reviews"].values() for r in records if r["parent_asin"] in titles]
    by_user: dict[str, list[str]] = {}
    for r in everything:
        by_user.setdefault(r["user_id"], []).append(r["parent_asin"])
    jaccard = lambda a, b: len(_words(titles[a]) & _words(titles[b])) / len(_words(titles[a]) | _words(titles[b]))  # noqa: E731
    together = [jaccard(a, b) for seq in by_user.values() for a, b in zip(seq, seq[1:]) if a != b]
    rng = random.Random(0)
    asins = sorted(titles)
    random_pairs = [jaccard(*rng.sample(asins, 2)) for _ in range(len(together))]
    assert sum(together) / len(together) > 1.5 * sum(random_pairs) / len(random_pairs)


@pytest.mark.slow
def test_default_profile_is_sized_and_generated_within_a_minute(tmp_path):
    started = time.process_time()  # CPU seconds (generation is single-threaded): load stretches wall time only
    manifest = generate(tmp_path / "default", "default", 0)
    assert time.process_time() - started < 60
    assert len(manifest["categories"]) == 5
    assert (manifest["items"], manifest["users"]) == (3000, 5000)
    assert 57_000 <= manifest["reviews"] <= 66_000 and manifest["queries"] == 200
    assert min(manifest["splits"].values()) > 1000
    meta = [json.loads(line) for line in (tmp_path / "default" / "truth" / "meta_Video_Games.jsonl").open(encoding="utf-8")]
    assert 500 <= len(meta) <= 600 and validate_records(meta, "meta") == []
