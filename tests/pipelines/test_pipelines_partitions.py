"""Category partitions that mean something: a partition with no input data fails with the reason
(never a green empty partition), and the checks of category assets are evaluated per partition."""
from __future__ import annotations

import dagster as dg
import pytest

from pipelines.partitions import category_partitions
from pipelines.resources import DataRoot, SparkSettings


def failure_reason(result) -> str:
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    return failure.step_failure_data.user_failure_data.description


@pytest.mark.parametrize("asset_name, needs", [
    ("silver_reviews", "bronze reviews"), ("silver_meta", "bronze item metadata"),
    ("gold_benchmark", "silver reviews"), ("task_inputs", "gold benchmark splits"),
    ("exports", "gold benchmark splits"),
])
def test_a_category_without_input_data_fails_with_the_reason(tmp_path, asset_name, needs):
    from pipelines.assets import lake

    asset = next(a for a in lake.assets if a.key.to_user_string() == asset_name)
    (tmp_path / "bronze" / "reviews" / "category=All_Beauty").mkdir(parents=True)  # another category has data
    result = dg.materialize([asset], partition_key="Books", raise_on_error=False,
                            resources={"data_root": DataRoot(path=str(tmp_path)), "spark": SparkSettings()})
    assert not result.success and not result.get_asset_materialization_events()
    assert f"Books has no {needs}" in failure_reason(result)
    assert not result.get_asset_check_evaluations()  # no check passes on what was never built


def test_checks_of_category_assets_are_per_partition_and_described():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    partitioned = [key for key in graph.asset_check_keys if graph.get(key.asset_key).partitions_def is not None
                   and graph.get(key.asset_key).partitions_def == category_partitions]
    assert {k.name for k in partitioned} >= {"failure_rate", "parse_yield", "schema", "no_duplicate_pairs",
                                             "timestamps_in_range", "split_boundaries", "k_core_invariant"}
    for key in partitioned:
        spec = graph.get_check_spec(key)
        assert spec.description and spec.partitions_def == category_partitions, key
