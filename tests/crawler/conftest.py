"""A small storefront of our own (real HTTP on 127.0.0.1, CONTRACTS §1 layouts) for engine tests
that need exact control: a timeline that grows between runs, a redirect off-site, a page of the
wrong type. The sandbox (`sandbox`) is used for the done-when tests."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


class MiniStore:
    """One category, a few products and reviewers; every request is logged (time, path, status)."""

    # The "slow" fault's delay: far above the read timeout a test sets to catch it, which is itself
    # far above what an ordinary answer takes on a busy machine (so only the fault times out).
    SLOW_FAULT_S = 4.0
    READ_TIMEOUT_S = 1.5

    def __init__(self, users: int = 6, products: int = 5, reviews_per_user: int = 7, page_size: int = 3):
        self.category = "All_Beauty"
        self.asins = [f"B0MINI{i:04d}" for i in range(products)]
        self.page_size = page_size
        self.timelines: dict[str, list[dict]] = {}
        for u in range(users):
            user = f"AMINIUSER{u:04d}XYZ"
            self.timelines[user] = [self._review(user, u, k) for k in range(reviews_per_user)]
        self.routes: dict[str, tuple[int, str, bytes]] = {}  # path → (status, content type, body) overrides
        self.faults: dict[str, list[str]] = {}  # path → faults served, in order, before the real page
        self.log: list[tuple[float, str, int]] = []
        self.lock = threading.Lock()

    def _review(self, user: str, u: int, k: int) -> dict:
        asin = self.asins[(u + k) % len(self.asins)]
        return {"rating": float(1 + (u + k) % 5), "title": f"t{u}-{k}", "text": f"text {u} {k}", "images": [],
                "asin": asin, "parent_asin": asin, "user_id": user, "timestamp": 1_500_000_000_000 + (u * 100 + k) * 86_400_000,
                "helpful_vote": k, "verified_purchase": bool(k % 2)}

    def add_review(self, user: str) -> dict:
        """A new review, newest of all (for the incremental re-crawl)."""
        with self.lock:
            k = len(self.timelines[user]) + 1000
            review = self._review(user, 0, k)
            review["timestamp"] = 1_700_000_000_000 + k
            self.timelines[user].append(review)
            return review

    def newest_first(self, user: str) -> list[dict]:
        return sorted(self.timelines[user], key=lambda r: -r["timestamp"])

    # -- pages ---------------------------------------------------------------------------
    def page(self, path: str, query: dict) -> tuple[int, str, bytes]:
        html = "text/html; charset=utf-8"
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nDisallow: /gp/cart\nDisallow: /ap/\n"
        if path == "/":
            return 200, html, f'<html><body><a href="/s?i={self.category}&amp;page=1">cat</a></body></html>'.encode()
        if path == "/s":
            items = "".join(f'<div data-component-type="s-search-result" data-asin="{a}"><h2><a href="/x/dp/{a}/ref=sr_1_1">{a}</a></h2></div>'
                            for a in self.asins)
            return 200, html, f"<html><body>{items}</body></html>".encode()
        if path.startswith("/product-reviews/"):
            asin = path.rsplit("/", 1)[1]
            users = [u for u, rs in self.timelines.items() if any(r["asin"] == asin for r in rs)]
            divs = "".join(f'<div data-hook="review" id="R{i}"><a class="a-profile" href="/gp/profile/amzn1.account.{u}/ref=x">u</a>'
                           f'<span data-hook="review-body">b</span></div>' for i, u in enumerate(users))
            return 200, html, f"<html><body>{divs}</body></html>".encode()
        if path.startswith("/gp/profile/amzn1.account."):
            user = path.rsplit(".", 1)[1]
            if user not in self.timelines:
                return 404, html, b"<html>gone</html>"
            url = f"/profilewidget/timeline/visitor?profileId=amzn1.account.{user}"
            return 200, html, f'<html><div id="profile-timeline" data-timeline-url="{url}"></div></html>'.encode()
        if path == "/profilewidget/timeline/visitor":
            user = query["profileId"][0].rsplit(".", 1)[1]
            start = int(query.get("nextPageToken", ["0"])[0])
            entries = self.newest_first(user)
            chunk = entries[start:start + self.page_size]
            nxt = str(start + self.page_size) if start + self.page_size < len(entries) else None
            doc = {"profileId": f"amzn1.account.{user}", "nextPageToken": nxt, "contributions": [
                {"id": f"R{r['timestamp']}", "type": "productreview",
                 "product": {"asin": r["asin"], "parentAsin": r["parent_asin"], "url": f"/dp/{r['parent_asin']}"},
                 "review": r} for r in chunk]}
            return 200, "application/json", json.dumps(doc).encode()
        if path.startswith("/dp/"):
            asin = path.rsplit("/", 1)[1]
            return 200, html, f'<html><span id="productTitle">{asin}</span><input id="ASIN" value="{asin}"></html>'.encode()
        return 404, html, b"<html>not found</html>"

    def handler(store):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                parts = urlsplit(self.path)
                with store.lock:
                    queue = store.faults.get(parts.path) or []
                    fault = queue.pop(0) if queue else None
                if fault and self._fault(fault, parts):
                    return
                override = store.routes.get(self.path) or store.routes.get(parts.path)
                if override and override[0] == 301:
                    status, body = 301, b""
                    self.send_response(301)
                    self.send_header("Location", override[2].decode())
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    status, ctype, body = override or store.page(parts.path, parse_qs(parts.query))
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                with store.lock:
                    store.log.append((time.time(), self.path, status))

            def _fault(self, fault: str, parts) -> bool:
                """Serve one fault; True when the request is answered (or dropped) by it."""
                with store.lock:
                    store.log.append((time.time(), self.path, {"drop": 0, "503": 503, "truncate": 200, "slow": 200}[fault]))
                if fault == "drop":
                    self.close_connection = True
                    return True
                if fault == "503":
                    self.send_response(503)
                    self.send_header("Retry-After", "1")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return True
                status, ctype, body = store.page(parts.path, parse_qs(parts.query))
                if fault == "slow":
                    time.sleep(store.SLOW_FAULT_S)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if fault == "truncate" else body)
                self.close_connection = fault == "truncate"
                return True

            def log_message(self, *args):
                pass

        return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # the default backlog of 5 resets connections when the machine is busy


@pytest.fixture
def mini_store():
    store = MiniStore()
    server = _Server(("127.0.0.1", 0), store.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    store.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    yield store
    server.shutdown()
    server.server_close()


def archived_reviews(raw_dir) -> set[str]:
    """Every review in every stored timeline body (all manifest lines: a re-crawled head page
    does not hide what older pages hold), as canonical JSON strings."""
    from parsing.raw_archive import iter_manifest, read_body
    from parsing.links import timeline_page

    found = set()
    for _, entry in iter_manifest(raw_dir):
        if entry["kind"] == "timeline" and entry["error"] is None:
            for review in timeline_page(read_body(raw_dir, entry)).reviews:
                found.add(json.dumps(review, sort_keys=True))
    return found


@pytest.fixture
def reviews_in_archive():
    return archived_reviews


class GateStarts:
    """Every request's start as the crawler's politeness gate counts it, recorded around the real
    `HostGate._take_start` (the slot) and `HostGate.sent` (the headers going out, from httpcore's
    trace, on hosts with an interval): the very clock reads the gate spaces requests by. Tests read
    gaps from these rather than from a server's arrival log, whose thread-scheduling noise on a
    loaded machine exceeds any fixed slack; the server's log still says which requests happened.
    """

    def __init__(self):
        self.events: list[tuple[str, float, float]] = []  # (take | sent, monotonic, unix)

    @staticmethod
    def starts_of(events) -> list[float]:
        """One time per request: its slot's, replaced by its send's when it was traced."""
        starts: list[float] = []
        for kind, at in events:
            if kind == "take":
                starts.append(at)
            else:
                starts[-1] = at
        return starts

    def starts(self, unix: bool = False) -> list[float]:
        return self.starts_of([(kind, wall if unix else mono) for kind, mono, wall in self.events])


@pytest.fixture
def gate_starts(monkeypatch) -> GateStarts:
    from crawler.politeness import HostGate

    recorded = GateStarts()
    for kind, method in (("take", "_take_start"), ("sent", "sent")):
        def recording(gate, _kind=kind, _real=getattr(HostGate, method)):
            _real(gate)
            # The gate's monotonic start, and it as unix time (comparable with another process's).
            recorded.events.append((_kind, gate.last_start, time.time() - (time.monotonic() - gate.last_start)))

        monkeypatch.setattr(HostGate, method, recording)
    return recorded
