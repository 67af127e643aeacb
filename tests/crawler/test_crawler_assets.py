"""The crawl assets in Dagster: definitions load, a partition crawls into <data_root>/raw with
its stats as metadata, and the daily schedule asks for a re-crawl of crawled categories only."""
from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg

from crawler.archive import latest_entries
from pipelines.assets.crawl import daily_recrawl, raw_archive
from pipelines.resources import DataRoot


def test_definitions_hold_the_crawl_assets_pool_and_schedule():
    from pipelines.definitions import defs

    keys = {k.to_user_string() for a in defs.assets for k in getattr(a, "keys", ())}
    assert {"sandbox_site", "raw_archive"} <= keys
    assert raw_archive.partitions_def is not None
    assert raw_archive.op.pool == "crawl"
    assert next(s for s in defs.schedules if s.name == "daily_recrawl").cron_schedule == "0 3 * * *"


def test_raw_archive_partition_crawls_a_site_and_reports_stats(mini_store, tmp_path):
    data_root = DataRoot(path=str(tmp_path))
    run_config = dg.RunConfig(ops={"raw_archive": {"config": {
        "target": "site", "base_url": mini_store.base_url, "users": 3, "min_delay_s": 0.0, "concurrency": 4,
        "per_host_concurrency": 4}}})
    when = datetime(2026, 1, 2, 3, tzinfo=timezone.utc)
    with dg.build_schedule_context(resources={"data_root": data_root}, scheduled_execution_time=when) as context:
        assert isinstance(daily_recrawl(context), dg.SkipReason)  # nothing crawled yet

    result = dg.materialize([raw_archive], partition_key=mini_store.category, run_config=run_config,
                            resources={"data_root": data_root}, selection=[raw_archive])
    assert result.success
    metadata = result.asset_materializations_for_node("raw_archive")[0].metadata
    entries = latest_entries(tmp_path / "raw")
    assert metadata["responses_ok"].value == sum(1 for e in entries.values() if e["error"] is None and e["kind"] != "robots")
    assert metadata["reviews_seen"].value > 0 and metadata["requests"].value >= metadata["responses_ok"].value
    checks = result.get_asset_check_evaluations()
    assert [(c.check_name, c.passed) for c in checks] == [("failure_rate", True)]

    with dg.build_schedule_context(resources={"data_root": data_root}, scheduled_execution_time=when) as context:
        requests = list(daily_recrawl(context))
    assert [r.partition_key for r in requests] == [mini_store.category]
    assert requests[0].run_key == f"recrawl-{mini_store.category}-2026-01-02"


def test_sandbox_site_then_raw_archive_against_the_sandbox(tmp_path):
    import socket

    from pipelines.assets.crawl import sandbox_site

    with socket.socket() as probe:  # a free port: the asset serves the sandbox on a fixed one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data_root = DataRoot(path=str(tmp_path))
    site = dg.materialize([sandbox_site], resources={"data_root": data_root},
                          run_config=dg.RunConfig(ops={"sandbox_site": {"config": {"profile": "tiny", "seed": 2}}}))
    meta = site.asset_materializations_for_node("sandbox_site")[0].metadata
    assert meta["generated_now"].value is True and meta["truth_reviews"].value > 0
    again = dg.materialize([sandbox_site], resources={"data_root": data_root})
    assert again.asset_materializations_for_node("sandbox_site")[0].metadata["generated_now"].value is False

    config = {"target": "sandbox", "sandbox_port": port, "users": 4, "seed_products": 3, "min_delay_s": 0.0,
              "sandbox_crawl_delay": 0.0, "concurrency": 8, "per_host_concurrency": 8}
    crawl = dg.materialize([raw_archive], partition_key="All_Beauty", resources={"data_root": data_root},
                           run_config=dg.RunConfig(ops={"raw_archive": {"config": config}}))
    metadata = crawl.asset_materializations_for_node("raw_archive")[0].metadata
    assert metadata["finished"].value is True and metadata["reviews_seen"].value > 0
    assert (tmp_path / "raw" / "crawl.sqlite").exists() and any((tmp_path / "raw" / "manifest").iterdir())
