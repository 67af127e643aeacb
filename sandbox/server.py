"""A real HTTP/1.1 storefront on 127.0.0.1: keep-alive, threaded, faults, rate limit, request log.

    with SandboxServer("data/sandbox", port=0, faults=Faults(error_503=0.05)) as server:
        httpx.get(server.base_url + "/robots.txt")
        server.request_log      # every request: time, path, status, client, retry_after ...
        server.pauses           # every Retry-After pause the server asked for

A crawler's politeness is checked against the log: its rate, the Crawl-delay, no disallowed
path (they exist: /gp/cart, /ap/), and no request inside a Retry-After pause (each log entry
says `during_pause`).
"""
from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import asdict, dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sandbox import render
from sandbox.faults import FaultDrawer, Faults, RateLimiter
from sandbox.site import Page, Site

_REASONS = {200: "OK", 304: "Not Modified", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests",
            503: "Service Unavailable"}
_LAST_MODIFIED = formatdate(1698796800, usegmt=True)   # 2023-11-01, the release's snapshot
_CAPTCHA = render.CAPTCHA_HTML.encode("utf-8")
_ERROR_503 = b"<html><head><title>503 - Service Unavailable Error</title></head><body><p>Oops! It's rush hour and traffic is piling up on that page. Please try again in a short while.</p></body></html>"
_ERROR_429 = b"<html><head><title>429 Too Many Requests</title></head><body><h1>Too Many Requests</h1><p>Please retry after the time given in Retry-After.</p></body></html>"


@dataclass
class RequestRecord:
    """One request as the server saw it (attribute or item access: `r.status`, `r["status"]`)."""

    time: float                      # wall clock (time.time()) at arrival
    mono: float                      # time.monotonic() at arrival
    method: str
    path: str                        # the request target, query included
    client: str                      # the client IP
    status: int | None = None        # 0: closed without a response (drop, broken pipe)
    retry_after: int | None = None   # seconds, when a Retry-After header was sent
    fault: str | None = None         # a FAULT_KINDS name, "rate_limit", or None
    kind: str | None = None          # page kind: robots, home, browse, product, reviews, profile, timeline ...
    bytes: int = 0                   # body bytes sent
    during_pause: bool = False       # arrived inside a Retry-After pause this client was given
    duration: float = 0.0            # seconds from arrival to the response being sent
    logged: bool = field(default=False, repr=False, compare=False)

    def __getitem__(self, key: str):
        return getattr(self, key)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Server"            # as amazon.com answers
    sys_version = ""
    timeout = 30                         # idle keep-alive connections end after this

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.sandbox._track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.sandbox._track(self.connection, False)

    def log_message(self, format, *args):  # the request log replaces stderr lines
        pass

    def do_GET(self):
        self.server.sandbox._serve(self, head=False)

    def do_HEAD(self):
        self.server.sandbox._serve(self, head=True)

    def do_POST(self):  # the storefront is read-only; forms (add to cart) land here
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1 << 20))   # drain the form so the connection stays usable
        self.server.sandbox._serve(self, head=False)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


class SandboxServer:
    """The storefront for one generated marketplace (DIR from `generate --out DIR`)."""

    def __init__(self, data_dir: str | Path, port: int = 0, host: str = "127.0.0.1", faults: Faults | None = None,
                 crawl_delay: float = 1.0, rate_limit: float | None = None, rate_burst: float | None = None,
                 log_path: str | Path | None = None, review_page_size: int = 10, timeline_page_size: int = 10,
                 browse_page_size: int = 24):
        self.site = Site(data_dir, review_page_size=review_page_size, timeline_page_size=timeline_page_size,
                         browse_page_size=browse_page_size, crawl_delay=crawl_delay)
        self.host = host
        self.port = port
        self.faults = faults or Faults()
        self._drawer = FaultDrawer(self.faults)
        self._limiter = RateLimiter(rate_limit, rate_burst) if rate_limit else None
        self.request_log: list[RequestRecord] = []
        self.pauses: list[dict] = []          # {"client", "start", "end" (monotonic), "wall_start", "reason"}
        self._log_lock = threading.Lock()
        self._pause_end: dict[str, float] = {}
        self._log_file = open(log_path, "a", encoding="utf-8") if log_path else None
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._padding = b""

    # ------------------------------------------------------------ lifecycle
    def start(self) -> "SandboxServer":
        self._httpd = _HTTPServer((self.host, self.port), _Handler)
        self._httpd.sandbox = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=f"sandbox-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._conn_lock:
            for conn in list(self._connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self._httpd = None
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _track(self, conn: socket.socket, alive: bool) -> None:
        with self._conn_lock:
            (self._connections.add if alive else self._connections.discard)(conn)

    # ------------------------------------------------------------ one request
    def _serve(self, h: _Handler, head: bool) -> None:
        started = time.monotonic()
        client = h.client_address[0]
        path = h.path
        bare_path = path.split("?", 1)[0]
        during_pause = self._in_pause(client, started)
        entry = RequestRecord(time=time.time(), mono=started, method=h.command, path=path, client=client,
                              during_pause=during_pause)
        try:
            if self._limiter is not None:
                wait, new_pause = self._limiter.check(client, started)
                if wait is not None:
                    if new_pause:
                        self._add_pause(client, started, wait, "rate_limit")
                    entry.fault, entry.kind = "rate_limit", "throttled"
                    self._respond(h, entry, 429, "text/html; charset=utf-8", _ERROR_429, head,
                                  extra=(("Retry-After", str(wait)),))
                    return
            fault = self._drawer.draw(bare_path)
            entry.fault = fault
            if fault == "drop":
                entry.status = 0
                self._log(entry)
                h.close_connection = True
                try:
                    h.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if fault == "p503":
                self._respond(h, entry, 503, "text/html; charset=utf-8", _ERROR_503, head,
                              extra=(("Retry-After", str(int(self.faults.retry_after_s))),))
                return
            if fault == "p429":
                self._add_pause(client, started, int(self.faults.retry_after_s), "fault")
                self._respond(h, entry, 429, "text/html; charset=utf-8", _ERROR_429, head,
                              extra=(("Retry-After", str(int(self.faults.retry_after_s))),))
                return
            if fault == "captcha":
                entry.kind = "captcha"
                self._respond(h, entry, 200, "text/html; charset=utf-8", _CAPTCHA, head)
                return
            if fault == "slow":
                time.sleep(self.faults.slow_s)
            page = self.site.get(path)
            entry.kind = page.kind
            body, ctype = page.body, page.content_type
            if fault == "wrong_type":
                ctype = "application/octet-stream"
            if fault == "oversize":
                body = body + self._pad(len(body))
            if fault != "oversize" and page.status == 200 and h.headers.get("If-None-Match") == page.etag:
                self._respond(h, entry, 304, None, b"", head, extra=(("ETag", page.etag),))
                return
            self._respond(h, entry, page.status, ctype, body, head, page=page, truncate=(fault == "truncate"))
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            h.close_connection = True
            if entry.status is None:
                entry.status = 0
        finally:
            if not entry.logged:          # an exception before the response was logged
                self._log(entry)

    def _respond(self, h: _Handler, entry: RequestRecord, status: int, ctype: str | None, body: bytes, head: bool,
                 extra: tuple[tuple[str, str], ...] = (), page: Page | None = None, truncate: bool = False) -> None:
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}",
                 f"Date: {formatdate(usegmt=True)}", "Server: Server"]
        if ctype:
            lines.append(f"Content-Type: {ctype}")
        lines.append(f"Content-Length: {len(body)}")
        if page is not None and status == 200:
            lines += [f"ETag: {page.etag}", f"Last-Modified: {_LAST_MODIFIED}"]
        for name, value in extra:
            lines.append(f"{name}: {value}")
            if name == "Retry-After":
                entry.retry_after = int(value)
        if truncate or h.headers.get("Connection", "").lower() == "close":
            lines.append("Connection: close")
            h.close_connection = True
        head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        payload = b"" if head else (body[: len(body) // 2] if truncate else body)
        entry.status = status
        entry.bytes = len(payload)
        self._log(entry)                  # before the bytes go out: a client that has its answer finds it logged
        h.wfile.write(head_bytes + payload)
        h.wfile.flush()
        if truncate:
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _pad(self, size: int) -> bytes:
        need = max(0, self.faults.oversize_bytes - size)
        if len(self._padding) < need:
            unit = b"<!-- " + b"x" * 1014 + b" -->\n"
            self._padding = unit * (need // len(unit) + 1)
        return self._padding[:need]

    # ------------------------------------------------------------ politeness records
    def _add_pause(self, client: str, start: float, seconds: int, reason: str) -> None:
        now_wall = time.time()
        with self._log_lock:
            self.pauses.append({"client": client, "start": start, "end": start + seconds, "wall_start": now_wall,
                                "wall_end": now_wall + seconds, "seconds": seconds, "reason": reason})
            self._pause_end[client] = max(self._pause_end.get(client, 0.0), start + seconds)

    def _in_pause(self, client: str, now: float) -> bool:
        return now < self._pause_end.get(client, 0.0)

    def _log(self, entry: RequestRecord) -> None:
        entry.duration = time.monotonic() - entry.mono
        entry.logged = True
        with self._log_lock:
            self.request_log.append(entry)
            if self._log_file:
                row = asdict(entry)
                del row["logged"]
                self._log_file.write(json.dumps(row) + "\n")
                self._log_file.flush()
