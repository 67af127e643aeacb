"""Lakes built once for the release tests: two versions of a small release on one root, and the
real Subscription_Boxes category (skipped without ../shared/fixtures)."""
from __future__ import annotations

from pathlib import Path

import pytest

import release_data

SUBSCRIPTION_BOXES = "amazon2023_subscription_boxes"


@pytest.fixture(scope="session")
def two_builds(tmp_path_factory, spark) -> dict:
    """One root built from version 1, then rebuilt from version 2; the build ids and both inputs."""
    from warehouse.build import build

    root = tmp_path_factory.mktemp("lake")
    src = tmp_path_factory.mktemp("sources")
    v1, v2 = release_data.version(1), release_data.version(2)
    reviews, meta = release_data.write(src, v1)
    first = build(root, spark, reviews=reviews, meta=meta)["build_id"]
    reviews, meta = release_data.write(src, v2, ["All_Beauty", "Toys_and_Games"])  # Baby_Products untouched
    second = build(root, spark, reviews=reviews, meta=meta)["build_id"]
    return {"root": root, "v1": v1, "v2": v2, "first": first, "second": second}


@pytest.fixture(scope="session")
def subscription_boxes(tmp_path_factory, spark, shared_fixtures) -> dict:
    """The real category built from its two official raw files, and the official manifest."""
    from warehouse.build import build

    folder = shared_fixtures / SUBSCRIPTION_BOXES
    root = tmp_path_factory.mktemp("subscription_boxes")
    build(root, spark, reviews=[folder / "Subscription_Boxes.jsonl.gz"], meta=[folder / "meta_Subscription_Boxes.jsonl.gz"])
    return {"root": root, "official": folder / "official_release_sha256.tsv", "folder": folder}
