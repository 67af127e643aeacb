"""Importing release files (2023, 2018, 2014) into bronze: mapping, types, quarantine, safe paths."""
from __future__ import annotations

import gzip
import json

import pyarrow.parquet as pq
import pytest

from parsing.schemas import validate_records


def _first(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt") as handle:
        return json.loads(handle.readline())


def test_2018_review_maps_onto_the_2023_schema(shared_fixtures):
    from warehouse.releases import map_review

    raw = _first(shared_fixtures / "amazon2018_reviews_meta" / "All_Beauty_5.json.gz")
    record = map_review(raw)
    assert validate_records([record], "review") == []
    assert record["user_id"] == raw["reviewerID"]
    assert record["parent_asin"] == record["asin"] == raw["asin"]
    assert record["timestamp"] == raw["unixReviewTime"] * 1000
    assert record["rating"] == float(raw["overall"]) and record["title"] == raw["summary"]
    assert record["text"] == raw["reviewText"] and record["verified_purchase"] is raw["verified"]
    voted = map_review(dict(raw, vote="1,234", image=["https://x/y.jpg"]))
    assert voted["helpful_vote"] == 1234
    assert voted["images"] == [{"small_image_url": "https://x/y.jpg", "medium_image_url": "https://x/y.jpg",
                                "large_image_url": "https://x/y.jpg", "attachment_type": "IMAGE"}]
    no_unix = {k: v for k, v in raw.items() if k != "unixReviewTime"}
    assert map_review(no_unix)["timestamp"] == raw["unixReviewTime"] * 1000  # from reviewTime "09 1, 2016"


def test_2014_review_maps_helpful_votes(shared_fixtures):
    from warehouse.releases import map_review

    path = shared_fixtures / "amazon2014_reviews_sample" / "reviews_Musical_Instruments_5.first50.json"
    raws = [json.loads(line) for line in path.read_text().splitlines()]
    records = [map_review(r) for r in raws]
    assert validate_records(records, "review") == []
    assert [r["helpful_vote"] for r in records] == [r["helpful"][0] for r in raws]
    assert not any(r["verified_purchase"] for r in records)


def test_2018_meta_maps_both_image_layouts(shared_fixtures):
    from warehouse.releases import map_meta

    gift = map_meta(_first(shared_fixtures / "amazon2018_reviews_meta" / "meta_Gift_Cards.json.gz"))
    assert validate_records([gift], "meta") == []
    assert gift["price"] is None and gift["store"] == "Serendipity 3" and gift["parent_asin"] == "B001BKEWF2"
    assert gift["details"]["Product Dimensions"] == "3.4 x 2.1 inches ; 1.44 ounces"
    raw = _first(shared_fixtures / "amazon2018_reviews_meta" / "meta_Magazine_Subscriptions.json.gz")
    magazine = map_meta(raw)
    assert [i["hi_res"] for i in magazine["images"]] == raw["imageURLHighRes"]
    assert [i["variant"] for i in magazine["images"]][:3] == ["MAIN", "PT01", "PT02"]
    assert map_meta(dict(raw, price="$1,299.50"))["price"] == 1299.5
    assert map_meta(dict(raw, price="$10.99 - $24.99"))["price"] is None


@pytest.mark.parametrize("name, category", [
    ("All_Beauty.jsonl.gz", "All_Beauty"), ("meta_All_Beauty.jsonl", "All_Beauty"),
    ("All_Beauty_5.json.gz", "All_Beauty"), ("reviews_Musical_Instruments_5.json", "Musical_Instruments"),
    ("AMAZON_FASHION_5.json.gz", "Amazon_Fashion"),
])
def test_category_from_file_name(name, category):
    from warehouse.ingest import category_from_filename

    assert category_from_filename(name) == category


@pytest.mark.parametrize("bad", ["..", "a b", "x;rm", ""])
def test_unsafe_category_names_never_become_paths(tmp_path, bad):
    from warehouse.ingest import category_from_filename, import_file

    source = tmp_path / "Toys_and_Games.jsonl"
    source.write_text("")
    with pytest.raises(ValueError):
        import_file(tmp_path / "root", source, "review", category=bad)
    with pytest.raises(ValueError):
        category_from_filename(f"{bad}!.jsonl")
    assert not (tmp_path / "root").exists() or not any((tmp_path / "root").rglob("*.parquet"))


def test_bad_lines_are_quarantined_with_reasons_and_counts(tmp_path, shared_fixtures):
    from warehouse.ingest import import_file

    good = (shared_fixtures / "amazon-reviews-2023.github.io" / "All_Beauty.review_sample.jsonl").read_text().strip()
    record = json.loads(good)
    lines = [good, "{broken", json.dumps([1]), json.dumps(dict(record, rating="5")),
             json.dumps({k: v for k, v in record.items() if k != "timestamp"}), "", good,
             json.dumps({"reviewerID": "A", "asin": "B", "overall": 5.0, "unixReviewTime": "soon"})]
    source = tmp_path / "All_Beauty.jsonl"
    source.write_text("\n".join(lines) + "\n")
    report = import_file(tmp_path / "root", source)
    assert report.rows == 2
    assert dict(report.quarantined) == {"not json": 1, "unmappable": 2, "schema": 2}
    bronze = pq.read_table(tmp_path / "root" / "bronze" / "reviews" / "category=All_Beauty" /
                           "part-import-All_Beauty.jsonl.parquet")
    assert bronze.num_rows == 2 and bronze.schema.names[:3] == ["rating", "title", "text"]
    quarantine = pq.read_table(tmp_path / "root" / "bronze" / "quarantine" / "part-import-All_Beauty.jsonl.parquet")
    assert sorted(quarantine.column("source").to_pylist()) == [f"All_Beauty.jsonl:{n}" for n in (2, 3, 4, 5, 8)]
    assert all(quarantine.column("reason").to_pylist())
