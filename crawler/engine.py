"""The crawl loop: frontier → fetch → archive → site adapter → frontier, on one asyncio loop.

Each response is settled in one step: body stored (appended to a pack once per sha256), the adapter
reads it inside an SQLite transaction, the manifest line is appended, then the transaction
commits (children queued, request done). A kill between the manifest line and the commit
leaves the request `in_flight` with its response stored: the next run replays it from the
archive instead of fetching it again. A kill before the manifest line costs one refetch of a
response that was never stored.

A run on an existing folder first checks the archive (crawler.selfcheck): damaged bodies are
fetched again. Discovered links pass the limits of `CrawlSettings` (hosts, schemes, URL length,
pagination depth, queue size) before they are queued; what fails one is dropped and counted.
Each host's last request start is persisted, so a restart keeps the politeness gap.
"""
from __future__ import annotations

import asyncio
import fcntl
import hashlib
import logging
import os
import time
from collections import deque
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from tqdm import tqdm

from crawler.amazon import AmazonAdapter
from crawler.archive import Archive, BodyLocation, iso_utc
from crawler.fetch import Fetcher, Response, make_client
from crawler.frontier import FRONTIER_FILE, Frontier, Request, fingerprint
from crawler.politeness import Politeness
from crawler.selfcheck import check_archive
from crawler.settings import CrawlSettings
from crawler.stats import Stats, format_stats
from parsing.errors import PageError
from parsing.raw_archive import RAW_DIR, BodyError, iter_manifest, read_body

log = logging.getLogger(__name__)

INLINE_STORE_BYTES = 128 * 1024  # bodies below this are compressed on the loop (~1 ms at most)


def new_run_id() -> str:
    # Sorts by start time, so manifest parts read in write order.
    # One clock read: two reads (seconds, then milliseconds) could straddle a second boundary.
    now_ms = time.time_ns() // 1_000_000
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(now_ms // 1000)) + f"{now_ms % 1000:03d}-{os.getpid()}"


class CrawlLocked(RuntimeError):
    """Another engine holds this archive's lock."""


class Engine:
    def __init__(self, settings: CrawlSettings, out_dir: Path | str, adapter_cls=AmazonAdapter):
        self.settings = settings
        self.raw = Path(out_dir) / RAW_DIR
        self.adapter_cls = adapter_cls
        self.run_id = new_run_id()
        self.stats = Stats()

    def run(self) -> dict:
        return asyncio.run(self.crawl())

    async def crawl(self) -> dict:
        started = time.time()
        self.raw.mkdir(parents=True, exist_ok=True)
        with open(self.raw / "crawl.lock", "w") as lock:
            try:  # one engine per archive; the OS drops the lock when a process dies, even by kill -9
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise CrawlLocked(f"another crawl is running on {self.raw}") from None
            return await self._crawl(started)

    async def _crawl(self, started: float) -> dict:
        self.frontier = Frontier(self.raw / FRONTIER_FILE)
        self.archive = Archive(self.raw, self.run_id, self.settings.manifest_part_lines)
        self.adapter = self.adapter_cls(self.settings, self.frontier)
        self.politeness = Politeness(self.settings, seed=self.settings.seed, last_start=self.frontier.host_start,
                                     on_start=self._note_start)
        self._host_pages: dict[str, int] = {}
        self._queued = 0
        s = self.settings
        self._home_prefixes = tuple(f"{scheme}://{host.lower()}/" for host in s.hosts for scheme in ("http", "https"))
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self._robots_ready: set[str] = set()
        self._last_persist = self._last_total = 0.0
        self.frontier.put("last_run", {"run_id": self.run_id, "started_at": iso_utc(started), "finished": False})
        self.bar = tqdm(disable=not self.settings.progress, unit="page", desc="crawl", mininterval=0.5, dynamic_ncols=True)
        summary = None
        try:
            async with make_client(self.settings) as client:
                self.fetcher = Fetcher(self.settings, self.politeness, self.stats, client)
                with self.frontier.transaction():
                    for key, value in check_archive(self.raw, self.frontier).items():
                        self.stats.inc(key, value)
                self._recover()
                with self.frontier.transaction():  # first seeds, an incremental pass, or nothing (resume)
                    self._queue(self.adapter.start_pass())
                self._queued = self.frontier.queued()  # the queue cap's count, kept up to date from here
                await self._loop()
            summary = self._summary(started, finished=True)
        finally:
            self.bar.close()
            self.archive.close()
            if summary is None:
                self._summary(started, finished=False)
            self.frontier.close()
        return summary

    # -- the loop ---------------------------------------------------------------------------
    async def _loop(self) -> None:
        """`concurrency` long-lived workers, each fetching and settling one request after another.
        A worker starts its next request as soon as it has settled the last one: no task per
        request and no hop through a scheduler loop, so its keep-alive connection sits idle only
        for the settle step (a connection idle longer also costs httpcore's pool a check per request)."""
        n = max(self.settings.concurrency, 1)
        self._batch = n
        self._ready: deque[Request] = deque()  # claimed (in flight on disk) but not started yet
        self._busy = 0  # workers holding a request
        self._wake = asyncio.Event()  # a request was settled: its children may be claimable
        # False after a short claim: the queue on disk is empty until a request settles, so idle
        # workers woken meanwhile do not each run a claim (and a commit) for nothing.
        self._claimable = True
        self._finished = False
        workers = [asyncio.create_task(self._worker()) for _ in range(n)]
        try:
            await asyncio.gather(*workers)  # an engine bug stops the run loudly; the frontier keeps the state
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            self.frontier.release_hold()

    async def _worker(self) -> None:
        while not self._finished:
            request = self._next_request()
            if request is None:
                if self._busy == 0:
                    # Nothing in flight can queue more: the adapter's next phase, or the end.
                    self.frontier.release_hold()
                    with self.frontier.transaction():
                        more = self.adapter.advance()
                        self._queue(more)
                    self._claimable = True
                    if not more and not self.frontier.pending():
                        self._finished = True
                        self._wake.set()
                    continue
                self._wake.clear()
                await self._wake.wait()
                continue
            self._busy += 1
            try:
                await self._process(request)
            finally:
                self._busy -= 1
                self._claimable = True
                self._wake.set()

    def _next_request(self) -> Request | None:
        if not self._ready and self._claimable:
            # One commit for the settled batch and the next claim, before any claimed request starts.
            claimed = self.frontier.claim(self._batch)
            self._queued -= len(claimed)
            self._ready.extend(claimed)
            self._claimable = len(self._ready) == self._batch
            self.frontier.release_hold()
            self.frontier.hold()
            if self._ready:
                self._wake.set()  # idle workers share the batch
            if self.settings.progress and time.monotonic() - self._last_total > 1.0:
                self.bar.total = self.frontier.size()  # the total grows with the frontier
                self.bar.refresh()
                self._last_total = time.monotonic()
        return self._ready.popleft() if self._ready else None

    async def _process(self, request: Request) -> None:
        await self._ensure_robots(request.url)
        host = urlsplit(request.url).netloc.lower()
        pages = self._host_pages.get(host, 0)
        if pages >= self.settings.max_pages_per_host:  # a later run goes on from here
            response = Response(request.url, request.url, None, error="host_budget", fetched_at=time.time())
        else:
            self._host_pages[host] = pages + 1
            response = await self.fetcher.fetch(request.url, self.adapter.expect(request.kind), self.adapter.blocked)
        stored = None
        if response.body is not None and response.status is not None and 200 <= response.status < 300:
            stored = await self._store(response.body)
        self._settle(request, response, stored=stored)

    async def _store(self, body: bytes) -> tuple[str, BodyLocation]:
        """Store a body unless the archive has it (dedup by sha256); returns its sha256 and location.
        The `bodies` row joins the open batch: a kill before its commit leaves the manifest line,
        and recovery adds the row back from it."""
        sha = hashlib.sha256(body).hexdigest()
        known = self.frontier.body_location(sha)
        if known is not None:
            return sha, BodyLocation(*known)
        if len(body) >= INLINE_STORE_BYTES:  # a large body is compressed off the event loop (ISA-L releases the GIL)
            member = await asyncio.to_thread(Archive.compress, body)
        else:  # a page's gzip takes less than a thread hop (and its GIL hand-offs)
            member = Archive.compress(body)
        location = self.archive.append_member(member)
        self.frontier.add_body(sha, location)
        return sha, location

    def _queue(self, requests: list[Request]) -> None:
        if not requests:
            return
        requests = self._admit(requests)
        added = self.frontier.add_many(requests)
        self._queued += added
        if added:
            self.stats.inc("scheduler/enqueued", added)
        if added < len(requests):
            self.stats.inc("dupefilter/filtered", len(requests) - added)

    def _admit(self, requests: list[Request]) -> list[Request]:
        """The discovered requests within the limits; the others are dropped and counted."""
        s = self.settings
        kept = []
        for request in requests:
            url = request.url
            why = None
            if not url.startswith(self._home_prefixes):  # the common case costs one startswith
                why = self._offsite(url)
            if why is None and len(url) > s.max_url_length:
                why = "url_too_long"
            if why is None and request.meta and request.meta.get("depth", 0) > s.max_pagination_depth:
                why = "pagination_depth"
            if why is None:
                kept.append(request)
            else:
                self.stats.inc(f"discovery/dropped/{why}")
        room = max(s.max_queued - self._queued, 0)
        if len(kept) > room:
            self.stats.inc("discovery/dropped/queue_full", len(kept) - room)
            kept = kept[:room]
        return kept

    def _offsite(self, url: str) -> str | None:
        try:
            parts = urlsplit(url)
        except ValueError:
            return "bad_url"
        if parts.scheme.lower() not in ("http", "https"):
            return "scheme"
        if parts.netloc.lower() not in self.fetcher.allowed_hosts:
            return "offsite"
        return None

    # -- politeness across restarts ----------------------------------------------------------
    def _note_start(self, host: str, unix: float, interval: float) -> None:
        """A request to a host with an interval is going out: its start is committed before it
        does, so even a kill -9 right after leaves the gap for the next process. (Called at an
        await point, where the only open transaction is the batch's hold; a polite host takes a
        few requests a second at most, so the extra commit costs nothing that matters.)"""
        self.frontier.note_host_start(host, unix, interval)
        self.frontier.commit_hold()

    # -- settling one response --------------------------------------------------------------
    def _settle(self, request: Request, response: Response, stored: tuple[str, BodyLocation] | None = None,
                replayed_entry: dict | None = None) -> None:
        """Settle one response whose body (if any) is already stored: adapter, manifest line, commit."""
        body_ok = response.body is not None and response.status is not None and 200 <= response.status < 300
        sha, where = stored or (None, None)
        with self.frontier.transaction():
            error = response.error
            if error is None:
                try:
                    handled = self.adapter.handle(request, response.final_url, response.body)
                except PageError as exc:
                    error = f"unparsable:{exc.reason}"
                except Exception as exc:  # a page no handler expected must not stop the crawl
                    log.exception("handler failed on %s", request.url)
                    error = f"handler_error:{type(exc).__name__}"
            if replayed_entry is None:
                self.archive.append(self._entry(request, response, sha, where, error))
            if error is None:
                self._queue(handled.children)
                for key, value in handled.stats.items():
                    self.stats.inc(key, value)
                self.frontier.mark_done(request.fp, response.fetched_at)
                self.stats.inc("response/ok")
            else:
                self.frontier.mark_failed(request.fp, error, response.fetched_at if body_ok else None)
                self.stats.inc(f"failure/reason_count/{error.split(':')[0]}")
                log.info("failed %s: %s", request.url, error)
            self._persist_stats()
        self.bar.update(1)

    def _entry(self, request: Request, response: Response, sha: str | None, where: BodyLocation | None,
               error: str | None) -> dict:
        path, offset, length = where or (None, None, None)
        return {
            "url": request.url, "final_url": response.final_url, "status": response.status,
            "fetched_at": iso_utc(response.fetched_at or time.time()), "sha256": sha, "kind": request.kind,
            "path": path, "offset": offset, "length": length,
            "bytes": len(response.body) if response.body is not None and where else 0,
            "content_type": response.content_type, "headers": response.headers,
            "category": request.category, "error": error,
        }

    def _persist_stats(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_persist > 1.0:
            self.frontier.add_stats(self.stats.flush())
            self.frontier.put("last_run_stats", self.stats.as_dict())
            self._last_persist = now

    # -- robots.txt ------------------------------------------------------------------------------
    async def _ensure_robots(self, url: str) -> None:
        if not self.settings.obey_robots:
            return
        parts = urlsplit(url)
        host = parts.netloc.lower()
        if host in self._robots_ready:
            return
        lock = self._robots_locks.setdefault(host, asyncio.Lock())
        async with lock:
            if host in self._robots_ready:
                return
            key = f"robots:{host}"
            cached = self.frontier.get(key)
            fresh = cached and "body" in cached and time.time() - cached["fetched_unix"] < self.settings.robots_max_age_s
            if fresh:
                try:
                    status, text = cached["status"], read_body(self.raw, cached["body"]).decode("utf-8", "replace") if cached["body"] else None
                except BodyError:  # its stored copy is damaged: fetch it again
                    fresh = False
            if not fresh:
                robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
                response = await self.fetcher.fetch(robots_url, check_robots=False)
                status, stored, text = response.status, None, None
                if response.body is not None and status and 200 <= status < 300:
                    stored = await self._store(response.body)
                    text = response.body.decode("utf-8", "replace")
                error = None if status and (200 <= status < 300 or 400 <= status < 500) else (response.error or "unreachable")
                self.archive.append(self._entry(Request(robots_url, "robots"), response, *(stored or (None, None)), error))
                with self.frontier.transaction():
                    self.frontier.put(key, {"status": status, "body": stored[1]._asdict() if stored else None,
                                            "fetched_unix": response.fetched_at})
            gate = self.politeness.gate(host)
            if status and 200 <= status < 300:
                gate.set_robots(text, self.settings.user_agent)
            elif status and 400 <= status < 500:
                gate.set_robots(None, self.settings.user_agent)  # no robots.txt: everything allowed
            else:  # RFC 9309: an unreachable robots.txt means full disallow
                log.warning("robots.txt of %s unreachable (status %s): treating the host as disallowed", host, status)
                gate.set_robots(None, self.settings.user_agent, disallow_all=True)
            self._robots_ready.add(host)

    # -- crash recovery ----------------------------------------------------------------------------
    def _recover(self) -> None:
        """Settle the rows a killed run left in flight: replay stored responses, queue the rest."""
        stuck = {r.fp: r for r in self.frontier.inflight()}
        if not stuck:
            return
        claimed = dict(self.frontier.conn.execute(
            "SELECT fp, claimed_at FROM requests WHERE state='in_flight'").fetchall())
        found: dict[str, dict] = {}
        for _, entry in iter_manifest(self.raw):  # streamed; only the few stuck URLs are kept
            fp = fingerprint(entry["url"])
            if fp in stuck and datetime.fromisoformat(entry["fetched_at"]).timestamp() >= (claimed.get(fp) or 0) - 1e-3:
                found[fp] = entry
        for fp, request in stuck.items():
            entry = found.get(fp)
            if entry is None:
                continue
            body = None
            if entry.get("path"):
                try:
                    body = read_body(self.raw, entry)
                except BodyError:  # torn or damaged: fetch it again
                    del found[fp]
                    continue
                if entry.get("offset") is not None:  # the batch that held its `bodies` row never committed
                    self.frontier.add_body(entry["sha256"], (entry["path"], entry["offset"], entry["length"]))
            response = Response(request.url, entry["final_url"], entry["status"], body, entry["content_type"],
                                entry["headers"], entry["error"],
                                datetime.fromisoformat(entry["fetched_at"]).timestamp())
            self._settle(request, response, replayed_entry=entry)
            self.stats.inc("recovery/replayed_from_archive")
        requeued = [fp for fp in stuck if fp not in found]
        with self.frontier.transaction():
            self.frontier.release(requeued)
        self.stats.inc("recovery/requeued", len(requeued))
        log.info("recovered %d in-flight requests: %d replayed from the archive, %d queued again",
                 len(stuck), len(stuck) - len(requeued), len(requeued))

    # -- the end ---------------------------------------------------------------------------------
    def _summary(self, started: float, finished: bool) -> dict:
        elapsed = time.time() - started
        self.stats.inc("elapsed_time_seconds", int(elapsed))
        summary = {
            "run_id": self.run_id, "started_at": iso_utc(started), "finished": finished,
            "elapsed_s": round(elapsed, 2), "phase": self.adapter.phase,
            "stats": self.stats.as_dict(), "frontier": self.frontier.counts(), "failures": self.frontier.failures(),
        }
        with self.frontier.transaction():
            self._persist_stats(force=True)
            self.frontier.put("last_run", summary)
        log.info("run %s %s after %.1f s: %d pages stored, %d failed %s", self.run_id,
                 "finished" if finished else "stopped", elapsed, self.stats.get("response/ok"),
                 sum(summary["failures"].values()), summary["failures"] or "")
        return summary


def format_summary(summary: dict) -> str:
    head = (f"run {summary['run_id']}: {'finished' if summary['finished'] else 'stopped'} after {summary['elapsed_s']} s, "
            f"phase {summary['phase']}")
    parts = [head, format_stats(summary["stats"], "stats"), format_stats(summary["frontier"], "frontier"),
             format_stats(summary["failures"], "failures by reason")]
    return "\n".join(parts)
