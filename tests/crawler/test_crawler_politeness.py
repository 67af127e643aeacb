"""Politeness rules as pure units: robots Crawl-delay, jitter that only stretches, AutoThrottle
that errors cannot lower, Retry-After that pauses the whole host."""
from __future__ import annotations

import asyncio
import random
import time

from crawler.politeness import HostGate, parse_retry_after
from crawler.settings import CrawlSettings

ROBOTS = "User-agent: *\nDisallow: /gp/cart\nDisallow: /ap/\nCrawl-delay: 0.2\n"


def gate(**changes) -> HostGate:
    return HostGate("h", CrawlSettings(**changes), random.Random(0))


def test_interval_is_the_larger_of_config_and_crawl_delay():
    g = gate(min_delay_s=0.05, autothrottle=False)
    g.set_robots(ROBOTS, "bot")
    assert g.interval == 0.2
    assert not g.allowed("http://h/gp/cart/x", "bot") and g.allowed("http://h/dp/B000000001", "bot")
    g = gate(min_delay_s=0.5, autothrottle=False)
    g.set_robots(ROBOTS, "bot")
    assert g.interval == 0.5


def test_an_unreachable_robots_txt_disallows_everything():
    g = gate()
    g.set_robots(None, "bot", disallow_all=True)
    assert not g.allowed("http://h/", "bot")


def test_autothrottle_errors_never_lower_the_delay():
    g = gate(min_delay_s=0.1, autothrottle=True, autothrottle_target_concurrency=1.0)
    g.feedback(latency=2.0, status=200)
    raised = g.adaptive_delay
    assert raised > 0.1
    g.feedback(latency=0.0, status=503)
    assert g.adaptive_delay == raised  # an error response with low latency does not speed us up
    g.feedback(latency=0.0, status=200)
    assert g.adaptive_delay < raised


def test_starts_are_spaced_by_the_interval_with_jitter_only_stretching_and_pauses_hold_the_host():
    async def run():
        g = gate(min_delay_s=0.05, jitter=0.5, autothrottle=False, per_host_concurrency=4)
        starts, taken = [], []
        for _ in range(5):
            await g.acquire()
            starts.append(g.last_start)  # the clock read as the start was taken
            taken.append(g._taken)  # the interval this start handed out, jitter included
            g.release()
        paused_at = time.monotonic()  # read before the pause: a delay after it cannot shorten `waited`
        g.pause(0.3)
        await g.acquire()
        g.release()
        return starts, taken, time.monotonic() - paused_at

    starts, taken, waited = asyncio.run(run())
    # Jitter only stretches, by at most `jitter`: read from the gate, not from a loaded clock.
    assert all(0.05 <= t <= 0.05 * 1.5 for t in taken) and len(set(taken)) > 1
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    # Each start waited its interval (a lower bound: a busy machine only makes gaps longer).
    assert all(gap >= t - 1e-9 for gap, t in zip(gaps, taken)), (gaps, taken)  # 1e-9: float rounding
    assert waited >= 0.3 - 1e-9


def test_retry_after_in_seconds_or_http_date():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert 9 <= parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) <= 11


def test_the_interval_counts_from_when_the_request_is_sent_not_from_the_slot():
    async def run():
        g = gate(min_delay_s=0.3, jitter=0.0, autothrottle=False)
        await g.acquire()
        await asyncio.sleep(0.2)  # a slow connect between the slot and the request going out
        sent = time.monotonic()  # read before the trace: a delay after it cannot shorten the gap
        await g.trace("http11.send_request_headers.started", {})
        g.release()
        await g.acquire()
        g.release()
        return time.monotonic() - sent

    assert asyncio.run(run()) >= 0.3 - 1e-9  # timed from the slot, it would have been 0.1


def test_a_new_gate_keeps_the_gap_from_a_persisted_start():
    seen = []
    before = time.monotonic()
    last = time.time() - 0.1  # a start 0.1 s ago, with a 0.5 s interval
    g = HostGate("h", CrawlSettings(min_delay_s=0.0, autothrottle=False), random.Random(0),
                 last_start=(last, 0.5), on_start=lambda *a: seen.append(a))
    after = time.monotonic()
    # Bracketed by the clock around the call, so a slow (loaded) call cannot move the bounds.
    tolerance = 0.01  # wall and monotonic clocks may drift apart a little
    assert before + 0.4 - tolerance <= g.next_start <= after + 0.4 + tolerance  # 0.5 s after that start
    g.set_robots("User-agent: *\nCrawl-delay: 2\n", "bot")
    assert before + 1.9 - tolerance <= g.next_start <= after + 1.9 + tolerance  # a larger Crawl-delay too
    g.sent()
    assert seen and seen[0][0] == "h"
