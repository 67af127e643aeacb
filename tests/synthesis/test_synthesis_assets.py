"""The Dagster assets: synthesised queries (through the chat stub) and their search set in the lake."""
from __future__ import annotations

import dagster as dg

from pipelines.assets.synthesis import complex_queries, complex_query_pool
from pipelines.resources import DataRoot
from synthesis_stub import SCRIPT, Stub
from warehouse.tasks import read_task


def test_assets_write_queries_and_a_search_set(lake, monkeypatch):
    root, _ = lake
    stub = Stub()
    monkeypatch.setenv("BLAIR_LLM_URL", stub.url)
    monkeypatch.setenv("BLAIR_LLM_KEY_ENV", "SYNTH_ASSET_KEY")
    monkeypatch.setenv("SYNTH_ASSET_KEY", "asset-key")
    try:
        config = {"ops": {"complex_queries": {"config": {"n": 10, "llm": "api:stub"}}}}
        result = dg.materialize([complex_queries, complex_query_pool], resources={"data_root": DataRoot(path=str(root))},
                                run_config=config, partition_key="amazon_c4_synth")
    finally:
        stub.close()
    assert result.success
    kept = sum(reason is None for _, reason in SCRIPT.values())
    meta = result.asset_materializations_for_node("complex_queries")[0].metadata
    assert meta["sampled"].value == 10 and meta["kept"].value == kept and meta["asked_this_run"].value == 10
    assert meta["quarantine"].value["names the product"] == 2
    assert meta["preview"].value.splitlines()[0] == "| qid | item_id | query |"
    frames = read_task(root, "search", "amazon_c4_synth")
    assert len(frames["queries"]) == kept and len(frames["items"]) == 8
    pool = result.asset_materializations_for_node("complex_query_pool")[0].metadata
    assert pool["dataset"].value == "search.amazon_c4_synth" and pool["queries"].value == kept
