"""A truthful graph (issue 11, Done when): materialising one `task_inputs` partition marks stale only
the benchmark partitions that read it, by Dagster's own stale status (what the UI shows), never an
unrelated category's or the sandbox search set's."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import dagster as dg
import pandas as pd
import pytest
# The webserver's own request context, whose stale-status loader gives the UI's "stale" badge (these
# helpers are not exported at the top level of dagster 1.13).
from dagster._core.definitions.data_version import DATA_VERSION_TAG, StaleStatus
from dagster._core.test_utils import in_process_test_workspace
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

from pipelines.definitions import build_definitions
from pipelines.partitions import benchmark_key, lake_dataset, split_benchmark_key
from pipelines.resources import DataRoot
from warehouse.tasks import write_task

ENCODER = "random"  # real vectors in milliseconds
CHANGED, UNRELATED = "All_Beauty", "Books"
ITEMS = pd.DataFrame({"item_id": ["B1", "B2", "B3"], "title": ["red mug", "blue pen", "green tea"]}).assign(
    text_full=lambda f: f["title"])
HISTORY = pd.DataFrame({"user_id": ["u1"], "history": [["B1"]], "target": ["B2"], "timestamp": [1]})
SEARCH = {"items": ITEMS, "queries": pd.DataFrame({"query_id": ["q1"], "query": ["a mug"]}),
          "qrels": pd.DataFrame({"query_id": ["q1"], "item_id": ["B1"], "relevance": [1.0]})}


def upstream_materialized(instance, asset: str, partition: str, **metadata) -> None:
    """A new materialisation of an upstream partition, with a new data version as each run of the lake or
    a loader records one (their Spark and source files are beside the point: staleness reads only the
    event log and the graph)."""
    instance.report_runless_asset_event(dg.AssetMaterialization(
        asset, partition=partition, metadata=metadata, tags={DATA_VERSION_TAG: uuid.uuid4().hex}))


@pytest.fixture
def built(tmp_path):
    """Two categories and the sandbox search set: task inputs recorded, their embeddings materialised."""
    resources = {"data_root": DataRoot(path=str(tmp_path))}
    defs = build_definitions(resources)
    embeddings = defs.get_assets_def("item_embeddings")
    keys = {"changed": benchmark_key(lake_dataset("seqrec", CHANGED), ENCODER),
            "unrelated": benchmark_key(lake_dataset("seqrec", UNRELATED), ENCODER),
            "sandbox": benchmark_key("sandbox", ENCODER)}
    for category in (CHANGED, UNRELATED):
        write_task(tmp_path, "seqrec", category, {"items": ITEMS, "train": HISTORY, "valid": HISTORY, "test": HISTORY})
    write_task(tmp_path, "search", "sandbox", SEARCH)
    with dg.instance_for_test() as instance:
        for category in (CHANGED, UNRELATED):
            upstream_materialized(instance, "task_inputs", category)
        upstream_materialized(instance, "outside_task_inputs", "sandbox", task="search", dataset="sandbox")
        for key in keys.values():
            assert dg.materialize([embeddings], partition_key=key, instance=instance, resources=resources).success
        yield defs, instance, keys


def statuses(instance, keys) -> dict[str, StaleStatus]:
    """Stale status as the UI shows it: the code location loaded as `dagster dev` loads it (its snapshot,
    the graph the webserver and the daemon use), read through the webserver's request context."""
    location = LoadableTargetOrigin(module_name="pipelines.definitions", attribute="defs")
    with in_process_test_workspace(instance, location) as context:
        resolver = context.stale_status_loader
        return {name: resolver.get_status(dg.AssetKey("item_embeddings"), key) for name, key in keys.items()}


def test_embeddings_are_fresh_once_built(built):
    defs, instance, keys = built
    assert set(statuses(instance, keys).values()) == {StaleStatus.FRESH}


def test_one_task_inputs_partition_marks_only_its_own_embeddings_stale(built):
    defs, instance, keys = built
    upstream_materialized(instance, "task_inputs", CHANGED)  # the category is rebuilt
    assert statuses(instance, keys) == {"changed": StaleStatus.STALE, "unrelated": StaleStatus.FRESH,
                                              "sandbox": StaleStatus.FRESH}


def test_the_sunday_run_rebuilds_the_changed_category_and_leaves_the_others(built):
    """What the daemon asks for at the next benchmark tick: the rebuilt category's partitions, never an
    unrelated one that is built and whose inputs did not change."""
    defs, instance, keys = built
    now = datetime.now(timezone.utc)
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance, evaluation_time=now)
    upstream_materialized(instance, "task_inputs", CHANGED)
    after_tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor,
                                                   evaluation_time=now + timedelta(days=7, minutes=5))
    [embeddings] = [r for r in after_tick.results if r.key == dg.AssetKey("item_embeddings")]
    requested = set(after_tick.get_requested_partitions(embeddings.key)) if embeddings.true_subset.size else set()
    assert keys["changed"] in requested
    assert not requested & {keys["unrelated"], keys["sandbox"]}
    # Never-built partitions are asked for only where their inputs exist (not for the other 32 categories).
    with_inputs = {lake_dataset(t, c) for t in ("seqrec", "cf") for c in (CHANGED, UNRELATED)} | {"sandbox"}
    assert {split_benchmark_key(key)[0] for key in requested} <= with_inputs, requested


def test_a_reloaded_outside_dataset_marks_only_its_own_embeddings_stale(built):
    defs, instance, keys = built
    upstream_materialized(instance, "outside_task_inputs", "sandbox", task="search", dataset="sandbox")
    assert statuses(instance, keys) == {"changed": StaleStatus.FRESH, "unrelated": StaleStatus.FRESH,
                                              "sandbox": StaleStatus.STALE}


def test_each_upstream_partition_maps_to_the_partitions_that_read_it():
    """Every encoder's seqrec and cf partitions of a category, the loader's own partitions; nothing else."""
    from pipelines.partitions import ENCODERS

    graph = build_definitions().resolve_asset_graph()

    def readers(asset: str, partition: str) -> set[str]:
        return {p.partition_key for p in graph.get_children_partitions(dg.AssetKey(asset), partition)
                if p.asset_key == dg.AssetKey("item_embeddings")}

    assert readers("task_inputs", CHANGED) == {benchmark_key(lake_dataset(t, CHANGED), e)
                                               for t in ("seqrec", "cf") for e in ENCODERS}
    assert readers("outside_task_inputs", "sandbox") == {benchmark_key("sandbox", e) for e in ENCODERS}
    assert readers("complex_query_pool", "amazon_c4_synth") == {benchmark_key("search.amazon_c4_synth", e)
                                                                 for e in ENCODERS}


def test_the_ui_and_the_daemon_see_the_same_mappings():
    """The webserver and the automation daemon read the graph from the code location's snapshot, which
    keeps only Dagster's built-in partition mappings: ours must survive it (a custom one would become
    all-to-all there)."""
    from dagster._core.remote_representation.external_data import asset_node_snaps_from_repo

    from pipelines.partitions import FROM_COMPLEX_QUERY_POOL, FROM_OUTSIDE_TASK_INPUTS, FROM_TASK_INPUTS

    snaps = {snap.asset_key.to_user_string(): snap for snap in
             asset_node_snaps_from_repo(build_definitions().get_repository_def())}
    for asset in ("item_embeddings", "benchmark_results"):
        edges = {e.parent_asset_key.to_user_string(): e.partition_mapping for e in snaps[asset].parent_edges}
        assert edges["task_inputs"] == FROM_TASK_INPUTS and edges["outside_task_inputs"] == FROM_OUTSIDE_TASK_INPUTS
        assert edges["complex_query_pool"] == FROM_COMPLEX_QUERY_POOL
