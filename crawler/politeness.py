"""Robots, per-host limits and the adaptive delay.

Per host, a request may start only when
  * robots.txt allows its URL (protego; disallowed URLs are never requested, only counted),
  * fewer than `per_host_concurrency` requests to that host are in flight,
  * at least `interval` has passed since the previous start, where
        interval = max(min_delay, robots Crawl-delay, adaptive delay) × (1 + uniform(0, jitter)),
    jitter only ever stretches the interval,
  * the host is not paused by a Retry-After (a 429/503 pauses the whole host, not one request).

The adaptive delay follows Scrapy's AutoThrottle: after each response the delay moves
halfway towards latency / target_concurrency; a non-200 response can only raise it.

A start is the moment the request is sent (httpcore's trace, after any connect), and each
start is handed to `on_start(host, unix_time, interval)` so the engine persists it in the
frontier: a restarted process loads it (`last_start`) and keeps the gap for its first request.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from email.utils import parsedate_to_datetime
from typing import Callable

from protego import Protego

from crawler.settings import CrawlSettings

log = logging.getLogger(__name__)


OnStart = Callable[[str, float, float], None]  # (host, unix time of the start, interval)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


class HostGate:
    """The politeness state of one host."""

    def __init__(self, host: str, settings: CrawlSettings, rng: random.Random,
                 last_start: tuple[float, float] | None = None, on_start: OnStart | None = None):
        self.host = host
        self.settings = settings
        self.rng = rng
        self.on_start = on_start
        self.robots: Protego | None = None
        self.crawl_delay = 0.0
        self.adaptive_delay = settings.min_delay_s
        self.paused_until = 0.0  # monotonic
        self.next_start = 0.0  # monotonic
        self.last_start = float("-inf")
        self._taken = 0.0  # the interval handed out with the last start
        if last_start is not None:  # a previous process's last start (unix time) and its interval
            unix, interval = last_start
            self.last_start = time.monotonic() - max(0.0, time.time() - unix)
            self.next_start = self.last_start + interval
        self._slots = asyncio.Semaphore(max(1, settings.per_host_concurrency))
        self._lock = asyncio.Lock()
        self._starting = 0  # acquirers waiting for (or holding) the lock: while any, newcomers queue too

    # -- robots -------------------------------------------------------------------------
    def set_robots(self, text: str | None, user_agent: str, disallow_all: bool = False) -> None:
        """`text` None with disallow_all=False: no robots.txt (4xx), everything allowed."""
        if disallow_all:
            self.robots = Protego.parse("User-agent: *\nDisallow: /\n")
        else:
            self.robots = Protego.parse(text or "")
        self.crawl_delay = float(self.robots.crawl_delay(user_agent) or 0.0)
        # The robots.txt request itself counts: the next start keeps the Crawl-delay from it.
        self.next_start = max(self.next_start, self.last_start + self.interval)

    def allowed(self, url: str, user_agent: str) -> bool:
        return self.robots is None or self.robots.can_fetch(url, user_agent)

    # -- timing -------------------------------------------------------------------------
    @property
    def interval(self) -> float:
        base = max(self.settings.min_delay_s, self.crawl_delay if self.settings.obey_robots else 0.0)
        if self.settings.autothrottle:
            base = max(base, self.adaptive_delay)
        return base

    async def acquire(self) -> None:
        """Wait for a slot and for this host's next allowed start time."""
        await self._slots.acquire()
        try:
            if self._starting or max(self.next_start, self.paused_until) > time.monotonic():
                self._starting += 1
                try:
                    async with self._lock:  # starts are handed out one at a time, in order
                        while True:
                            wait = max(self.next_start, self.paused_until) - time.monotonic()
                            if wait <= 0:
                                break
                            await asyncio.sleep(wait)
                        self._take_start()
                finally:
                    self._starting -= 1
            else:  # nobody waiting and no wait due: the same start, without the lock's round trip
                self._take_start()
        except BaseException:
            self._slots.release()
            raise

    def _take_start(self) -> None:
        interval = self.interval
        if interval > 0 and self.settings.jitter > 0:
            interval *= 1.0 + self.rng.uniform(0.0, self.settings.jitter)
        self._taken = interval
        self.last_start = time.monotonic()
        self.next_start = self.last_start + interval

    def sent(self) -> None:
        """The request taken by the last start went out now: the interval counts from here."""
        self.last_start = time.monotonic()
        self.next_start = max(self.next_start, self.last_start + self._taken)
        if self.on_start is not None:
            self.on_start(self.host, time.time(), self._taken)

    async def trace(self, event: str, info: dict) -> None:
        """httpcore's trace extension (only for hosts with an interval: it costs a call per event)."""
        if event.endswith("send_request_headers.started"):
            self.sent()

    def release(self) -> None:
        self._slots.release()

    def pause(self, seconds: float) -> float:
        """Pause every request to this host (Retry-After). Returns the pause actually applied."""
        seconds = min(seconds, self.settings.max_retry_after_s)
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)
        return seconds

    def feedback(self, latency: float, status: int | None) -> None:
        """AutoThrottle: move towards latency / target concurrency; errors never lower the delay."""
        if not self.settings.autothrottle:
            return
        target = latency / max(self.settings.autothrottle_target_concurrency, 0.01)
        new = (self.adaptive_delay + target) / 2.0
        if status != 200 and new < self.adaptive_delay:
            return
        self.adaptive_delay = min(max(new, self.settings.min_delay_s), self.settings.autothrottle_max_delay_s)

    def penalise(self) -> None:
        """A captcha or block page: back off hard (double the delay)."""
        if self.settings.autothrottle:
            self.adaptive_delay = min(max(self.adaptive_delay * 2, self.settings.min_delay_s, 0.5),
                                      self.settings.autothrottle_max_delay_s)


class Politeness:
    """All host gates of a crawl. `last_start(host)` gives a host's persisted (unix time, interval)
    of its last start, or None; `on_start` is told every start of a host with an interval."""

    def __init__(self, settings: CrawlSettings, seed: int = 0,
                 last_start: Callable[[str], tuple[float, float] | None] | None = None,
                 on_start: OnStart | None = None):
        self.settings = settings
        self.rng = random.Random(seed)
        self.gates: dict[str, HostGate] = {}
        self.last_start = last_start
        self.on_start = on_start

    def gate(self, host: str) -> HostGate:
        host = host.lower()
        if host not in self.gates:
            previous = self.last_start(host) if self.last_start is not None else None
            self.gates[host] = HostGate(host, self.settings, self.rng, previous, self.on_start)
        return self.gates[host]
