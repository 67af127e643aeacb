"""Crawler throughput and memory against the sandbox server (politeness limits off).

1. pages/s of the engine (frontier, gates, retries, archive, stats) at concurrency 8 and 32,
   next to a bare httpx loop fetching the same URLs at the same concurrency in the same run
   (a stock httpx client: the issue's peer). A third side runs the same bare loop on the
   engine's own client (crawler.transport's cheaper idle-connection checks), so the engine's
   cost over its own HTTP stack is reported too, not only its ratio to stock httpx.
   The engine runs a URL-list adapter here, so all sides fetch exactly the same pages: the
   distinct pages a user-centric crawl of a generated storefront found (~3,300; quick ~2,000),
   each once a run, so every body the engine stores is new, as in a real crawl. The
   procedure's own rate (with its phase barriers) is reported beside it.
2. Peak RSS of a crawl process at 10k and 100k fetched pages (quick: 2k and 10k), sampled
   during the crawl: flat, since the frontier and seen-set live in SQLite.
"""
from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import os
import re
import statistics
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from crawler.engine import Engine
from crawler.fetch import make_client
from crawler.frontier import Frontier, Request
from crawler.settings import CrawlSettings
from parsing.raw_archive import iter_manifest
from perf import peak_rss_mb

HTML = ("text/html", "application/xhtml+xml", "application/json")


class UrlListAdapter:
    """A site adapter that fetches a fixed list of URLs: each stored page queues the next two,
    so the queue on disk grows as the crawl goes (a breadth-first crawl's shape)."""

    def __init__(self, settings: CrawlSettings, frontier: Frontier):
        self.frontier = frontier
        self.urls = UrlListAdapter.urls
        self.next = 0
        self.phase = "list"

    def _take(self, n: int) -> list[Request]:
        out = []
        while n > 0 and self.next < len(self.urls):
            out.append(Request(self.urls[self.next], "product"))
            self.next += 1
            n -= 1
        return out

    def start_pass(self):
        return self._take(64)

    def advance(self):
        return self._take(64)

    def expect(self, kind):
        return HTML

    blocked = None

    def handle(self, request, final_url, body):
        from crawler.amazon import Handled

        return Handled(self._take(2), {"item_scraped_count/pages": 1})


def _sandbox(tmp: Path, profile: str, **sizes: int) -> Path:
    out = tmp / "sandbox"
    overrides = [arg for name, n in sizes.items() for arg in (f"--{name}", str(n))]
    subprocess.run([sys.executable, "-m", "sandbox", "generate", "--profile", profile, "--seed", "1",
                    "--out", str(out), *overrides], check=True, capture_output=True)
    return out


@contextlib.contextmanager
def _serve(data: Path):
    """The storefront in its own process, so the client under test does not share its GIL."""
    proc = subprocess.Popen([sys.executable, "-m", "sandbox", "serve", "--data", str(data), "--port", "0",
                             "--crawl-delay", "0"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        base = re.search(r"(http://127\.0\.0\.1:\d+)", line).group(1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def _bare_loop(urls: list[str], concurrency: int, settings: CrawlSettings, engine_client: bool) -> None:
    queue = list(reversed(urls))
    async with make_client(settings.replace(concurrency=concurrency), cheap_idle_checks=engine_client) as client:
        async def worker():
            while queue:
                url = queue.pop()
                response = await client.get(url)
                response.read()

        await asyncio.gather(*(worker() for _ in range(concurrency)))


def _bare_rate(urls: list[str], concurrency: int, settings: CrawlSettings, engine_client: bool = False) -> float:
    # Timed like `_engine_rate`: the whole run, event loop and client setup and teardown included.
    started = time.perf_counter()
    asyncio.run(_bare_loop(urls, concurrency, settings, engine_client))
    return len(urls) / (time.perf_counter() - started)


def _engine_rate(urls: list[str], concurrency: int, settings: CrawlSettings, tmp: Path) -> float:
    out = tmp / f"engine-{concurrency}"
    shutil.rmtree(out, ignore_errors=True)
    UrlListAdapter.urls = urls
    s = settings.replace(concurrency=concurrency).unthrottled()
    started = time.perf_counter()
    summary = Engine(s, out, adapter_cls=UrlListAdapter).run()
    elapsed = time.perf_counter() - started
    assert summary["frontier"].get("done") == len(urls), summary["frontier"]
    return len(urls) / elapsed


def _memory_child(base_url: str, template: list[str], pages: int, out: str, conn) -> None:
    """Run in a fresh process: crawl `pages` distinct URLs; report peak RSS and samples."""
    proc = psutil.Process()
    samples: list[tuple[int, float]] = []
    stop = threading.Event()
    engine_ref: dict = {}

    def sample():
        while not stop.wait(0.25):
            done = engine_ref["engine"].stats.get("response/ok") if "engine" in engine_ref else 0
            samples.append((done, proc.memory_info().rss / 2**20))

    # Distinct URLs (a query the server ignores) over the sandbox's real pages.
    UrlListAdapter.urls = _LazyUrls(template, pages)
    settings = CrawlSettings(base_url=base_url, concurrency=32, progress=False).unthrottled()
    engine = Engine(settings, out, adapter_cls=UrlListAdapter)
    engine_ref["engine"] = engine
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    summary = engine.run()
    stop.set()
    conn.send({"pages": summary["frontier"].get("done", 0),
               "peak_rss_mib": round(peak_rss_mb(), 1),
               "rss_samples_mib": [(d, round(m, 1)) for d, m in samples[:: max(1, len(samples) // 10)]]})


class _LazyUrls:
    """A list-like of `pages` distinct URLs made on demand (no 100k strings held)."""

    def __init__(self, template: list[str], pages: int):
        self.template, self.pages = template, pages

    def __len__(self):
        return self.pages

    def __getitem__(self, i):
        return f"{self.template[i % len(self.template)]}?n={i}"


def _memory_at(base_url: str, template: list[str], pages: int, tmp: Path) -> dict:
    out = tmp / f"mem-{pages}"
    shutil.rmtree(out, ignore_errors=True)
    parent, child = mp.get_context("spawn").Pipe()
    proc = mp.get_context("spawn").Process(target=_memory_child, args=(base_url, template, pages, str(out), child))
    proc.start()
    result = parent.recv()
    proc.join()
    return result


def main(quick: bool = False) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench_crawl_"))
    try:
        # Big enough that the procedure yields a few thousand distinct pages: every side fetches
        # each page once a run, so every body the engine stores is new, as in a real crawl.
        users = 250 if quick else 400
        data = _sandbox(tmp, "tiny", items=users * 5 // 2, users=users, reviews=users * 15)
        with _serve(data) as base:
            polite_off = CrawlSettings(base_url=base, progress=False, users=users, seed_products=0)
            # The user-centric crawl itself, limits off: its URL list feeds the side-by-side runs.
            started = time.perf_counter()
            summary = Engine(polite_off.replace(concurrency=16).unthrottled(), tmp / "procedure").run()
            procedure_rate = summary["frontier"].get("done", 0) / (time.perf_counter() - started)
            urls = [e["url"] for _, e in iter_manifest(tmp / "procedure" / "raw") if e["error"] is None and e["kind"] != "robots"]
            rows = []
            rounds = 3 if quick else 10
            for concurrency in (8, 32):
                # Each round runs the three sides back to back, in an order that rotates from round to
                # round, so slow drifts in this machine's speed (and any after-effect of one side on
                # the next) hit all sides alike. Both the ratio of medians and the median of the
                # per-round ratios are reported; the latter is the steadier figure.
                sides = {
                    "bare": lambda: _bare_rate(urls, concurrency, polite_off),
                    "engine": lambda: _engine_rate(urls, concurrency, polite_off, tmp),
                    "own": lambda: _bare_rate(urls, concurrency, polite_off, engine_client=True),
                }
                runs: dict[str, list[float]] = {name: [] for name in sides}
                load_before = os.getloadavg()[0]
                for round_ in range(rounds):
                    order = list(sides)[round_ % 3:] + list(sides)[:round_ % 3]
                    for name in order:
                        runs[name].append(sides[name]())
                bare, own, engine = runs["bare"], runs["own"], runs["engine"]
                bare_rate, own_rate, engine_rate = statistics.median(bare), statistics.median(own), statistics.median(engine)
                rows.append({"concurrency": concurrency, "pages": len(urls), "engine_pages_s": round(engine_rate, 1),
                             "bare_httpx_pages_s": round(bare_rate, 1), "ratio": round(engine_rate / bare_rate, 3),
                             "ratio_pairwise_median": round(statistics.median(e / b for e, b in zip(engine, bare)), 3),
                             "bare_engine_client_pages_s": round(own_rate, 1),
                             "ratio_to_engine_client": round(engine_rate / own_rate, 3),
                             "ratio_to_engine_client_pairwise_median": round(statistics.median(e / o for e, o in zip(engine, own)), 3),
                             "engine_runs": [round(r, 1) for r in engine], "bare_runs": [round(r, 1) for r in bare],
                             "bare_engine_client_runs": [round(r, 1) for r in own],
                             "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)]})
            template = sorted({u.split("?")[0] for u in urls if "/dp/" in u})
            sizes = (2_000, 10_000) if quick else (10_000, 100_000)
            memory = {str(n): _memory_at(base, template, n, tmp) for n in sizes}
        return {
            "card": "CPU only (no accelerator); sandbox server in its own process on 127.0.0.1",
            "quick": quick,
            "cpus": os.cpu_count(),
            "throughput": rows,
            "target_ratio": 0.8,
            "procedure_pages_s_c16": round(procedure_rate, 1),
            "procedure_pages": summary["frontier"].get("done", 0),
            "memory": memory,
            "memory_growth_mib": round(memory[str(sizes[1])]["peak_rss_mib"] - memory[str(sizes[0])]["peak_rss_mib"], 1),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
