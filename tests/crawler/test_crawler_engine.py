"""The engine against a small storefront of our own (real HTTP on 127.0.0.1): the procedure,
incremental re-crawl, refusals and failures with reasons, robots, and crash replay."""
from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import random

import pytest

from crawler.amazon import rank
from crawler.archive import Archive
from crawler import engine as engine_module
from crawler.engine import CrawlLocked, Engine
from crawler import frontier as frontier_module
from crawler.frontier import Frontier, Request, canonical_url, fingerprint
from crawler.settings import CrawlSettings
from crawler.stats import Stats
from parsing.raw_archive import BodyError, iter_manifest, latest_entries, read_body


def fast(store, **changes) -> CrawlSettings:
    base = CrawlSettings(base_url=store.base_url, users=4, categories=(store.category,), min_delay_s=0.0, jitter=0.0,
                         autothrottle=False, per_host_concurrency=4, concurrency=4, progress=False,
                         backoff_base_s=0.05, backoff_max_s=0.5)
    return base.replace(**changes)


def truth(store, users) -> set[str]:
    return {json.dumps(r, sort_keys=True) for u in users for r in store.timelines[u]}


def test_pool_is_the_lowest_ranked_reviewers_and_every_review_is_archived(mini_store, tmp_path, reviews_in_archive):
    summary = Engine(fast(mini_store), tmp_path).run()
    expected_pool = sorted(mini_store.timelines, key=lambda u: rank(0, u))[:4]
    assert reviews_in_archive(tmp_path / "raw") == truth(mini_store, expected_pool)
    products = {e["url"] for e in latest_entries(tmp_path / "raw") if e["kind"] == "product" and e["error"] is None}
    reviewed = {r["parent_asin"] for u in expected_pool for r in mini_store.timelines[u]}
    assert products == {f"{mini_store.base_url}/dp/{a}" for a in reviewed}
    assert summary["finished"] and summary["phase"] == "done"
    assert summary["stats"]["item_scraped_count/reviews"] == len(truth(mini_store, expected_pool))
    assert summary["stats"]["dupefilter/filtered"] > 0  # product pages reviewed twice are fetched once


def test_incremental_recrawl_fetches_only_new_timeline_entries(mini_store, tmp_path, reviews_in_archive):
    Engine(fast(mini_store), tmp_path).run()
    pool = sorted(mini_store.timelines, key=lambda u: rank(0, u))[:4]
    before = len(mini_store.log)
    for user in pool[:2]:
        mini_store.add_review(user)
    summary = Engine(fast(mini_store), tmp_path).run()
    new_requests = [path for _, path, _ in mini_store.log[before:]]
    # One head page per reviewer and nothing older: the walk stops at the newest archived review.
    timeline_requests = [p for p in new_requests if p.startswith("/profilewidget/")]
    assert len(timeline_requests) == len(pool) and all("nextPageToken" not in p for p in timeline_requests)
    assert not [p for p in new_requests if p.startswith(("/s?", "/product-reviews/", "/gp/profile/"))]
    assert not [p for p in new_requests if p.startswith("/dp/")]  # product pages are fresh
    assert reviews_in_archive(tmp_path / "raw") == truth(mini_store, pool)
    assert summary["stats"]["item_scraped_count/reviews"] == 2


def test_product_pages_older_than_the_refresh_age_are_fetched_again(mini_store, tmp_path):
    Engine(fast(mini_store), tmp_path).run()
    before = len(mini_store.log)
    Engine(fast(mini_store, product_refresh_age_s=0.0), tmp_path).run()
    refetched = {p for _, p, _ in mini_store.log[before:] if p.startswith("/dp/")}
    stored = {e["url"] for e in latest_entries(tmp_path / "raw") if e["kind"] == "product"}
    assert refetched and {mini_store.base_url + p for p in refetched} == stored
    # The unchanged pages were not stored again: both runs' lines name the first run's bytes.
    raw = tmp_path / "raw"
    where: dict[str, set] = {}
    for _, entry in iter_manifest(raw):
        if entry["path"]:
            assert read_body(raw, entry)  # the member at the line's offset, checked against its sha256
            where.setdefault(entry["sha256"], set()).add((entry["path"], entry["offset"], entry["length"]))
    assert all(len(places) == 1 for places in where.values())
    assert len(list((raw / "bodies").glob("pack-*.gz"))) == 1  # the second run stored nothing new


def test_bad_pages_are_failures_with_reasons_and_retried_on_a_later_run(mini_store, tmp_path):
    asins = mini_store.asins
    mini_store.routes[f"/dp/{asins[0]}"] = (200, "text/html", b"<html><title>Robot Check</title><form action='/errors/validateCaptcha'>Type the characters you see in this image</form></html>")
    mini_store.routes[f"/dp/{asins[1]}"] = (200, "image/png", b"\x89PNG....")
    mini_store.routes[f"/dp/{asins[2]}"] = (200, "text/html", b"<html>" + b"x" * 50_000 + b"</html>")
    mini_store.routes[f"/dp/{asins[3]}"] = (301, "", b"http://elsewhere.example/dp/X")
    mini_store.routes[f"/dp/{asins[4]}"] = (301, "", f"/dp/{asins[4]}?again=1".encode())  # a redirect loop
    summary = Engine(fast(mini_store, users=6, max_body_bytes=20_000, max_redirects=3), tmp_path).run()
    failures = {e["url"].rsplit("/", 1)[1]: e["error"] for e in latest_entries(tmp_path / "raw") if e["error"]}
    assert failures == {asins[0]: "captcha", asins[1]: "content_type:image/png", asins[2]: "too_large",
                        asins[3]: "offsite_redirect:elsewhere.example", asins[4]: "too_many_redirects"}
    assert not any("elsewhere" in p for _, p, _ in mini_store.log)
    loop_requests = len([p for _, p, _ in mini_store.log if p.startswith(f"/dp/{asins[4]}")])
    assert loop_requests >= 4 and loop_requests % 4 == 0  # per attempt: the first hop + 3 redirects, no more
    assert summary["frontier"]["failed"] == 5 and summary["frontier"]["done"] > 20  # the crawl went on
    assert summary["stats"]["fetch/refused/offsite_redirect"] == 1
    mini_store.routes.clear()
    second = Engine(fast(mini_store, users=6), tmp_path).run()
    assert second["frontier"].get("failed", 0) == 0
    assert all(e["error"] is None for e in latest_entries(tmp_path / "raw"))


def test_run_ids_sort_in_start_order_across_a_second_boundary(monkeypatch):
    # Manifest parts are read in run-id order, so a later run's lines win in `latest_entries`. The
    # clock cannot be made to tick at will: read times at .9994, .9996 (rounds up) and just past.
    second = 1_796_601_599  # 2026-12-06T23:59:59Z: the boundary is also a minute, hour and day one
    ticks = iter([second * 10**9 + 999_400_000, second * 10**9 + 999_600_000, (second + 1) * 10**9 + 400_000])
    monkeypatch.setattr(engine_module.time, "time_ns", lambda: next(ticks))
    ids = [engine_module.new_run_id() for _ in range(3)]
    assert [i.split("-")[0] for i in ids] == ["20261206T235959999", "20261206T235959999", "20261207T000000000"]
    assert ids[0] <= ids[1] < ids[2]


def test_robots_disallowed_urls_are_never_requested_and_counted(mini_store, tmp_path):
    blocked = mini_store.asins[0]
    mini_store.routes["/robots.txt"] = (200, "text/plain", f"User-agent: *\nDisallow: /dp/{blocked}\n".encode())
    summary = Engine(fast(mini_store, users=6), tmp_path).run()
    assert not [p for _, p, _ in mini_store.log if p == f"/dp/{blocked}"]
    assert summary["stats"]["robotstxt/forbidden"] == 1
    assert summary["failures"] == {"robots_disallowed": 1}
    # robots.txt is stored once and reused by the next run while fresh
    Engine(fast(mini_store, users=6), tmp_path).run()
    assert [p for _, p, _ in mini_store.log].count("/robots.txt") == 1


def test_a_response_stored_before_a_kill_is_replayed_not_fetched_again(mini_store, tmp_path):
    Engine(fast(mini_store), tmp_path).run()
    raw = tmp_path / "raw"
    # Simulate a kill between the manifest line and the commit: a done product row goes back in flight.
    product = next(e for e in latest_entries(raw) if e["kind"] == "product")
    frontier = Frontier(raw / "crawl.sqlite")
    frontier.conn.execute("UPDATE requests SET state='in_flight', claimed_at=0 WHERE fp=?", (fingerprint(product["url"]),))
    # The batch that held the body's dedup row never committed either.
    frontier.conn.execute("DELETE FROM bodies WHERE sha=?", (product["sha256"],))
    frontier.close()
    before = len(mini_store.log)
    summary = Engine(fast(mini_store), tmp_path).run()
    assert summary["stats"]["recovery/replayed_from_archive"] == 1
    assert not [p for _, p, _ in mini_store.log[before:] if p.startswith("/dp/")]
    frontier = Frontier(raw / "crawl.sqlite")
    assert frontier.body_location(product["sha256"]) == (product["path"], product["offset"], product["length"])
    frontier.close()


def test_bodies_are_gzip_members_of_a_pack_read_back_by_offset(tmp_path):
    archive = Archive(tmp_path, "run1", pack_bytes=64)
    first, second, third = b"<html>one</html>" * 3, b"<html>two</html>", b"x" * 200
    places = [archive.append_member(Archive.compress(body)) for body in (first, second, third)]
    archive.close()
    assert places[0].path == places[1].path != places[2].path  # a pack past pack_bytes gives way to the next
    assert places[1].offset == places[0].length
    entries = [{"path": p.path, "offset": p.offset, "length": p.length, "sha256": hashlib.sha256(b).hexdigest()}
               for p, b in zip(places, (first, second, third))]
    assert [read_body(tmp_path, e) for e in entries] == [first, second, third]
    assert gzip.decompress((tmp_path / places[0].path).read_bytes()) == first + second  # plain multi-member gzip
    # A kill mid-write leaves a torn member at the end of the pack: the lines before it still read.
    with open(tmp_path / places[2].path, "ab") as pack:
        pack.write(Archive.compress(b"torn")[:7])
    assert read_body(tmp_path, entries[2]) == third
    with pytest.raises(BodyError, match="missing body"):
        read_body(tmp_path, {**entries[2], "offset": places[2].offset + places[2].length, "length": 30})
    with pytest.raises(BodyError, match="corrupt body"):
        read_body(tmp_path, {**entries[0], "offset": 1})
    with pytest.raises(BodyError, match="bad path"):
        read_body(tmp_path, {**entries[0], "length": None})


def test_frontier_dedups_by_canonical_url_and_requeues_in_flight(tmp_path):
    assert canonical_url("HTTP://Host:80/a?b=2&a=1#x") == "http://host/a?a=1&b=2"
    frontier = Frontier(tmp_path / "f.sqlite")
    assert frontier.add(Request("http://h/a?x=1&y=2", "product"))
    assert not frontier.add(Request("http://h/a?y=2&x=1", "product"))
    claimed = frontier.claim(5)
    assert [r.url for r in claimed] == ["http://h/a?x=1&y=2"]
    frontier.close()
    reopened = Frontier(tmp_path / "f.sqlite")  # a new process after a kill
    assert [r.fp for r in reopened.inflight()] == [claimed[0].fp]
    reopened.release([claimed[0].fp])
    assert reopened.counts() == {"queued": 1}
    assert sum(1 for _ in iter_manifest(tmp_path)) == 0


def test_the_canonical_url_shortcut_agrees_with_the_general_rule():
    rng = random.Random(7)
    pieces = {
        "scheme": ["http", "https", "HTTP", "Https"],
        "host": ["h", "www.example.com", "Example.COM", "127.0.0.1", "a-b.c", "h_x"],
        "port": ["", ":80", ":443", ":8080", ":080", ":65535", ":65536", ":0"],
        "path": ["", "/", "/dp/B0001", "/a b", "/a%20b", "//x", "/é", "/a;p", "/a\tb"],
        "query": ["", "?", "?a=1", "?b=2&a=1", "?a=1&b=2", "?a", "?a=", "?a=1&a=0", "?a=b=c", "?a=1&&b=2",
                  "?a+b=1", "?a=%7E", "?a=~", "?=x", "?x=1&X=2", "?nextPageToken=abc&page=2"],
        "fragment": ["", "#f"],
    }
    urls = {"{scheme}://{host}{port}{path}{query}{fragment}".format(**{k: rng.choice(v) for k, v in pieces.items()})
            for _ in range(3000)}
    unchanged = 0
    for url in urls:
        try:
            expected = frontier_module._canonicalize(url)
        except ValueError:  # an out-of-range port: both ways refuse it
            with pytest.raises(ValueError):
                canonical_url(url)
            continue
        assert canonical_url(url) == expected, url
        unchanged += expected == url
    assert unchanged > 100  # the shortcut's cases are well represented


def test_add_many_queues_a_pages_children_like_add_one_by_one(tmp_path):
    frontier = Frontier(tmp_path / "f.sqlite")
    assert frontier.add(Request("http://h/old", "product"))
    children = [Request(u, "product") for u in ("http://h/b", "http://h/old", "http://h/a?y=2&x=1", "http://h/a?x=1&y=2")]
    assert frontier.add_many(children) == 2  # a URL seen before and a duplicate within the page are filtered
    assert frontier.add_many([]) == 0
    assert [r.url for r in frontier.claim(10)] == ["http://h/old", "http://h/b", "http://h/a?y=2&x=1"]  # first in, first out
    frontier.close()


def test_stats_flush_hands_back_only_what_changed():
    stats = Stats()
    stats.inc("a")
    stats.inc("b", 3)
    assert stats.flush() == {"a": 1, "b": 3}
    stats.inc("b")
    assert stats.flush() == {"b": 1}
    assert stats.flush() == {}
    assert stats.as_dict() == {"a": 1, "b": 4}


def test_transient_faults_are_retried_and_a_503_pauses_the_whole_host(mini_store, tmp_path):
    target = f"/dp/{mini_store.asins[0]}"
    mini_store.faults[target] = ["503", "drop", "truncate", "slow"]
    settings = fast(mini_store, read_timeout_s=mini_store.READ_TIMEOUT_S, max_retries=5, per_host_concurrency=1)
    summary = Engine(settings, tmp_path).run()
    entry = next(e for e in latest_entries(tmp_path / "raw") if e["url"] == mini_store.base_url + target)
    assert entry["error"] is None and entry["status"] == 200
    assert summary["stats"]["retry/count"] == 4
    assert {"http_503", "connection", "truncated", "timeout"} <= {
        k.rsplit("/", 1)[1] for k in summary["stats"] if k.startswith("retry/reason_count/")}
    # Retry-After: 1 on the 503 paused every request to the host, not just the failed one.
    paused_at = next(t for t, p, s in mini_store.log if p == target and s == 503)
    assert not [p for t, p, _ in mini_store.log if paused_at + 0.01 < t < paused_at + 0.95]


def test_a_second_engine_on_the_same_archive_is_refused(mini_store, tmp_path):
    (tmp_path / "raw").mkdir()
    with open(tmp_path / "raw" / "crawl.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(CrawlLocked):
            Engine(fast(mini_store), tmp_path).run()
    assert Engine(fast(mini_store), tmp_path).run()["finished"]  # free again once released
