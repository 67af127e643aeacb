"""The official record schemas: round trips against the published sample rows, and the validator."""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from parsing.schemas import (
    META_SCHEMA,
    REVIEW_SCHEMA,
    SchemaViolation,
    ensure_valid,
    from_table,
    to_table,
    validate_records,
)

OFFICIAL = "amazon-reviews-2023.github.io"


def _jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_field_order_matches_design():
    assert REVIEW_SCHEMA.names == [
        "rating", "title", "text", "images", "asin", "parent_asin", "user_id", "timestamp",
        "helpful_vote", "verified_purchase",
    ]
    assert META_SCHEMA.names[:13] == [
        "main_category", "title", "average_rating", "rating_number", "features", "description",
        "price", "images", "videos", "store", "categories", "details", "parent_asin",
    ]
    assert REVIEW_SCHEMA.field("timestamp").type == pa.int64()


def test_official_review_rows_validate_and_round_trip(shared_fixtures, tmp_path):
    rows = _jsonl(shared_fixtures / OFFICIAL / "All_Beauty.review_sample.jsonl")
    assert rows and validate_records(rows, "review") == []
    path = tmp_path / "reviews.parquet"
    pq.write_table(to_table(rows, "review"), path)
    back = from_table(pq.read_table(path), "review")
    assert back == rows
    # Same keys in the same order as the official JSONL.
    assert [list(r) for r in back] == [list(r) for r in rows]


def test_official_meta_rows_validate_and_round_trip(shared_fixtures, tmp_path):
    rows = _jsonl(shared_fixtures / OFFICIAL / "meta_All_Beauty.meta_sample.jsonl")
    assert rows and validate_records(rows, "meta") == []
    path = tmp_path / "meta.parquet"
    pq.write_table(to_table(rows, "meta"), path)
    back = from_table(pq.read_table(path), "meta")
    assert back == rows


def test_validator_reports_every_violation_with_record_and_field():
    good = {
        "rating": 5.0, "title": "t", "text": "x", "images": [], "asin": "A", "parent_asin": "A",
        "user_id": "U", "timestamp": 1588687728923, "helpful_vote": 0, "verified_purchase": True,
    }
    bad_types = dict(good, rating="5", timestamp=1.5, verified_purchase="yes")
    missing = {k: v for k, v in good.items() if k != "user_id"}
    extra = dict(good, color="red", images=[{"small_image_url": "s"}])
    found = validate_records([good, bad_types, missing, extra, "not a record"], "review")
    reasons = {(v.record, v.field): v.reason for v in found}
    assert (0, "rating") not in reasons
    assert reasons[(1, "rating")].startswith("expected float")
    assert reasons[(1, "timestamp")].startswith("expected int")
    assert reasons[(1, "verified_purchase")].startswith("expected bool")
    assert reasons[(2, "user_id")] == "missing"
    assert reasons[(3, "color")] == "unknown field"
    assert reasons[(3, "images[0].medium_image_url")] == "missing"
    assert reasons[(4, "<record>")].startswith("expected object")
    with pytest.raises(SchemaViolation) as error:
        ensure_valid([bad_types, missing], "review")
    assert len(error.value.violations) == 4


def test_meta_optional_fields_and_nulls():
    record = {
        "main_category": "All Beauty", "title": "T", "average_rating": 4.5, "rating_number": 3,
        "features": [], "description": [], "price": None,
        "images": [{"thumb": "t", "large": "l", "variant": "MAIN", "hi_res": None}],
        "videos": [{"title": "v", "url": "u", "user_id": ""}], "store": "S", "categories": [],
        "details": {"UPC": "1"}, "parent_asin": "B0", "bought_together": None,
    }
    assert validate_records([record], "meta") == []
    broken = dict(record, details={"UPC": 1}, features=["ok", 3], parent_asin=None)
    fields = {v.field for v in validate_records([broken], "meta")}
    assert fields == {"details['UPC']", "features[1]", "parent_asin"}
