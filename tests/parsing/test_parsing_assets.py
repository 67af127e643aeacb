"""The bronze assets in Dagster: materialised on an archive built here, read back per category."""
from __future__ import annotations

import json

import dagster as dg

from parsing_archive_builder import ArchiveWriter, product_page, review, timeline_body
from pipelines.assets.parse import bronze
from pipelines.resources import DataRoot

BASE = "http://127.0.0.1:8000"
USER = "AGKHLEW2SOWHNMFQIJGBECAF7INQ"


def _meta(parent, category):
    return {"main_category": category, "title": f"Item {parent}", "average_rating": 4.0, "rating_number": 12,
            "features": ["f"], "description": ["d"], "price": 9.99,
            "images": [{"thumb": "https://m.media-amazon.com/images/I/x._SS40_.jpg",
                        "large": "https://m.media-amazon.com/images/I/x.jpg", "variant": "MAIN", "hi_res": None}],
            "videos": [], "store": "S", "categories": [], "details": {"UPC": "1"},
            "parent_asin": parent, "bought_together": None}


def _archive(root, bad_pages=0):
    writer = ArchiveWriter(root)  # writes <root>/raw
    writer.add(f"{BASE}/dp/B000000001", "product", product_page(_meta("B000000001", "All Beauty")))
    writer.add(f"{BASE}/dp/B000000002", "product", product_page(_meta("B000000002", "Video Games")))
    reviews = [("R1", review(USER, "B000000001", "B000000001", 1)), ("R2", review(USER, "B000000002", "B000000002", 2))]
    writer.add(f"{BASE}/profilewidget/timeline/visitor?profileId=amzn1.account.{USER}", "timeline",
               timeline_body(USER, reviews), content_type="application/json")
    for i in range(bad_pages):
        writer.add(f"{BASE}/dp/B00000BAD{i}", "product", b"")
    return writer


def _run(root, category, **config):
    return dg.materialize(
        [bronze], partition_key=category, resources={"data_root": DataRoot(path=str(root))},
        run_config={"ops": {"bronze": {"config": config}}} if config else None, raise_on_error=False,
    )


def test_bronze_assets_per_category(tmp_path):
    _archive(tmp_path)
    result = _run(tmp_path, "All_Beauty")
    assert result.success
    mats = {m.asset_key.to_user_string(): m.metadata for m in result.asset_materializations_for_node("bronze")}
    assert mats["bronze_meta"]["dagster/row_count"].value == 1 and mats["bronze_reviews"]["dagster/row_count"].value == 1
    assert mats["bronze_meta"]["batch_yield"].value == 1.0
    assert [c.name for c in mats["bronze_meta"]["dagster/column_schema"].schema.columns][:3] == [
        "main_category", "title", "average_rating"]
    assert "Item B000000001" in mats["bronze_meta"]["preview"].value
    checks = result.get_asset_check_evaluations()
    assert [c.passed for c in checks] == [True]
    assert (tmp_path / "bronze" / "meta" / "category=Video_Games" / "part-0.parquet").is_file()

    # a second partition of the same archive reads what the first one wrote
    stamp = (tmp_path / "bronze" / "_yield.json").stat().st_mtime_ns
    games = _run(tmp_path, "Video_Games")
    assert games.success
    assert (tmp_path / "bronze" / "_yield.json").stat().st_mtime_ns == stamp
    mats = {m.asset_key.to_user_string(): m.metadata for m in games.asset_materializations_for_node("bronze")}
    assert mats["bronze_reviews"]["dagster/row_count"].value == 1

    # a category the archive does not hold fails with the reason, instead of a green empty partition
    empty = _run(tmp_path, "Toys_and_Games")
    assert not empty.success and not empty.asset_materializations_for_node("bronze")
    assert "holds no page of category Toys_and_Games" in failure_reason(empty)


def failure_reason(result) -> str:
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    return failure.step_failure_data.user_failure_data.description


def test_yield_check_fails_below_threshold(tmp_path):
    _archive(tmp_path, bad_pages=2)  # 3 of 5 pages parse
    result = _run(tmp_path, "All_Beauty")
    checks = result.get_asset_check_evaluations()
    assert [c.passed for c in checks] == [False]
    assert checks[0].metadata["quarantine_by_reason"].value == {"empty": 2}
    relaxed = _run(tmp_path, "All_Beauty", min_yield=0.5)
    assert [c.passed for c in relaxed.get_asset_check_evaluations()] == [True]
    report = json.loads((tmp_path / "bronze" / "_yield.json").read_text())
    assert report["quarantined_by_reason"] == {"empty": 2}


def test_missing_archive_fails_the_run(tmp_path):
    result = _run(tmp_path, "All_Beauty")
    assert not result.success


def test_definitions_hold_the_bronze_assets():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"bronze_reviews", "bronze_meta"} <= keys
    if "raw_archive" in keys:
        assert dg.AssetKey("raw_archive") in graph.get(dg.AssetKey("bronze_meta")).parent_keys
