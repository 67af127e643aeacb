"""The site adapter: Amazon's URL patterns (CONTRACTS §1), which parser reads each page kind,
and the user-centric procedure. The engine knows none of this.

The procedure runs in phases, each a barrier in the frontier (it advances when nothing is
queued or in flight), so the reviewer pool does not depend on fetch order or on crashes:

  browse   home + every browse page of the chosen categories → candidate products
  reviews  the `seed_products` products of lowest hash(seed, asin) per category → all their
           review-list pages → candidate reviewers
  users    the `users` candidates of lowest hash(seed, user_id) → profile page → timeline,
           walked newest first to its end → the product page (/dp/<parent_asin>) of every review
  done     a later run starts an incremental pass: each timeline is walked again from its head
           until the newest review already archived; product pages older than
           `product_refresh_age_s` and every failed request are fetched again.
"""
from __future__ import annotations

import hashlib
import html as html_lib
import re
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin

from crawler.frontier import COMPLETED, FAILED, Frontier, Request
from crawler.settings import CrawlSettings
from parsing.categories import safe_category
from parsing.links import is_blocked, next_page_url, product_links, review_list_page, timeline_page

HTML = ("text/html", "application/xhtml+xml")
JSON = ("application/json",)

# Deeper first: a walk already begun finishes before new ones start (small frontier).
PRIORITY = {"home": 10, "browse": 20, "reviews": 30, "profile": 60, "product": 50, "timeline": 70}
EXPECT = {"home": HTML, "browse": HTML, "reviews": HTML, "profile": HTML, "product": HTML, "timeline": JSON}

_BROWSE_LINK = re.compile(r"""href=["'][^"']*/s\?(?:[^"']*&(?:amp;)?)?i=([A-Za-z0-9_]+)""")
_TIMELINE_URL = re.compile(r"""data-timeline-url=["']([^"']+)["']""")
_ASIN = re.compile(r"/dp/([A-Z0-9]{10})")

_TABLES = """
CREATE TABLE IF NOT EXISTS products (asin TEXT PRIMARY KEY, category TEXT, rank INTEGER);
CREATE INDEX IF NOT EXISTS products_rank ON products(category, rank);
CREATE TABLE IF NOT EXISTS candidates (user_id TEXT PRIMARY KEY, category TEXT, rank INTEGER);
CREATE INDEX IF NOT EXISTS candidates_rank ON candidates(category, rank);
CREATE TABLE IF NOT EXISTS users (user_id TEXT PRIMARY KEY, category TEXT, rank INTEGER, newest TEXT, head_url TEXT);
"""


def _depth(request: Request) -> int:
    """Pages followed from the first page of a list or timeline (meta `depth`, absent on first pages)."""
    return request.meta.get("depth", 0) if request.meta else 0


def rank(seed: int, key: str) -> int:
    """A seeded, order-independent sample: the lowest ranks are the sample."""
    return int(hashlib.sha1(f"{seed}:{key}".encode()).hexdigest()[:15], 16)


@dataclass
class Handled:
    children: list[Request] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)


class AmazonAdapter:
    def __init__(self, settings: CrawlSettings, frontier: Frontier):
        self.s = settings
        self.frontier = frontier
        self.base = settings.base_url.rstrip("/") + "/"
        self.categories = tuple(safe_category(c) for c in settings.categories)
        self.job = ",".join(sorted(self.categories)) or "*"
        frontier.conn.executescript(_TABLES)

    # -- URLs -------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return urljoin(self.base, path)

    def request(self, kind: str, path_or_url: str, category: str | None, **meta) -> Request:
        return Request(url=self.url(path_or_url), kind=kind, category=category, meta=meta, priority=PRIORITY[kind])

    def browse(self, category: str, page: int = 1) -> Request:
        return self.request("browse", f"/s?i={category}&page={page}", category)

    def timeline(self, user: str, category: str | None, token: str | None, stop_at: str | None, head: bool,
                 depth: int = 0) -> Request:
        path = f"/profilewidget/timeline/visitor?profileId=amzn1.account.{user}"
        if token:
            path += f"&nextPageToken={quote(token, safe='')}"
            return self.request("timeline", path, category, user=user, stop_at=stop_at, head=head, depth=depth)
        return self.request("timeline", path, category, user=user, stop_at=stop_at, head=head)

    def next_page(self, request: Request, path_or_url: str) -> Request:
        """The next page of a browse or review list: one deeper (the engine caps the depth)."""
        return self.request(request.kind, path_or_url, request.category, depth=_depth(request) + 1)

    def expect(self, kind: str) -> tuple[str, ...]:
        return EXPECT.get(kind, ())

    blocked = staticmethod(is_blocked)

    # -- phases -------------------------------------------------------------------------------
    @property
    def phase(self) -> str | None:
        return self.frontier.get(f"phase:{self.job}")

    def _set_phase(self, phase: str) -> None:
        self.frontier.put(f"phase:{self.job}", phase)

    def start_pass(self) -> list[Request]:
        """Called when a run starts: the first seeds, an incremental pass after a finished one,
        or nothing when this job is mid-way (a resume)."""
        phase = self.phase
        if phase is None:
            self._set_phase("browse")
            seeds = [self.request("home", "/", None)]
            return seeds + [self.browse(c) for c in self.categories]
        if phase != "done":
            return []
        # Incremental pass: failures again, stale product pages, every timeline from its head.
        self.frontier.requeue_where("state=?", (FAILED,))
        stale = time.time() - self.s.product_refresh_age_s
        self.frontier.requeue_where("kind='product' AND state='done' AND fetched_at < ?", (stale,))
        for user, category, newest, head_url in self._pool_users():
            if head_url:
                head = self.timeline(user, category, None, stop_at=newest, head=True)
                self.frontier.requeue(Request(head_url, "timeline").fp, head.meta)
        self._set_phase("users")
        return self._select_users()  # the pool grows when `users` was raised

    def advance(self) -> list[Request]:
        """Called when nothing is queued or in flight: open the next phase (or finish)."""
        phase = self.phase
        if phase == "browse":
            self._set_phase("reviews")
            out = []
            for category in self._job_categories("products"):
                limit = self.s.seed_products if self.s.seed_products > 0 else -1
                for (asin,) in self.frontier.conn.execute(
                    "SELECT asin FROM products WHERE category=? ORDER BY rank LIMIT ?", (category, limit)
                ):
                    out.append(self.request("reviews", f"/product-reviews/{asin}?pageNumber=1", category))
            return out
        if phase == "reviews":
            self._set_phase("users")
            return self._select_users()
        if phase == "users":
            self._set_phase("done")
            self.frontier.put(f"{COMPLETED}{self.job}", time.time())
        return []

    def _job_categories(self, table: str) -> list[str]:
        if self.categories:
            return list(self.categories)
        return [r[0] for r in self.frontier.conn.execute(f"SELECT DISTINCT category FROM {table} ORDER BY 1")]

    def _pool_users(self):
        cats = self._job_categories("users")
        marks = ",".join("?" * len(cats))
        return self.frontier.conn.execute(
            f"SELECT user_id, category, newest, head_url FROM users WHERE category IN ({marks}) ORDER BY rank", cats
        ).fetchall()

    def _select_users(self) -> list[Request]:
        cats = self._job_categories("candidates")
        marks = ",".join("?" * len(cats))
        have = self.frontier.conn.execute(f"SELECT COUNT(*) FROM users WHERE category IN ({marks})", cats).fetchone()[0]
        want = max(self.s.users - have, 0)
        rows = self.frontier.conn.execute(
            f"SELECT user_id, category, rank FROM candidates WHERE category IN ({marks}) "
            f"AND user_id NOT IN (SELECT user_id FROM users) ORDER BY rank LIMIT ?", (*cats, want),
        ).fetchall()
        self.frontier.conn.executemany("INSERT OR IGNORE INTO users(user_id, category, rank) VALUES (?, ?, ?)", rows)
        return [self.request("profile", f"/gp/profile/amzn1.account.{user}", category, user=user)
                for user, category, _ in rows]

    # -- page handlers (the engine calls these inside its transaction) -----------------------
    def handle(self, request: Request, final_url: str, body: bytes) -> Handled:
        return getattr(self, f"_on_{request.kind}")(request, final_url, body)

    def _on_home(self, request: Request, url: str, body: bytes) -> Handled:
        if self.categories:
            return Handled()  # browse pages were seeded from the settings
        text = body.decode("utf-8", "replace")
        found = dict.fromkeys(m.group(1) for m in _BROWSE_LINK.finditer(text))
        return Handled([self.browse(safe_category(c)) for c in found])

    def _on_browse(self, request: Request, url: str, body: bytes) -> Handled:
        links = product_links(body, url)
        rows = []
        for link in links:
            match = _ASIN.search(link)
            if match:
                rows.append((match.group(1), request.category, rank(self.s.seed, match.group(1))))
        self.frontier.conn.executemany("INSERT OR IGNORE INTO products(asin, category, rank) VALUES (?, ?, ?)", rows)
        nxt = next_page_url(body, url)
        return Handled([self.next_page(request, nxt)] if nxt else [], {"pool/products_seen": len(rows)})

    def _on_reviews(self, request: Request, url: str, body: bytes) -> Handled:
        page = review_list_page(body, url)
        rows = [(u, request.category, rank(self.s.seed, u)) for u in page.profile_ids]
        self.frontier.conn.executemany("INSERT OR IGNORE INTO candidates(user_id, category, rank) VALUES (?, ?, ?)", rows)
        children = [self.next_page(request, page.next_url)] if page.next_url else []
        return Handled(children, {"pool/reviewers_seen": len(rows)})

    def _on_profile(self, request: Request, url: str, body: bytes) -> Handled:
        user = request.meta["user"]
        match = _TIMELINE_URL.search(body.decode("utf-8", "replace"))
        head = self.timeline(user, request.category, None, stop_at=None, head=True)
        if match:  # follow the page's own link, as a browser would
            head.url = urljoin(url, html_lib.unescape(match.group(1)))
            head.fp = Request(head.url, "timeline").fp
        self.frontier.conn.execute("UPDATE users SET head_url=? WHERE user_id=?", (head.url, user))
        return Handled([head])

    def _on_timeline(self, request: Request, url: str, body: bytes) -> Handled:
        page = timeline_page(body)
        user = request.meta.get("user") or page.user_id
        keys = [rid or f"{r['timestamp']}:{r['asin']}" for rid, r in
                zip(page.review_ids or [""] * len(page.reviews), page.reviews)]
        stop_at = request.meta.get("stop_at")
        if request.meta.get("head") and keys:
            self.frontier.conn.execute("UPDATE users SET newest=? WHERE user_id=?", (keys[0], user))
        reviews, token = page.reviews, page.next_token
        if stop_at and stop_at in keys:  # incremental: everything from here on is archived already
            reviews, token = reviews[: keys.index(stop_at)], None
        children = [self.request("product", f"/dp/{r['parent_asin']}", request.category) for r in reviews]
        if token:
            children.append(self.timeline(user, request.category, token, stop_at=stop_at, head=False,
                                          depth=_depth(request) + 1))
        return Handled(children, {"item_scraped_count/reviews": len(reviews)})

    def _on_product(self, request: Request, url: str, body: bytes) -> Handled:
        return Handled([], {"item_scraped_count/products": 1})
