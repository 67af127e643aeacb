"""One HTTP exchange, with retries. The steps around a fetch, in this fixed order:

    1. robots      a disallowed URL is never requested (counted, recorded as a failure)
    2. retries     tenacity: exponential backoff + jitter for 5xx, 408, 429, timeouts,
                   connection errors and truncated bodies, within a per-run retry budget
    3. politeness  each attempt waits for its host's slot, interval and Retry-After pause
    4. exchange    timeouts, redirects followed by hand (allowed hosts only, at most
                   max_redirects), body streamed and decoded by crawler.decode with the
                   max_body_bytes cap enforced while inflating, Content-Length checked
    5. checks      status, content type, captcha page: a failure with a reason, never a crash
    6. stats       Scrapy-style counters for all of the above
"""
from __future__ import annotations

import asyncio
import functools
import logging
import random
import ssl
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urljoin, urlsplit

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from crawler.archive import KEPT_HEADERS
from crawler.decode import DecodeRefused, decoder_for
from crawler.politeness import Politeness, parse_retry_after
from crawler.settings import CrawlSettings
from crawler.stats import Stats
from crawler.transport import keep_sockets

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class Retryable(Exception):
    """A transient failure: worth another attempt after a backoff."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


class Refused(Exception):
    """A permanent failure of this exchange (off-site redirect, too many redirects, too large)."""

    def __init__(self, reason: str, status: int | None = None, final_url: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.final_url = final_url


@dataclass
class Response:
    url: str
    final_url: str
    status: int | None
    body: bytes | None = None
    content_type: str | None = None
    headers: dict = field(default_factory=dict)
    error: str | None = None  # None: a usable page
    fetched_at: float = 0.0  # unix time
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle costs ~60 ms of CPU; one context serves every client of the process.
    return httpx.create_ssl_context()


def make_client(settings: CrawlSettings, cheap_idle_checks: bool = True) -> httpx.AsyncClient:
    """The crawl's HTTP client. `cheap_idle_checks=False` gives a stock httpx client (the bench's peer)."""
    n = max(settings.concurrency, 1)
    client = httpx.AsyncClient(
        verify=_ssl_context(),
        timeout=httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
        limits=httpx.Limits(max_connections=n, max_keepalive_connections=n),
        follow_redirects=False,  # redirects are checked hop by hop (allowed hosts, count)
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
    )
    return keep_sockets(client) if cheap_idle_checks else client


class Fetcher:
    def __init__(self, settings: CrawlSettings, politeness: Politeness, stats: Stats, client: httpx.AsyncClient):
        self.settings = settings
        self.politeness = politeness
        self.stats = stats
        self.client = client
        self.retry_budget = settings.retry_budget
        self.allowed_hosts = {h.lower() for h in settings.hosts}

    async def fetch(self, url: str, expect_types: tuple[str, ...] = (),
                    is_blocked: Callable[[bytes], bool] | None = None, check_robots: bool = True) -> Response:
        host = urlsplit(url).netloc.lower()
        # 1. robots
        if check_robots and self.settings.obey_robots and not self.politeness.gate(host).allowed(url, self.settings.user_agent):
            self.stats.inc("robotstxt/forbidden")
            return Response(url, url, None, error="robots_disallowed", fetched_at=time.time())
        # 2-4. retries around politeness + exchange
        attempts = 1
        last: Retryable | None = None
        try:
            try:
                response = await self._exchange(url, host)  # the common case pays for no retry machinery
            except Retryable as first:
                response, attempts = await self._retry(url, host, first)
        except Retryable as error:
            last = error
        except Refused as error:
            self.stats.inc(f"fetch/refused/{error.reason.split(':')[0]}")
            return Response(url, error.final_url or url, error.status, error=error.reason,
                            fetched_at=time.time(), attempts=attempts)
        if last is not None:
            reason = last.reason if self.retry_budget > 0 else f"{last.reason} (retry budget spent)"
            self.stats.inc("retry/max_reached")
            return Response(url, url, last.status, error=reason, fetched_at=time.time(), attempts=attempts)
        response.attempts = attempts
        # 5. checks
        response.error = self._check(response, expect_types, is_blocked)
        if response.error == "captcha":
            self.politeness.gate(urlsplit(response.final_url).netloc).penalise()
        return response

    # -- retries ----------------------------------------------------------------------------
    async def _retry(self, url: str, host: str, first: Retryable) -> tuple[Response, int]:
        """Attempts 2..max_retries+1 after a transient failure: exponential backoff with jitter."""
        if self.settings.max_retries <= 0 or self.retry_budget <= 0:
            raise first
        self._note_retry(first)
        base = self.settings.backoff_base_s
        await asyncio.sleep(min(base + random.uniform(0, base), self.settings.backoff_max_s))
        attempts = 1
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(Retryable),
            stop=stop_after_attempt(self.settings.max_retries) | self._budget_spent,
            # tenacity's attempt 1 is our attempt 2: the waits continue base·2, base·4, …
            wait=wait_exponential_jitter(multiplier=2 * base, max=self.settings.backoff_max_s, jitter=base),
            before_sleep=lambda state: self._note_retry(state.outcome.exception()),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                attempts += 1
                response = await self._exchange(url, host)
        return response, attempts

    def _budget_spent(self, retry_state) -> bool:
        return self.retry_budget <= 0

    def _note_retry(self, error: BaseException) -> None:
        self.retry_budget -= 1
        self.stats.inc("retry/count")
        self.stats.inc(f"retry/reason_count/{getattr(error, 'reason', type(error).__name__).split(':')[0]}")

    # -- one exchange, redirects followed by hand ------------------------------------------
    async def _exchange(self, url: str, host: str) -> Response:
        current = url
        for hop in range(self.settings.max_redirects + 1):
            if hop:
                host = urlsplit(current).netloc.lower()
            if host not in self.allowed_hosts:
                log.warning("refused off-site redirect %s -> %s", url, current)
                raise Refused(f"offsite_redirect:{host}", final_url=current)
            location = await self._one(current, host)
            if isinstance(location, Response):
                location.url = url
                return location
            current = urljoin(current, location)
            self.stats.inc("downloader/redirects")
        raise Refused("too_many_redirects", final_url=current)

    async def _one(self, url: str, host: str) -> Response | str:
        """One request to one host. Returns the Response, or the Location of a redirect."""
        gate = self.politeness.gate(host)
        await gate.acquire()
        started = time.monotonic()
        status: int | None = None
        in_body = False
        try:
            self.stats.inc("downloader/request_count")
            # A polite host times its interval from the moment the request is sent (after any
            # connect), read from httpcore's trace; an unthrottled one pays for no trace at all.
            extensions = {"trace": gate.trace} if gate.interval > 0 else None
            async with self.client.stream("GET", url, extensions=extensions) as r:
                status = r.status_code
                # One pass over the headers (lower-case names, repeats joined as httpx's get() joins
                # them) instead of a scan of the header list per lookup.
                headers = dict(r.headers.items())
                self.stats.inc(f"downloader/response_status_count/{status}")
                if status in (429, 503):
                    pause = parse_retry_after(headers.get("retry-after"))
                    if pause is not None:
                        gate.pause(pause)  # the whole host waits, not just this request
                        self.stats.inc("politeness/retry_after_pauses")
                if status in REDIRECT_STATUSES and headers.get("location"):
                    return headers["location"]
                if status in RETRY_STATUSES:
                    raise Retryable(f"http_{status}", status)
                declared = headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.settings.max_body_bytes:
                    raise Refused("too_large", status, url)
                in_body = True
                limit = self.settings.max_body_bytes
                try:
                    decoder = decoder_for(headers.get("content-encoding"), limit)
                    chunks, size = [], 0
                    async for chunk in r.aiter_raw():  # raw bytes: httpx's decoders would inflate uncapped
                        if decoder is not None:
                            chunk = decoder.feed(chunk)
                        size += len(chunk)
                        if size > limit:
                            raise Refused("too_large", status, url)
                        chunks.append(chunk)
                    if declared and declared.isdigit() and r.num_bytes_downloaded < int(declared):
                        raise Retryable("truncated", status)
                    if decoder is not None:
                        chunks.append(decoder.flush())
                except DecodeRefused as refused:
                    raise Refused(refused.reason, status, url) from None
                body = b"".join(chunks)
                self.stats.inc("downloader/response_bytes", r.num_bytes_downloaded)
                return Response(
                    url=url, final_url=url, status=status, body=body,
                    content_type=(headers.get("content-type") or "").split(";")[0].strip().lower() or None,
                    headers={k: headers[k] for k in KEPT_HEADERS if k in headers},
                    fetched_at=time.time(),
                )
        except httpx.TimeoutException as error:
            self.stats.inc("downloader/exception_count/timeout")
            raise Retryable("timeout", status) from error
        except httpx.TransportError as error:
            # An early close once the body has started is a truncated body, else a dropped connection.
            reason = "truncated" if in_body else f"connection:{type(error).__name__}"
            self.stats.inc(f"downloader/exception_count/{reason.split(':')[0]}")
            raise Retryable(reason, status) from error
        finally:
            gate.release()
            gate.feedback(time.monotonic() - started, status)

    def _check(self, response: Response, expect_types: tuple[str, ...], is_blocked) -> str | None:
        status = response.status or 0
        if not 200 <= status < 300:
            return f"http_{status}"
        if is_blocked is not None and response.body and is_blocked(response.body):
            return "captcha"  # before the content type: a Robot Check is HTML wherever it lands
        if expect_types and response.content_type not in expect_types:
            return f"content_type:{response.content_type}"
        if not response.body:
            return "empty_body"
        return None
