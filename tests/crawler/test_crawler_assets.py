"""The crawl assets in Dagster: definitions load, a partition crawls into <data_root>/raw with this
run's stats as metadata, the daily schedule asks for a re-crawl of crawled categories only, and a
real-site target set by base URL alone crawls with the crawler library's polite defaults."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from http.server import ThreadingHTTPServer

import dagster as dg
import pytest

from crawler.settings import CrawlSettings
from parsing.raw_archive import latest_entries
from pipelines.assets.crawl import daily_recrawl, raw_archive
from pipelines.crawl_target import RealSite, SandboxStorefront, crawl_target_from_env
from pipelines.resources import DataRoot

POLITE_DELAY_S = 0.2  # small, so the test stays fast; the library default is 1 s
AGENT = "blair-test/1.0 (+https://example.org/contact)"


def test_definitions_hold_the_crawl_assets_pool_and_schedule():
    from pipelines.definitions import defs

    keys = {k.to_user_string() for a in defs.assets for k in getattr(a, "keys", ())}
    assert {"sandbox_site", "raw_archive"} <= keys
    assert raw_archive.partitions_def is not None
    assert raw_archive.op.pool == "crawl"
    assert next(s for s in defs.schedules if s.name == "daily_recrawl").cron_schedule == "0 3 * * *"


def test_the_target_comes_from_the_environment_and_unset_knobs_are_the_library_defaults():
    site = crawl_target_from_env({"BLAIR_CRAWL_TARGET": "site", "BLAIR_CRAWL_BASE_URL": "https://shop.example",
                                  "BLAIR_CRAWL_USER_AGENT": AGENT})
    assert isinstance(site, RealSite)
    settings, defaults = site.settings("https://shop.example", "All_Beauty"), CrawlSettings()
    assert settings.user_agent == AGENT
    for knob in ("min_delay_s", "per_host_concurrency", "concurrency", "obey_robots", "users", "jitter"):
        assert getattr(settings, knob) == getattr(defaults, knob), knob
    assert isinstance(crawl_target_from_env({}), SandboxStorefront)
    for bad in ({"BLAIR_CRAWL_TARGET": "site"}, {"BLAIR_CRAWL_TARGET": "moon"}):
        with pytest.raises(ValueError, match="BLAIR_CRAWL"):
            crawl_target_from_env(bad)


def test_raw_archive_partition_crawls_a_site_and_reports_this_runs_stats(mini_store, tmp_path):
    data_root = DataRoot(path=str(tmp_path))
    target = RealSite(base_url=mini_store.base_url, users=3, min_delay_s=0.0, concurrency=4, per_host_concurrency=4)
    resources = {"data_root": data_root, "crawl_target": target}
    when = datetime(2026, 1, 2, 3, tzinfo=timezone.utc)
    with dg.build_schedule_context(resources={"data_root": data_root}, scheduled_execution_time=when) as context:
        assert isinstance(daily_recrawl(context), dg.SkipReason)  # nothing crawled yet

    mini_store.routes["/dp/B0MINI0001"] = (403, "text/html", b"<html>no</html>")  # fails in the first run only
    result = dg.materialize([raw_archive], partition_key=mini_store.category, resources=resources)
    metadata = result.asset_materializations_for_node("raw_archive")[0].metadata
    entries = latest_entries(tmp_path / "raw")
    stored = sum(1 for e in entries if e["error"] is None and e["kind"] != "robots")
    assert metadata["responses_ok"].value == stored
    assert metadata["reviews_seen"].value > 0 and metadata["failed"].value == 1
    [check] = result.get_asset_check_evaluations()
    assert check.check_name == "failure_rate" and check.metadata["failed"].value == 1

    del mini_store.routes["/dp/B0MINI0001"]
    again = dg.materialize([raw_archive], partition_key=mini_store.category, resources=resources)
    metadata = again.asset_materializations_for_node("raw_archive")[0].metadata
    assert metadata["failed"].value == 0  # per run: the first run's failure is not counted again
    assert [(c.check_name, c.passed) for c in again.get_asset_check_evaluations()] == [("failure_rate", True)]

    with dg.build_schedule_context(resources={"data_root": data_root}, scheduled_execution_time=when) as context:
        requests = list(daily_recrawl(context))
    assert [r.partition_key for r in requests] == [mini_store.category]
    assert requests[0].run_key == f"recrawl-{mini_store.category}-2026-01-02"


@pytest.fixture
def recorded_site(mini_store):
    """The mini store behind a second plain HTTP server that records when each request starts and ends.

    "end" is logged as the answer starts (before its first byte), so the crawler cannot have it, and
    send the next request, before "end" is in the log, however late a busy machine runs this thread.
    """
    events: list[tuple[str, float, str, str]] = []
    lock = threading.Lock()

    class Recording(mini_store.handler()):
        def do_GET(self):
            self._ended = False
            with lock:
                events.append(("start", time.monotonic(), self.path, self.headers.get("User-Agent", "")))
            try:
                super().do_GET()
            finally:
                self._end()

        def send_response(self, *args, **kwargs):
            self._end()
            super().send_response(*args, **kwargs)

        def _end(self):
            if not self._ended:
                self._ended = True
                with lock:
                    events.append(("end", time.monotonic(), self.path, ""))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recording)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", events
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_a_site_target_with_only_a_base_url_crawls_politely(recorded_site, tmp_path, gate_starts):
    base_url, events = recorded_site
    target = RealSite(base_url=base_url, user_agent=AGENT, min_delay_s=POLITE_DELAY_S, users=2)
    result = dg.materialize([raw_archive], partition_key="All_Beauty",
                            resources={"data_root": DataRoot(path=str(tmp_path)), "crawl_target": target})
    assert result.success
    starts = [e for e in events if e[0] == "start"]
    assert len(starts) > 5
    assert starts[0][2] == "/robots.txt"
    assert not [e for e in starts if e[2].startswith(("/gp/cart", "/ap/"))]  # disallowed by robots.txt
    assert {e[3] for e in starts} == {AGENT}
    in_flight = peak = 0
    for kind, *_ in sorted(events, key=lambda e: (e[1], e[0] == "start")):
        in_flight += 1 if kind == "start" else -1
        peak = max(peak, in_flight)
    assert peak == 1
    sends = gate_starts.starts()  # the gate's own start times (server arrival times are noisy under load)
    assert len(sends) == len(starts)  # every request the site saw went out through the gate
    gaps = [b - a for a, b in zip(sends[1:], sends[2:])]  # after robots.txt, every gap holds the delay
    assert min(gaps) >= POLITE_DELAY_S - 1e-9, gaps


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
    again = dg.materialize([sandbox_site], resources={"data_root": data_root},
                           run_config=dg.RunConfig(ops={"sandbox_site": {"config": {"profile": "tiny", "seed": 2}}}))
    assert again.asset_materializations_for_node("sandbox_site")[0].metadata["generated_now"].value is False

    target = SandboxStorefront(port=port, users=4, seed_products=3, min_delay_s=0.0, crawl_delay_s=0.0,
                               concurrency=8, per_host_concurrency=8)
    crawl = dg.materialize([raw_archive], partition_key="All_Beauty",
                           resources={"data_root": data_root, "crawl_target": target})
    metadata = crawl.asset_materializations_for_node("raw_archive")[0].metadata
    assert metadata["finished"].value is True and metadata["reviews_seen"].value > 0
    assert metadata["target"].value == f"sandbox storefront on 127.0.0.1:{port}"
    assert (tmp_path / "raw" / "crawl.sqlite").exists() and any((tmp_path / "raw" / "manifest").iterdir())
