"""The crawler under hostile sites (real HTTP servers on 127.0.0.1): decompression bombs, an
endless pagination trap, off-site and non-http links, politeness across a restart, and a
damaged archive on resume. Each crawl whose memory matters runs in a child process, which
reports its own peak RSS: it must stay under 500 MB, and the crawl must finish."""
from __future__ import annotations

import gzip
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from isal import isal_zlib

from crawler.decode import CappedDecoder, DecodeRefused, decoder_for
from crawler.engine import Engine
from crawler.frontier import Frontier
from crawler.settings import CrawlSettings
from parsing.links import timeline_page
from parsing.raw_archive import entries_to_parse, iter_manifest, read_body

MAX_RSS_MB = 500
HTML = "text/html; charset=utf-8"


# -- a site whose every answer a test chooses, logging each request's arrival --------------------
class HostileSite:
    def __init__(self, page):
        self.page = page  # (path, query) → (status, headers dict, body bytes | iterator of bytes)
        self.log: list[tuple[float, str]] = []  # (arrival time, path + query)
        self.served = threading.Event()  # set when a streamed body sends its first bytes

    def __enter__(self) -> "HostileSite":
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                site.log.append((time.time(), self.path))
                parts = urlsplit(self.path)
                status, headers, body = site.page(parts.path, parse_qs(parts.query))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if isinstance(body, bytes):
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                try:
                    for chunk in body:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        site.served.set()
                except OSError:
                    pass  # the crawler hung up: that is what a refusal looks like from here

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 64

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def paths(self, prefix: str = "") -> list[str]:
        return [p for _, p in self.log if p.startswith(prefix) and p != "/robots.txt"]


def html(text: str) -> tuple[int, dict, bytes]:
    return 200, {"Content-Type": HTML}, f"<html><body>{text}</body></html>".encode()


def next_link(href: str) -> str:
    return f'<a class="s-pagination-next" href="{href}">Next</a>'


def settings(base_url: str, **changes) -> dict:
    return {"base_url": base_url, "users": 1, "categories": ["Site"], "min_delay_s": 0.0, "jitter": 0.0,
            "autothrottle": False, "progress": False, "max_retries": 0, **changes}


CHILD = """
import json, sys
from crawler.engine import Engine
from crawler.settings import CrawlSettings
kw = json.loads(sys.argv[1])
kw = {k: tuple(v) if isinstance(v, list) else v for k, v in kw.items()}
summary = Engine(CrawlSettings(**kw), sys.argv[2]).run()
# VmHWM, not ru_maxrss: ru_maxrss survives exec, so it would report the forking parent's peak.
hwm_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"summary": summary, "peak_rss_mb": hwm_kb / 1024}))
"""


def crawl_settings(kw: dict) -> CrawlSettings:
    return CrawlSettings(**{k: tuple(v) if isinstance(v, list) else v for k, v in kw.items()})


def crawl_in_child(settings: dict, out: Path, timeout: float = 120) -> tuple[dict, float]:
    """Run one crawl in a child process: its summary and its own peak RSS in MB."""
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(settings), str(out)],
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["summary"], report["peak_rss_mb"]


# -- decompression bombs -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def gib_bomb() -> bytes:
    """1 GiB of zeros as one gzip member (about 1 MB)."""
    packer = isal_zlib.compressobj(1, isal_zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    return b"".join([packer.compress(zeros) for _ in range(1024)] + [packer.flush()])


def bomb_site(body, encoding: str):
    def page(path, query):
        if path == "/s":
            return 200, {"Content-Type": HTML, "Content-Encoding": encoding}, body
        return html("home") if path == "/" else (404, {}, b"")
    return page


def test_a_stacked_gzip_bomb_is_refused_at_its_headers(tmp_path, gib_bomb):
    stacked = gzip.compress(gib_bomb, 9)
    assert len(stacked) < 10_000  # kilobytes on the wire, a gibibyte two layers down
    with HostileSite(bomb_site(stacked, "gzip, gzip")) as site:
        summary, rss = crawl_in_child(settings(site.base_url), tmp_path)
    assert rss < MAX_RSS_MB
    assert summary["finished"]
    assert summary["failures"] == {"stacked_encoding:gzip+gzip": 1}
    line = [e for _, e in iter_manifest(tmp_path / "raw") if "/s?" in e["url"]][-1]
    assert line["error"] == "stacked_encoding:gzip+gzip" and line["path"] is None


def test_a_gibibyte_single_layer_bomb_is_refused_while_inflating(tmp_path, gib_bomb):
    with HostileSite(bomb_site(gib_bomb, "gzip")) as site:
        summary, rss = crawl_in_child(settings(site.base_url), tmp_path)
    assert rss < MAX_RSS_MB
    assert summary["finished"] and summary["failures"] == {"too_large": 1}
    assert summary["stats"]["fetch/refused/too_large"] == 1


# `python -m crawler` as a terminal starts it, with ^C at Python's default. A suite run in the
# background (`cmd &` in a script, nohup) ignores SIGINT, and an ignored signal stays ignored
# across exec (POSIX; Python respects it), so the crawler would rightly not see the signal.
FROM_A_TERMINAL = ("import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
                   "runpy.run_module('crawler', run_name='__main__', alter_sys=True)")


def test_sigint_stops_a_crawl_that_is_reading_a_bomb(tmp_path, gib_bomb):
    def trickle():  # the bomb a few bytes at a time: the crawler is mid-body when the signal comes
        for start in range(0, len(gib_bomb), 64):
            yield gib_bomb[start:start + 64]
            time.sleep(0.1)

    with HostileSite(bomb_site(trickle(), "gzip")) as site:
        proc = subprocess.Popen(
            [sys.executable, "-c", FROM_A_TERMINAL, "crawl", "--base-url", site.base_url, "--out", str(tmp_path),
             "--categories", "Site", "--min-delay-s", "0", "--no-progress", "--max-retries", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert site.served.wait(30)
            time.sleep(0.5)
            proc.send_signal(signal.SIGINT)
            _, stderr = proc.communicate(timeout=20)
        finally:
            proc.kill()
    assert proc.returncode == 130
    assert stderr.strip().splitlines()[-1] == "error: interrupted" and "Traceback" not in stderr


@pytest.mark.parametrize("encoding, packer", [
    ("gzip", lambda b: gzip.compress(b)),
    ("deflate", zlib.compress),  # with the zlib wrapper
    ("deflate", lambda b: zlib.compress(b, wbits=-15)),  # raw deflate, as some servers send it
    ("identity, gzip", lambda b: gzip.compress(b)),  # identity is no layer
])
def test_one_content_coding_layer_is_decoded(encoding, packer):
    body = b"<html>" + b"review " * 5000 + b"</html>"
    decoder = decoder_for(encoding, len(body))
    packed = packer(body)
    out = b"".join(decoder.feed(packed[i:i + 1000]) for i in range(0, len(packed), 1000)) + decoder.flush()
    assert out == body
    with pytest.raises(DecodeRefused, match="too_large"):  # one byte over the cap
        decoder = decoder_for(encoding, len(body) - 1)
        decoder.feed(packed)
        decoder.flush()


@pytest.mark.parametrize("encoding, reason", [
    ("gzip, gzip", "stacked_encoding:gzip+gzip"), ("deflate,gzip", "stacked_encoding:deflate+gzip"),
    ("br", "unsupported_encoding:br"), ("compress", "unsupported_encoding:compress"),
])
def test_stacked_and_unknown_codings_are_refused(encoding, reason):
    with pytest.raises(DecodeRefused) as refused:
        decoder_for(encoding, 1000)
    assert refused.value.reason == reason


def test_a_corrupt_gzip_body_is_refused_with_a_reason():
    with pytest.raises(DecodeRefused, match="bad_encoding:gzip"):
        CappedDecoder("gzip", 1000).feed(b"\x1f\x8b\x08\x00garbage-garbage-garbage")


def test_a_gzip_page_is_stored_decoded(tmp_path):
    home = b'<html><body><a href="/s?i=Site&amp;page=1">x</a></body></html>'

    def page(path, query):
        if path == "/":
            return 200, {"Content-Type": HTML, "Content-Encoding": "gzip"}, gzip.compress(home)
        return html("") if path == "/s" else (404, {}, b"")

    with HostileSite(page) as site:
        summary = Engine(CrawlSettings(**{**settings(site.base_url), "categories": ()}), tmp_path).run()
    assert summary["failures"] == {}
    entry = [e for _, e in iter_manifest(tmp_path / "raw") if e["url"].endswith("/")][0]
    assert read_body(tmp_path / "raw", entry) == home
    assert site.paths("/s") == ["/s?i=Site&page=1"]  # the decoded page's link was followed


# -- an endless site ---------------------------------------------------------------------------
def trap(path, query):
    """Every browse page links to the next one, forever; `pad` grows each URL."""
    if path != "/s":
        return html("home") if path == "/" else (404, {}, b"")
    n = int(query.get("page", ["1"])[0])
    return html(next_link(trap_path(query["i"][0], n + 1)))


def trap_path(category: str, n: int) -> str:
    return f"/s?i={category}&page={n}" + (f"&pad={'x' * 20 * n}" if category == "Pad" and n > 1 else "")


@pytest.mark.parametrize("limit, expected_pages, dropped", [
    ({"max_pagination_depth": 25}, 26, "discovery/dropped/pagination_depth"),  # the first page + 25 deeper
    ({"max_pages_per_host": 15}, 15 - 1, None),  # the home page is one of the 15
])
def test_an_endless_pagination_trap_ends_at_the_limit(tmp_path, limit, expected_pages, dropped):
    with HostileSite(trap) as site:
        summary, rss = crawl_in_child(settings(site.base_url, **limit), tmp_path)
    assert rss < MAX_RSS_MB
    assert summary["finished"]
    assert len(site.paths("/s")) == expected_pages
    if dropped:
        assert summary["stats"][dropped] == 1 and summary["failures"] == {}
    else:  # the page past the budget is failed with its reason (a later run goes on from it)
        assert summary["failures"] == {"host_budget": 1}


def test_urls_past_the_length_limit_are_dropped(tmp_path):
    with HostileSite(trap) as site:
        summary, rss = crawl_in_child(settings(site.base_url, categories=["Pad"], max_url_length=300), tmp_path)
        requested = site.paths("/s")
        fits = [n for n in range(1, 100) if len(site.base_url + trap_path("Pad", n)) <= 300]
    assert rss < MAX_RSS_MB and summary["finished"]
    assert 5 < len(fits) < 99 and requested == [trap_path("Pad", n) for n in fits]
    assert summary["stats"]["discovery/dropped/url_too_long"] == 1


def test_the_queue_stops_growing_at_its_cap(tmp_path):
    links = "".join(f'<a href="/s?i=C{n}&amp;page=1">c</a>' for n in range(2000))

    def page(path, query):
        return html(links) if path == "/" else html("") if path == "/s" else (404, {}, b"")

    with HostileSite(page) as site:
        summary, rss = crawl_in_child(settings(site.base_url, categories=[], max_queued=20), tmp_path)
    assert rss < MAX_RSS_MB and summary["finished"]
    assert len(site.paths("/s")) == 20
    assert summary["stats"]["discovery/dropped/queue_full"] == 2000 - 20


OFF_SITE = {
    "Off": ("http://elsewhere.invalid/s?i=Off&page=2", "offsite"),
    "Port": ("{base}0/s?i=Port&page=2", "offsite"),  # same address, another port
    "Userinfo": ("http://{host}@elsewhere.invalid/s?i=U&page=2", "offsite"),
    "Ftp": ("ftp://{host}/s?i=Ftp&page=2", "scheme"),
    "Js": ("javascript:alert(1)", "scheme"),
    "Mail": ("mailto:someone@example.org", "scheme"),
    "Data": ("data:text/html,hi", "scheme"),
    "Own": ("/s?i=Own&page=2", None),  # the control: an on-site link is followed
}


def test_off_site_and_non_http_links_are_dropped_and_counted_not_queued(tmp_path):
    def page(path, query):
        if path != "/s":
            return html("home") if path == "/" else (404, {}, b"")
        category, n = query["i"][0], query.get("page", ["1"])[0]
        if n != "1":
            return html("")
        href, _ = OFF_SITE[category]
        return html(next_link(href.format(base=site.base_url, host=site.base_url.split("//")[1])))

    with HostileSite(page) as site:
        summary, rss = crawl_in_child(settings(site.base_url, categories=list(OFF_SITE)), tmp_path)
        requested = site.paths("/s")
    assert rss < MAX_RSS_MB and summary["finished"] and summary["failures"] == {}
    stats = summary["stats"]
    assert stats["discovery/dropped/offsite"] == sum(why == "offsite" for _, why in OFF_SITE.values())
    assert stats["discovery/dropped/scheme"] == sum(why == "scheme" for _, why in OFF_SITE.values())
    assert sorted(requested) == sorted([f"/s?i={c}&page=1" for c in OFF_SITE] + ["/s?i=Own&page=2"])
    frontier = Frontier(tmp_path / "raw" / "crawl.sqlite")
    urls = [u for (u,) in frontier.conn.execute("SELECT url FROM requests")]
    frontier.close()
    assert all(u.startswith(site.base_url + "/") for u in urls) and len(urls) == len(OFF_SITE) + 2  # + home


# -- politeness across a restart -----------------------------------------------------------------
DELAY = 0.5  # the site's Crawl-delay
# Gaps are read from the gate's own start times (conftest `GateStarts`); the killed child records
# them as the `gate_starts` fixture does, to a file, as unix time.
CLOCKS = 0.01  # the two adjacent clock reads that turn a monotonic start into unix time agree within this
RECORD_STARTS = """
import time
from crawler.politeness import HostGate
_file = open({path!r}, "a", buffering=1)  # a line per call, written before the request's bytes go out
def recording(real, kind):
    def record(gate):
        real(gate)
        _file.write(f"{{kind}} {{time.time() - (time.monotonic() - gate.last_start)!r}}\\n")
    return record
HostGate._take_start = recording(HostGate._take_start, "take")
HostGate.sent = recording(HostGate.sent, "sent")
"""


def polite_trap(path, query):
    if path == "/robots.txt":
        return 200, {"Content-Type": "text/plain"}, f"User-agent: *\nCrawl-delay: {DELAY}\n".encode()
    return trap(path, query)


async def crawl_until(engine: Engine, stop) -> None:
    """Run a crawl and cancel it (as Ctrl-C does) once `stop()` holds, however slow the machine is."""
    crawl = asyncio.ensure_future(engine.crawl())
    while not stop() and not crawl.done():
        await asyncio.sleep(0.01)
    assert not crawl.done(), "the crawl ended before it could be stopped"
    crawl.cancel()
    with pytest.raises(asyncio.CancelledError):
        await crawl


def test_the_crawl_delay_gap_holds_across_a_restart(tmp_path, gate_starts):
    # The first run is stopped mid-crawl, right after a request; the restart goes on at once.
    polite = CrawlSettings(**{**settings("http://x"), "categories": ("Site",), "max_pagination_depth": 8})
    with HostileSite(polite_trap) as site:
        polite = polite.replace(base_url=site.base_url)
        asyncio.run(crawl_until(Engine(polite, tmp_path), lambda: len(site.log) >= 5))
        restart_at, first_run = len(site.log), len(gate_starts.starts())
        stored = {e["url"].removeprefix(site.base_url) for _, e in iter_manifest(tmp_path / "raw") if e["path"]}
        second = Engine(polite, tmp_path).run()
        paths = [p for _, p in site.log]
    starts = gate_starts.starts()
    assert second["finished"] and second["stats"]["response/ok"] >= 3
    assert 3 < restart_at < len(paths) and paths.count("/robots.txt") == 1  # the restart reused it
    # Nothing stored is fetched again: the restart asks for exactly the pages the first run did not
    # store (the one in flight when it was stopped, if any, and the rest).
    pages = [trap_path("Site", n) for n in range(1, 10)]
    assert len(stored & set(pages)) >= 2 and paths[restart_at:] == [p for p in pages if p not in stored]
    assert len(starts) == len(paths) and first_run == restart_at  # one gate start per request the site saw
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= DELAY - 1e-9, gaps  # every gap, the one across the restart included (1e-9: rounding)
    assert starts[restart_at] - starts[restart_at - 1] >= DELAY - 1e-9


@pytest.mark.slow
def test_the_crawl_delay_gap_holds_after_a_kill_9(tmp_path, gate_starts):
    polite = settings("http://x", max_pagination_depth=8)
    child_log = tmp_path / "child_starts.txt"
    with HostileSite(polite_trap) as site:
        polite["base_url"] = site.base_url
        child = subprocess.Popen([sys.executable, "-c", RECORD_STARTS.format(path=str(child_log)) + CHILD,
                                  json.dumps(polite), str(tmp_path / "crawl")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120  # "never hangs", not a speed claim
            while len(site.log) < 5 and time.monotonic() < deadline:
                time.sleep(0.01)
            child.send_signal(signal.SIGKILL)  # right after a request: its start may not be committed
        finally:
            child.wait()
        restart_at = len(site.log)
        Engine(crawl_settings(polite), tmp_path / "crawl").run()
        arrivals = len(site.log)
    before = gate_starts.starts_of([(kind, float(at)) for kind, at in map(str.split, child_log.read_text().splitlines())])
    after = gate_starts.starts(unix=True)
    # Every request the site saw has its start recorded (the killed run may have taken one more slot).
    assert 5 <= restart_at < arrivals and len(before) >= restart_at and len(after) == arrivals - restart_at
    # The restart's first request keeps the Crawl-delay from the killed run's last one (same wall clock).
    assert after[0] - before[restart_at - 1] >= DELAY - CLOCKS, (before, after)


# -- a damaged archive -----------------------------------------------------------------------------
def parsed(raw: Path) -> tuple[set[str], dict[str, str]]:
    """What a parsing batch reads from an archive: every review and every product page (url → sha256)."""
    reviews, products = set(), {}
    for entry in entries_to_parse(raw):
        if entry.get("error") or not entry.get("path"):
            continue
        body = read_body(raw, entry)  # raises on any damaged body the batch would meet
        if entry["kind"] == "timeline":
            reviews |= {json.dumps(r, sort_keys=True) for r in timeline_page(body).reviews}
        elif entry["kind"] == "product":
            products[entry["url"]] = entry["sha256"]
    return reviews, products


def truncate_to_half(pack: Path) -> int:
    os.truncate(pack, pack.stat().st_size // 2)
    return pack.stat().st_size


def flip_bytes_in_the_middle(pack: Path) -> int:
    """Same length, corrupt bytes: only the sha256 (or the gzip check) can tell."""
    data = bytearray(pack.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 16] = bytes(b ^ 0xFF for b in data[middle:middle + 16])
    pack.write_bytes(bytes(data))
    return len(data)


@pytest.mark.slow
@pytest.mark.parametrize("damage", [truncate_to_half, flip_bytes_in_the_middle])
def test_a_damaged_pack_is_repaired_on_resume(mini_store, tmp_path, damage):
    fast = settings(mini_store.base_url, users=4, categories=[mini_store.category], concurrency=4,
                    per_host_concurrency=4)
    whole = tmp_path / "whole"
    Engine(crawl_settings(fast), whole).run()
    expected = parsed(whole / "raw")
    assert expected[0] and expected[1]

    damaged = tmp_path / "damaged"
    shutil.copytree(whole, damaged)
    (pack,) = (damaged / "raw" / "bodies").glob("pack-*.gz")
    size = damage(pack)
    old_parts = set((damaged / "raw" / "manifest").glob("part-*"))

    summary, rss = crawl_in_child(fast, damaged)
    assert rss < MAX_RSS_MB and summary["finished"] and summary["failures"] == {}
    assert summary["stats"]["archive/damaged_bodies"] > 0 and summary["stats"]["archive/requeued"] > 0
    assert parsed(damaged / "raw") == expected  # the full result again
    # No line of the resumed run points into the damaged bytes (each body reads back, sha256 checked).
    new_parts = set((damaged / "raw" / "manifest").glob("part-*")) - old_parts
    new_lines = [json.loads(line) for part in new_parts for line in part.read_text().splitlines()]
    stored = [e for e in new_lines if e["path"]]
    assert stored and all(read_body(damaged / "raw", e) for e in stored)
    assert not [e for e in stored if e["path"] == f"bodies/{pack.name}" and e["offset"] + e["length"] > size]
    # A second start finds nothing to repair.
    again = Engine(crawl_settings(fast), damaged).run()
    assert "archive/damaged_bodies" not in again["stats"]
