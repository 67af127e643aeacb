"""The Dagster assets on a tiny lake: embeddings and results per task dataset × encoder, the leaderboard."""
from __future__ import annotations

import json

import dagster as dg

from benchmark.embeddings import store_path
from pipelines.assets.benchmark import benchmark_results, leaderboard, leaderboard_has_main_metrics
from pipelines.assets.embeddings import item_embeddings
from pipelines.resources import DataRoot
from warehouse.tasks import write_task


def test_definitions_load():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    for key in ("item_embeddings", "benchmark_results", "leaderboard"):
        assert graph.has(dg.AssetKey(key))
    assert item_embeddings.op.pool == benchmark_results.op.pool == "gpu"


def test_materialize_embeddings_results_and_leaderboard(tmp_path, search_frames):
    write_task(tmp_path, "search", "tiny", search_frames)
    resources = {"data_root": DataRoot(path=str(tmp_path))}
    with dg.instance_for_test() as instance:
        # What the sandbox loader of outside_task_inputs records when it writes search/tiny.
        instance.report_runless_asset_event(dg.AssetMaterialization(
            "outside_task_inputs", partition="sandbox", metadata={"task": "search", "dataset": "tiny"}))
        key = "sandbox:random"
        run = dg.materialize([item_embeddings, benchmark_results], partition_key=key, resources=resources,
                             instance=instance)
        assert run.success
        [emb] = [m for m in run.asset_materializations_for_node("item_embeddings")]
        assert emb.metadata["items"].value == 5 and emb.metadata["encoded"].value == 5
        assert store_path(tmp_path, "random", "tiny").exists()
        [path] = (tmp_path / "results/search/tiny").glob("random--*.json")  # <encoder>--<run key>.json
        result = json.loads(path.read_text())
        [res] = run.asset_materializations_for_node("benchmark_results")
        assert res.metadata["key"].value == result["key"] and res.metadata["protocol"].value == "full"
        assert res.metadata["test/ndcg@100"].value == result["test"]["ndcg@100"]

        board = dg.materialize([leaderboard, leaderboard_has_main_metrics], resources=resources, instance=instance)
        assert board.success
        [mat] = board.asset_materializations_for_node("leaderboard")
        assert "| random |" in mat.metadata["table"].value
        assert mat.metadata["plot"].value.startswith("![per-task averages](data:image/png;base64,")
        [check] = board.get_asset_check_evaluations()
        assert check.passed
        assert (tmp_path / "reports/leaderboard.html").exists()
