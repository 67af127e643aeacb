"""Done-when tests of the crawler against the real sandbox storefront on 127.0.0.1 (tiny profile):
completeness against the ground truth, the same under faults, crash safety under SIGKILL,
politeness read from the server's request log, and bad input recorded with reasons."""
from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.engine import Engine
from crawler.frontier import Frontier
from crawler.settings import CrawlSettings
from parsing.categories import CATEGORIES
from parsing.links import timeline_page
from parsing.raw_archive import iter_manifest, latest_entries, read_body

sandbox = pytest.importorskip("sandbox.server", reason="the sandbox storefront is not there yet")
SandboxServer = sandbox.SandboxServer
Faults = sandbox.Faults

SEED = 3
CATEGORIES_OF_TINY = ("All_Beauty", "Sports_and_Outdoors")
USERS = 12
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sandbox") / "tiny"
    subprocess.run([sys.executable, "-m", "sandbox", "generate", "--profile", "tiny", "--seed", str(SEED),
                    "--out", str(out)], check=True, cwd=REPO)
    return out


def fast(base_url: str, **changes) -> CrawlSettings:
    settings = CrawlSettings(base_url=base_url, users=USERS, seed=SEED, seed_products=6, min_delay_s=0.0, jitter=0.0,
                             autothrottle=False, concurrency=8, per_host_concurrency=8, progress=False,
                             backoff_base_s=0.02, backoff_max_s=0.2, read_timeout_s=2.0, connect_timeout_s=2.0)
    return settings.replace(**changes)


# -- reading back ----------------------------------------------------------------------------
def crawled_reviews(raw: Path) -> Counter:
    """Reviews of the latest stored body of every timeline URL (a multiset: a reviewer may review an item twice)."""
    found = Counter()
    for entry in latest_entries(raw):
        if entry["kind"] == "timeline" and entry["error"] is None:
            for review in timeline_page(read_body(raw, entry)).reviews:
                found[json.dumps(review, sort_keys=True)] += 1
    return found


def pool(raw: Path) -> set[str]:
    frontier = Frontier(raw / "crawl.sqlite")
    users = {u for (u,) in frontier.conn.execute("SELECT user_id FROM users")}
    frontier.close()
    return users


def truth_reviews(site: Path, users: set[str]) -> Counter:
    found = Counter()
    for path in (site / "truth").glob("*.jsonl"):
        if path.stem not in CATEGORIES:  # meta_*, search_queries
            continue
        for line in path.open():
            review = json.loads(line)
            if review["user_id"] in users:
                found[json.dumps(review, sort_keys=True)] += 1
    return found


def truth_items_with_page(site: Path) -> set[str]:
    return {json.loads(line)["parent_asin"] for path in (site / "truth").glob("meta_*.jsonl") for line in path.open()}


def assert_complete(site: Path, raw: Path) -> None:
    users = pool(raw)
    assert len(users) == USERS
    expected = truth_reviews(site, users)
    got = crawled_reviews(raw)
    assert got == expected, f"{sum((expected - got).values())} missing, {sum((got - expected).values())} extra"
    stored_products = {urlsplit(e["url"]).path.rsplit("/", 1)[1] for e in latest_entries(raw)
                       if e["kind"] == "product" and e["error"] is None}
    reviewed = {json.loads(r)["parent_asin"] for r in expected}
    assert reviewed & truth_items_with_page(site) <= stored_products
    assert stored_products <= reviewed


# -- the tests ---------------------------------------------------------------------------------
def test_crawl_equals_the_ground_truth(site, tmp_path):
    with SandboxServer(site, port=0, crawl_delay=0) as server:
        summary = Engine(fast(server.base_url), tmp_path).run()
    assert summary["finished"] and summary["phase"] == "done"
    assert_complete(site, tmp_path / "raw")
    # Items whose page is gone are recorded as failures with their reason, not silently dropped.
    assert set(summary["failures"]) <= {"http_404"}


@pytest.mark.slow
def test_crawl_under_faults_equals_the_ground_truth(site, tmp_path):
    faults = Faults(p503=0.10, p429=0.05, drop=0.02, slow=0.05, slow_s=0.3, retry_after_s=1)
    with SandboxServer(site, port=0, faults=faults, crawl_delay=0) as server:
        summary = Engine(fast(server.base_url, max_retries=8, retry_budget=5000), tmp_path).run()
        log = list(server.request_log)
    stats = summary["stats"]
    assert stats["retry/count"] > 0 and stats["politeness/retry_after_pauses"] > 0
    assert_complete(site, tmp_path / "raw")
    statuses = Counter(r.status for r in log)
    assert statuses[503] > 0 and statuses[429] > 0


def _cli(base_url: str, out: Path) -> list[str]:
    return [sys.executable, "-m", "crawler", "crawl", "--base-url", base_url, "--users", str(USERS), "--out", str(out),
            "--seed", str(SEED), "--seed-products", "6", "--no-progress", "--min-delay-s", "0", "--jitter", "0",
            "--no-autothrottle", "--concurrency", "4", "--per-host-concurrency", "4"]


@pytest.mark.slow
def test_sigkill_three_times_and_resume_gives_the_same_archive_without_refetching(site, tmp_path):
    with SandboxServer(site, port=0, crawl_delay=0) as server:
        base = server.base_url
        subprocess.run(_cli(base, tmp_path / "whole"), check=True, capture_output=True, cwd=REPO)
        total = len(server.request_log)
        start = total
        kills = sorted(random.Random().sample(range(total // 10, total * 9 // 10), 3))
        for at in kills:
            proc = subprocess.Popen(_cli(base, tmp_path / "killed"), cwd=REPO,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while len(server.request_log) - start < at and proc.poll() is None:
                time.sleep(0.002)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        subprocess.run(_cli(base, tmp_path / "killed"), check=True, capture_output=True, cwd=REPO)
        log = list(server.request_log)[start:]

    whole, killed = tmp_path / "whole" / "raw", tmp_path / "killed" / "raw"
    stored = {e["url"]: e["sha256"] for e in latest_entries(killed) if e["error"] is None}
    assert stored == {e["url"]: e["sha256"] for e in latest_entries(whole) if e["error"] is None}
    assert crawled_reviews(killed) == crawled_reviews(whole)
    assert pool(killed) == pool(whole)
    # The kills landed mid-crawl: each resume found requests in flight (read back with the stats CLI).
    report = json.loads(subprocess.run([sys.executable, "-m", "crawler", "stats", "--out", str(tmp_path / "killed"), "--json"],
                                       check=True, capture_output=True, text=True, cwd=REPO).stdout)
    cumulative = report["cumulative"]
    assert cumulative.get("recovery/requeued", 0) + cumulative.get("recovery/replayed_from_archive", 0) > 0
    assert report["frontier"].get("queued", 0) == 0 and report["frontier"].get("in_flight", 0) == 0
    # Every stored body reads back from where its line says, and dedup knows it (rows a kill lost were re-added).
    frontier = Frontier(killed / "crawl.sqlite")
    for _, entry in iter_manifest(killed):
        if entry["path"]:
            assert read_body(killed, entry)
            assert frontier.body_location(entry["sha256"]) is not None
    frontier.close()
    # After a page was stored, no later request asked for it again.
    first_stored: dict[str, float] = {}
    for _, entry in iter_manifest(killed):
        if entry["error"] is None:
            url = urlsplit(entry["url"])
            path = url.path + (f"?{url.query}" if url.query else "")
            first_stored.setdefault(path, datetime.fromisoformat(entry["fetched_at"]).timestamp())
    again = [r.path for r in log if r.path in first_stored and r.time > first_stored[r.path] + 0.05]
    assert again == []


@pytest.mark.slow
def test_politeness_from_the_server_log(site, tmp_path, gate_starts):
    crawl_delay = 0.15  # larger than the configured min delay: robots.txt wins
    faults = Faults(p429=0.05, retry_after_s=1, seed=2)
    # The server also enforces a rate above 1/Crawl-delay: a request far too early shows as a 429. Its
    # burst of 2 absorbs one late arrival (a server thread scheduled late on a busy machine) followed by
    # an on-time one; a crawler ignoring the delay sends several within one and is still caught.
    with SandboxServer(site, port=0, faults=faults, crawl_delay=crawl_delay, rate_limit=1.5 / crawl_delay,
                       rate_burst=2) as server:
        settings = fast(server.base_url, users=3, seed_products=2, min_delay_s=0.05, jitter=0.2,
                        per_host_concurrency=1, concurrency=4, autothrottle=True)
        summary = Engine(settings, tmp_path).run()
        log = list(server.request_log)
    assert summary["finished"]
    # Every request the server saw went out through the gate, robots.txt included ...
    sends = gate_starts.starts()
    assert len(sends) == len(log) > 10
    # ... and no two went out closer than the Crawl-delay. Send times, not arrival times: arrivals carry
    # the server threads' scheduling noise, which on a loaded machine exceeds any fixed slack.
    gaps = [b - a for a, b in zip(sends, sends[1:])]
    assert min(gaps) >= crawl_delay - 1e-9, gaps  # per-host rate ≤ 1 / Crawl-delay, including after robots.txt
    # From the server's side: the mean rate (arrival noise only at the two ends) and no rate-limit hit.
    assert (len(log) - 1) / (log[-1].mono - log[0].mono) <= 1 / crawl_delay
    assert not [r for r in log if r.fault == "rate_limit"]
    assert not [r.path for r in log if r.path.startswith(("/gp/cart", "/ap/"))]
    fault_429 = [r for r in log if r.status == 429]
    assert fault_429 and summary["stats"]["politeness/retry_after_pauses"] == len(fault_429)
    # Arrival noise only delays a request, so these hold exactly: nothing reached the host inside a pause.
    assert not [r for r in log if r.during_pause]
    for r in fault_429:
        assert not [o for o in log if r.mono < o.mono < r.mono + r.retry_after]


def test_bad_input_is_recorded_with_reasons_the_crawl_goes_on_and_a_later_run_retries(site, tmp_path):
    faults = Faults(truncate=0.05, captcha=0.05, wrong_type=0.03, oversize=0.03, oversize_bytes=500_000, seed=1)
    with SandboxServer(site, port=0, faults=faults, crawl_delay=0) as server:
        port = server.port
        settings = fast(server.base_url, max_retries=0, max_body_bytes=400_000, categories=CATEGORIES_OF_TINY)
        summary = Engine(settings, tmp_path).run()
    reasons = Counter(e["error"].split(":")[0] for e in latest_entries(tmp_path / "raw") if e["error"])
    assert {"truncated", "captcha", "content_type", "too_large"} <= set(reasons)
    assert summary["finished"] and summary["frontier"]["done"] > 3 * summary["frontier"]["failed"]
    assert sum(summary["failures"].values()) == sum(reasons.values())  # each failure stored with its reason
    # The next run (same site, no faults) fetches every failure again and completes the crawl.
    with SandboxServer(site, port=port, crawl_delay=0) as server:
        second = Engine(settings, tmp_path).run()
    assert set(second["failures"]) <= {"http_404"}
    assert_complete(site, tmp_path / "raw")
