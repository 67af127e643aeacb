"""The Dagster `release` asset: the card as Markdown metadata and the diff attached."""
from __future__ import annotations

import shutil

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_release_asset_materialises_with_card_and_diff(two_builds, tmp_path):
    import dagster as dg

    from pipelines.assets.release import RELEASE_FOLDER, release
    from pipelines.resources import DataRoot

    root = tmp_path / "data"
    shutil.copytree(two_builds["root"], root)  # the asset records a snapshot: keep the shared lake as it is
    resources = {"data_root": DataRoot(path=str(root))}
    result = dg.materialize([release], resources=resources)
    assert result.success
    metadata = result.asset_materializations_for_node("release")[0].metadata
    assert "## Statistics (Table 1)" in metadata["card"].value
    # The lake did not change since the second build: the diff says so, figure by figure.
    diff = metadata["diff_json"].value
    assert diff["from"] == two_builds["second"] and diff["new_categories"] == []
    for entry in diff["categories"].values():
        assert entry["reviews"]["added"] == entry["reviews"]["removed"] == entry["reviews"]["changed"] == 0
    assert (root / RELEASE_FOLDER / "README.md").is_file()


def test_release_is_in_the_definitions_with_its_weekly_schedule():
    from pipelines.definitions import defs

    assert defs.resolve_assets_def("release") is not None
    assert defs.resolve_schedule_def("weekly_release").job_name == "release_job"
