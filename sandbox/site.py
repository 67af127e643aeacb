"""The storefront without the HTTP: site data loaded from DIR/site, URL → response.

Pages are rendered on first request (well under a millisecond each) and kept in a bounded
LRU cache, so a re-crawl or a benchmark loop is served from memory. No HTTP here: the server (server.py) wraps this.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sandbox import render

_DP = re.compile(r"^(?:/[^/]+)?/(?:dp|gp/product)/([A-Z0-9]{10})(?:/.*)?$")
_REVIEWS = re.compile(r"^(?:/[^/]+)?/product-reviews/([A-Z0-9]{10})(?:/.*)?$")
_PROFILE = re.compile(r"^/gp/profile/amzn1\.account\.([A-Z0-9]{20,40})(?:/.*)?$")
_HTML = "text/html; charset=utf-8"
_JSON = "application/json; charset=utf-8"
_TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Page:
    status: int
    content_type: str
    body: bytes
    kind: str                                   # robots|home|browse|product|reviews|profile|timeline|cart|missing|...
    headers: tuple[tuple[str, str], ...] = field(default=())

    @cached_property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'


def _html(status: int, text: str, kind: str) -> Page:
    return Page(status, _HTML, text.encode("utf-8"), kind)


class Site:
    """Site data of one generated marketplace and the pages made from it."""

    def __init__(self, data_dir: str | Path, review_page_size: int = 10, timeline_page_size: int = 10,
                 browse_page_size: int = 24, crawl_delay: float = 1.0, cache_size: int = 4096):
        root = Path(data_dir)
        site_dir = root / "site" if (root / "site").is_dir() else root
        self.manifest = json.loads((site_dir / "manifest.json").read_text(encoding="utf-8"))
        self.review_page_size = review_page_size
        self.timeline_page_size = timeline_page_size
        self.browse_page_size = browse_page_size
        self.crawl_delay = crawl_delay
        self.items: dict[str, dict] = {}               # parent ASIN → item
        self.item_of: dict[str, dict] = {}             # any ASIN (parent or variant) → item
        with open(site_dir / "items.jsonl", encoding="utf-8") as fh:
            for line in fh:
                item = json.loads(line)
                self.items[item["parent_asin"]] = item
                self.item_of[item["parent_asin"]] = item
                for asin in item["asins"]:
                    self.item_of[asin] = item
        self.names: dict[str, str] = {}
        with open(site_dir / "users.jsonl", encoding="utf-8") as fh:
            for line in fh:
                user = json.loads(line)
                self.names[user["user_id"]] = user["name"]
        self.by_item: dict[str, list[tuple[str, dict]]] = {}
        self.by_user: dict[str, list[tuple[str, dict]]] = {}
        with open(site_dir / "reviews.jsonl", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                entry = (row["id"], row["review"])
                self.by_item.setdefault(row["review"]["parent_asin"], []).append(entry)
                self.by_user.setdefault(row["review"]["user_id"], []).append(entry)
        newest_first = lambda e: (-e[1]["timestamp"], e[0])  # noqa: E731
        for group in (*self.by_item.values(), *self.by_user.values()):
            group.sort(key=newest_first)
        self.categories: list[str] = list(self.manifest["categories"])
        # Browse lists every item whose page exists, most rated first (as "featured" does).
        self.browse: dict[str, list[dict]] = {c: [] for c in self.categories}
        for item in self.items.values():
            if item["page"] != "gone":
                self.browse[item["category"]].append(item)
        for group in self.browse.values():
            group.sort(key=lambda it: (-(it["meta"]["rating_number"] or 0), it["parent_asin"]))
        self._cached = lru_cache(maxsize=cache_size)(self._render)

    # The cache key is the normalised request, never the raw URL (ref= tails and tracking
    # parameters would otherwise defeat it).
    def get(self, target: str) -> Page:
        """The response for a request target (path + query)."""
        parts = urlsplit(target)
        path = parts.path or "/"
        query = parse_qs(parts.query)
        first = lambda name, default=None: (query.get(name) or [default])[0]  # noqa: E731
        if path == "/robots.txt":
            return self._cached("robots", "", 0)
        if path in ("/", "/index.html"):
            return self._cached("home", "", 0)
        if path == "/s":
            return self._cached("browse", first("i", ""), _int(first("page", "1")))
        if m := _DP.match(path):
            return self._cached("product", m.group(1), 0)
        if m := _REVIEWS.match(path):
            return self._cached("reviews", m.group(1), _int(first("pageNumber", "1")))
        if m := _PROFILE.match(path):
            return self._cached("profile", m.group(1), 0)
        if path == "/profilewidget/timeline/visitor":
            profile = first("profileId", "")
            token = first("nextPageToken")
            offset = 0
            if token is not None:
                try:
                    offset = render.decode_token(token)
                except (ValueError, KeyError, TypeError):
                    return Page(400, _JSON, b'{"error": "invalid nextPageToken"}', "timeline")
            size = _int(first("pageSize", str(self.timeline_page_size)))
            if not 1 <= size <= 100:
                return Page(400, _JSON, b'{"error": "pageSize must be 1..100"}', "timeline")
            return self._cached("timeline", f"{profile.removeprefix('amzn1.account.')}|{size}", offset)
        if path.startswith("/gp/cart") or path.startswith("/ap/"):
            return self._cached("cart", "", 0)
        if path.startswith("/errors/validateCaptcha"):
            return self._cached("home", "", 0)
        return self._cached("missing", "", 0)

    def _render(self, kind: str, key: str, number: int) -> Page:
        if kind == "robots":
            return Page(200, _TEXT, render.robots_txt(self.crawl_delay).encode(), "robots")
        if kind == "home":
            return _html(200, render.render_home(self.categories), "home")
        if kind == "browse":
            items = self.browse.get(key)
            pages = max(1, -(-len(items) // self.browse_page_size)) if items is not None else 0
            if items is None or not 1 <= number <= pages:
                return self._missing()
            return _html(200, render.render_browse(key, items, number, self.browse_page_size), "browse")
        if kind == "product":
            item = self.item_of.get(key)
            if item is None or item["page"] == "gone":
                return self._missing()
            html = render.render_product(item, key, self.names)
            if item["page"] == "malformed":
                html = render.malformed(html)
            return _html(200, html, "product")
        if kind == "reviews":
            item = self.item_of.get(key)
            if item is None or item["page"] == "gone":
                return self._missing()
            reviews = self.by_item.get(item["parent_asin"], [])
            pages = max(1, -(-len(reviews) // self.review_page_size))
            if not 1 <= number <= pages:
                return self._missing()
            return _html(200, render.render_review_list(item, key, reviews, self.names, number,
                                                        self.review_page_size), "reviews")
        if kind == "profile":
            if key not in self.by_user:
                return self._missing()
            return _html(200, render.render_profile(key, self.names.get(key, "Amazon Customer"),
                                                    len(self.by_user[key])), "profile")
        if kind == "timeline":
            key, size = key.split("|")
            reviews = self.by_user.get(key)
            if reviews is None:
                return Page(404, _JSON, b'{"error": "profile not found"}', "timeline")
            if number > len(reviews):
                return Page(400, _JSON, b'{"error": "invalid nextPageToken"}', "timeline")
            return Page(200, _JSON, render.timeline_json(key, reviews, number, int(size)), "timeline")
        if kind == "cart":
            return _html(200, render.render_cart(), "cart")
        return self._missing()

    def _missing(self) -> Page:
        return _html(404, render.render_not_found(), "missing")

    def user_ids(self) -> list[str]:
        return sorted(self.by_user)


def _int(text: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0
