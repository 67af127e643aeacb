"""Runs appear under a named job and can be re-executed (issue 11, Done when): a `demo_benchmark` run
that fails (its outside dataset was never loaded) is re-executed from the failure once the loader has
run; the re-execution succeeds under the same job, with the first run as its parent."""
from __future__ import annotations

import dagster as dg
import pandas as pd

from pipelines.definitions import defs
from pipelines.partitions import benchmark_key
from warehouse.tasks import write_task

JOB = "demo_benchmark"
PARTITION = benchmark_key("sandbox", "random")  # random vectors: the smallest benchmark step there is


def demo_benchmark_job() -> dg.JobDefinition:
    """Module scope, so that Dagster can reconstruct the job for a re-execution (as the UI does)."""
    return defs.resolve_job_def(JOB)


def run_config(root) -> dict:
    # In-process: the steps run in this process, which imported the job from this test module.
    return {"execution": {"config": {"in_process": {}}},
            "resources": {"data_root": {"config": {"path": str(root)}}}}


def test_a_failed_demo_run_is_re_executed_from_the_failure(tmp_path):
    write_task(tmp_path, "search", "tiny", {
        "items": pd.DataFrame({"item_id": ["A1", "A2"], "title": ["red mug", "blue pen"]}).assign(
            text_full=lambda f: f["title"]),
        "queries": pd.DataFrame({"query_id": ["q1"], "query": ["a mug"]}),
        "qrels": pd.DataFrame({"query_id": ["q1"], "item_id": ["A1"], "relevance": [1.0]}),
    })
    job = dg.reconstructable(demo_benchmark_job)
    tags = {"dagster/partition": PARTITION}
    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as instance:
        with dg.execute_job(job, instance, run_config=run_config(tmp_path), tags=tags) as first:
            assert not first.success
            [failure] = [e for e in first.all_events if e.event_type_value == "STEP_FAILURE"]
            assert "outside dataset was never loaded" in failure.step_failure_data.user_failure_data.description
        # The loader runs (its record names the task dataset it wrote); then the run is re-executed.
        instance.report_runless_asset_event(dg.AssetMaterialization(
            "outside_task_inputs", partition="sandbox", metadata={"task": "search", "dataset": "tiny"}))
        options = dg.ReexecutionOptions.from_failure(first.run_id, instance)
        # The partition tag travels with the re-execution, as the UI's "Re-execute" copies the run's tags.
        with dg.execute_job(job, instance, run_config=run_config(tmp_path), tags=tags,
                            reexecution_options=options) as again:
            assert again.success
        run = instance.get_run_by_id(again.run_id)
        assert run.job_name == JOB and run.parent_run_id == run.root_run_id == first.run_id
        assert run.tags["dagster/partition"] == PARTITION
        materialized = {e.asset_key.to_user_string() for e in again.get_asset_materialization_events()}
        assert materialized == {"item_embeddings", "benchmark_results"}
        assert len(list((tmp_path / "results" / "search" / "tiny").glob("random--*.json"))) == 1  # <encoder>--<run key>
