"""The durable frontier and seen-set: one SQLite file in WAL mode, keyed by URL fingerprints.

Every request the crawl will ever make is a row (state queued → in_flight → done | failed,
with a reason). Nothing lives only in process memory: after a kill -9 the rows still
`in_flight` are handed back to the engine (`inflight()`), which replays them from the
archive when their response was already stored and queues them again otherwise. The engine
claims small batches, so memory stays flat however large the crawl grows.
"""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from parsing.raw_archive import RAW_DIR

QUEUED, IN_FLIGHT, DONE, FAILED = "queued", "in_flight", "done", "failed"
FRONTIER_FILE = "crawl.sqlite"
COMPLETED = "completed_at:"  # kv key prefix: + a job (category) → unix time its crawl last finished

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    fp TEXT PRIMARY KEY,          -- sha1 of the canonical URL
    url TEXT NOT NULL,
    kind TEXT NOT NULL,
    category TEXT,
    meta TEXT NOT NULL DEFAULT '{}',
    priority INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    fetched_at REAL,              -- unix time of the last stored response
    claimed_at REAL,              -- unix time the current attempt was handed to the engine
    seq INTEGER NOT NULL          -- insertion order: ties in priority go first-in first-out
);
-- Only queued rows are indexed for the claim: settling a request (in_flight → done) then
-- rewrites its row and touches no index. (Files made before this index have requests_claim.)
DROP INDEX IF EXISTS requests_claim;
CREATE INDEX IF NOT EXISTS requests_queued ON requests(priority DESC, seq) WHERE state = 'queued';
CREATE TABLE IF NOT EXISTS bodies (  -- each distinct body is stored once: sha256 → where it lies
    sha TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    offset INTEGER NOT NULL,
    length INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS hosts (  -- politeness across restarts: each host's last request start
    host TEXT PRIMARY KEY,
    last_start REAL NOT NULL,     -- unix time the last request was sent
    interval REAL NOT NULL        -- the gap that start promised before the next one
);
CREATE TABLE IF NOT EXISTS stats (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
"""


def frontier_path(out_dir: Path | str) -> Path:
    """The frontier of the crawl whose output folder is `out_dir`: `<out>/raw/crawl.sqlite`."""
    return Path(out_dir) / RAW_DIR / FRONTIER_FILE


def completed_jobs(out_dir: Path | str) -> list[str]:
    """Jobs (categories) whose crawl has finished at least once, read-only; [] when nothing was crawled."""
    db = frontier_path(out_dir)
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        keys = [k for (k,) in conn.execute("SELECT k FROM kv WHERE k LIKE ?", (COMPLETED + "%",))]
    return [k.split(":", 1)[1] for k in keys]


# A URL that is already in canonical form, checked by one regex: an adapter builds most of its
# links that way, and the general rule below costs ~4x more (fingerprints run twice a page).
_PLAIN_URL = re.compile(r"(https?)://([a-z0-9.\-]+)(?::([1-9][0-9]{0,4}))?(/[^?#\x00-\x20]*)(?:\?([A-Za-z0-9_.~=&\-]+))?")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_canonical(match: re.Match) -> bool:
    scheme, _, port, _, query = match.groups()
    if port and (int(port) == _DEFAULT_PORTS[scheme] or int(port) > 65535):
        return False
    if query:
        pairs = [param.partition("=") for param in query.split("&")]
        if any(not key or not sep or "=" in value for key, sep, value in pairs):
            return False  # empty or bare parameters, or a value that urlencode would escape
        pairs = [(key, value) for key, _, value in pairs]
        return pairs == sorted(pairs)
    return True


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports and the fragment, sort the query (Scrapy's rule)."""
    plain = _PLAIN_URL.fullmatch(url)
    if plain is not None and _is_canonical(plain):
        return url
    return _canonicalize(url)


def _canonicalize(url: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a bad port or IPv6 literal: no fetchable URL (dropped at discovery), kept as is
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True))) if parts.query else ""
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def fingerprint(url: str) -> str:
    return hashlib.sha1(canonical_url(url).encode()).hexdigest()


def _dump_meta(meta: dict) -> str:
    return json.dumps(meta) if meta else "{}"  # most requests carry none: skip the encoder


def _load_meta(text: str) -> dict:
    return json.loads(text) if text != "{}" else {}


@dataclass
class Request:
    url: str
    kind: str
    category: str | None = None
    meta: dict = field(default_factory=dict)
    priority: int = 0
    fp: str = ""
    attempts: int = 0

    def __post_init__(self) -> None:
        if not self.fp:
            self.fp = fingerprint(self.url)


class Frontier:
    """Queue + seen-set on disk. Not thread-safe: one engine (one event loop) owns it."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        # Creating the file (WAL switch, schema) skips its ~6 fsyncs (10-30 ms a run here): a killed
        # process loses no write the OS already holds, and a new file has nothing to lose yet.
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.executescript(_SCHEMA)
        self.conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a process kill
        self._depth = 0
        self._seq = self.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM requests").fetchone()[0]

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self):
        """One atomic step. Inside an open transaction it is a savepoint: its failure undoes only itself."""
        self._depth += 1
        name = f"sp{self._depth}"
        self.conn.execute("BEGIN IMMEDIATE" if self._depth == 1 else f"SAVEPOINT {name}")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK" if self._depth == 1 else f"ROLLBACK TO {name}")
            if self._depth > 1:
                self.conn.execute(f"RELEASE {name}")
            self._depth -= 1
            raise
        self.conn.execute("COMMIT" if self._depth == 1 else f"RELEASE {name}")
        self._depth -= 1

    def hold(self) -> None:
        """Open a transaction that later steps join, until `release_hold()`: one commit per batch of
        responses instead of one per response. Safe after a kill: the rows of an uncommitted batch
        are still `in_flight` (the engine commits each claim before any claimed request starts) and
        their responses are in the manifest."""
        if self._depth == 0:
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            self._held = True

    def commit_hold(self) -> None:
        """Commit what the held batch has so far and go on holding (no-op when nothing is held)."""
        if getattr(self, "_held", False) and self._depth == 1:
            self.conn.execute("COMMIT")
            self.conn.execute("BEGIN IMMEDIATE")

    def release_hold(self) -> None:
        if getattr(self, "_held", False):
            self._held = False
            self._depth = 0
            self.conn.execute("COMMIT")

    # -- the queue ---------------------------------------------------------------------
    def add(self, request: Request) -> bool:
        """Queue a request unless its fingerprint was seen before. Returns False for a duplicate."""
        return self.add_many([request]) == 1

    def add_many(self, requests: list[Request]) -> int:
        """`add` for a page's children in one statement. Returns how many were new (not seen before)."""
        rows = []
        for request in requests:
            self._seq += 1
            rows.append((request.fp, request.url, request.kind, request.category, _dump_meta(request.meta),
                         request.priority, QUEUED, self._seq))
        return self.conn.executemany(
            "INSERT OR IGNORE INTO requests(fp, url, kind, category, meta, priority, state, seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows,
        ).rowcount

    def requeue(self, fp: str, meta: dict | None = None) -> None:
        """Fetch a seen URL again (incremental re-crawl, retry of a failure on a later run)."""
        if meta is None:
            self.conn.execute("UPDATE requests SET state=? WHERE fp=?", (QUEUED, fp))
        else:
            self.conn.execute("UPDATE requests SET state=?, meta=? WHERE fp=?", (QUEUED, json.dumps(meta), fp))

    def requeue_many(self, fps: list[str]) -> int:
        """Fetch these seen URLs again (a damaged archive's pages), whatever their state."""
        return self.conn.executemany("UPDATE requests SET state=? WHERE fp=?", [(QUEUED, fp) for fp in fps]).rowcount

    def requeue_where(self, where: str, params: tuple = ()) -> int:
        return self.conn.execute(f"UPDATE requests SET state='{QUEUED}' WHERE {where}", params).rowcount

    def claim(self, n: int) -> list[Request]:
        """Take up to n queued requests, best priority first, and mark them in flight."""
        with self.transaction():
            rows = self.conn.execute(  # the literal state lets SQLite use the partial index
                "SELECT fp, url, kind, category, meta, priority, attempts FROM requests "
                "WHERE state='queued' ORDER BY priority DESC, seq LIMIT ?", (n,),
            ).fetchall()
            claimed = time.time()
            self.conn.executemany("UPDATE requests SET state=?, claimed_at=? WHERE fp=?", [(IN_FLIGHT, claimed, r[0]) for r in rows])
        return [Request(url=r[1], kind=r[2], category=r[3], meta=_load_meta(r[4]), priority=r[5], fp=r[0], attempts=r[6])
                for r in rows]

    def inflight(self) -> list[Request]:
        """Rows a killed run left in flight (at most its concurrency)."""
        rows = self.conn.execute(
            "SELECT fp, url, kind, category, meta, priority, attempts FROM requests WHERE state=?", (IN_FLIGHT,)
        ).fetchall()
        return [Request(url=r[1], kind=r[2], category=r[3], meta=_load_meta(r[4]), priority=r[5], fp=r[0], attempts=r[6])
                for r in rows]

    def release(self, fps: list[str]) -> None:
        self.conn.executemany("UPDATE requests SET state=? WHERE fp=? AND state=?", [(QUEUED, fp, IN_FLIGHT) for fp in fps])

    def mark_done(self, fp: str, fetched_at: float | None = None) -> None:
        self.conn.execute(
            "UPDATE requests SET state=?, reason=NULL, attempts=attempts+1, fetched_at=COALESCE(?, fetched_at) WHERE fp=?",
            (DONE, fetched_at, fp),
        )

    def mark_failed(self, fp: str, reason: str, fetched_at: float | None = None) -> None:
        self.conn.execute(
            "UPDATE requests SET state=?, reason=?, attempts=attempts+1, fetched_at=COALESCE(?, fetched_at) WHERE fp=?",
            (FAILED, reason, fetched_at, fp),
        )

    # -- stored bodies ------------------------------------------------------------------
    def body_location(self, sha: str) -> tuple[str, int, int] | None:
        """(path, offset, length) of a body already in the archive, or None."""
        return self.conn.execute("SELECT path, offset, length FROM bodies WHERE sha=?", (sha,)).fetchone()

    def add_body(self, sha: str, location: tuple[str, int, int]) -> None:
        self.conn.execute("INSERT OR IGNORE INTO bodies(sha, path, offset, length) VALUES (?, ?, ?, ?)", (sha, *location))

    def body_packs(self) -> list[str]:
        """Every pack (relative path) that holds a known body."""
        return [path for (path,) in self.conn.execute("SELECT DISTINCT path FROM bodies ORDER BY path")]

    def bodies_in(self, pack: str) -> list[tuple[str, int, int]]:
        """(sha256, offset, length) of every known body in a pack, in file order."""
        return self.conn.execute("SELECT sha, offset, length FROM bodies WHERE path=? ORDER BY offset", (pack,)).fetchall()

    def drop_bodies(self, shas: list[str]) -> None:
        """Forget damaged bodies, so the next fetch of the same bytes stores them anew."""
        self.conn.executemany("DELETE FROM bodies WHERE sha=?", [(sha,) for sha in shas])

    # -- hosts --------------------------------------------------------------------------
    def host_start(self, host: str) -> tuple[float, float] | None:
        """(unix time, interval) of the last request start to a host, as persisted."""
        return self.conn.execute("SELECT last_start, interval FROM hosts WHERE host=?", (host,)).fetchone()

    def note_host_start(self, host: str, unix: float, interval: float) -> None:
        self.conn.execute(
            "INSERT INTO hosts(host, last_start, interval) VALUES (?, ?, ?) ON CONFLICT(host) DO UPDATE SET "
            "last_start=MAX(last_start, excluded.last_start), interval=excluded.interval",
            (host, unix, interval),
        )

    # -- questions ----------------------------------------------------------------------
    def pending(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM requests WHERE state IN (?, ?)", (QUEUED, IN_FLIGHT)).fetchone()[0]

    def queued(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM requests WHERE state='queued'").fetchone()[0]  # partial index

    def size(self) -> int:
        """How many requests the frontier holds (rows are never deleted: the largest rowid)."""
        return self.conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM requests").fetchone()[0]

    def counts(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT state, COUNT(*) FROM requests GROUP BY state").fetchall())

    def failures(self) -> dict[str, int]:
        return dict(self.conn.execute(
            "SELECT reason, COUNT(*) FROM requests WHERE state=? GROUP BY reason ORDER BY 2 DESC", (FAILED,)
        ).fetchall())

    # -- small persistent values and stats ---------------------------------------------
    def get(self, key: str, default=None):
        row = self.conn.execute("SELECT v FROM kv WHERE k=?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def put(self, key: str, value) -> None:
        self.conn.execute("INSERT OR REPLACE INTO kv(k, v) VALUES (?, ?)", (key, json.dumps(value)))

    def add_stats(self, delta: dict[str, int]) -> None:
        self.conn.executemany(
            "INSERT INTO stats(k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = v + excluded.v",
            [(k, int(v)) for k, v in delta.items() if v],
        )

    def stats(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT k, v FROM stats ORDER BY k").fetchall())

