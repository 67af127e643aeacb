"""Every crawler knob in one typed settings object. The defaults are the polite, safe ones.

A real site is a change of `base_url` and limits, nothing else. `unthrottled()` turns the
politeness limits off (benchmarks against the local sandbox only). Values are checked when
the object is made (ValueError with the field's name), so a bad one fails before any work.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from urllib.parse import urlsplit

from parsing.categories import safe_category


# A crawl that serves the sandbox itself listens here. Fixed, since stored URLs carry the port:
# a resumed or later crawl must see the same base URL.
SANDBOX_PORT = 8765


# The smallest allowed value of a numeric setting where it is not 0 (a count that must be positive).
_MINIMUM = {name: 1 for name in (
    "concurrency", "per_host_concurrency", "max_body_bytes", "users", "manifest_part_lines",
    "max_pages_per_host", "max_url_length", "max_queued", "page_size",
)} | {"read_timeout_s": 0.001, "connect_timeout_s": 0.001, "autothrottle_target_concurrency": 0.01}


@dataclass(frozen=True)
class CrawlSettings:
    # Where and who.
    base_url: str = "http://127.0.0.1:8000"
    allowed_hosts: tuple[str, ...] = ()  # empty: only the host of base_url
    user_agent: str = "blair-research-crawler/0.1 (+https://github.com/amazon-reviews-blair/crawler; crawler-contact@example.org)"
    obey_robots: bool = True
    robots_max_age_s: float = 24 * 3600  # a stored robots.txt younger than this is reused

    # Concurrency and delays (per host).
    concurrency: int = 8  # requests in flight over all hosts
    per_host_concurrency: int = 1
    min_delay_s: float = 1.0  # the effective interval is max(this, robots Crawl-delay)
    jitter: float = 0.25  # each interval is stretched by uniform(0, jitter) × interval, never shortened
    autothrottle: bool = True
    autothrottle_target_concurrency: float = 1.0
    autothrottle_max_delay_s: float = 60.0
    max_retry_after_s: float = 600.0  # a longer Retry-After is capped (and logged)

    # Retries.
    max_retries: int = 5  # per request
    retry_budget: int = 2000  # per run, over all requests
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0

    # One exchange.
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    max_body_bytes: int = 8 * 1024 * 1024
    max_redirects: int = 5

    # Limits: a hostile or endless site cannot exhaust the crawl. Links past a limit are dropped
    # where they are found and counted (`discovery/dropped/<why>` in the stats), never queued.
    max_pages_per_host: int = 1_000_000  # requests to one host in one run; the rest fail as `host_budget`
    max_pagination_depth: int = 1_000  # pages followed down one next-page chain (a page of 10 reviews each)
    max_url_length: int = 2_048  # characters
    max_queued: int = 1_000_000  # requests waiting at once

    # The user-centric procedure.
    users: int = 100  # size of the reviewer pool
    categories: tuple[str, ...] = ()  # empty: every category linked from the home page
    seed: int = 0  # picks seed products and reviewers (hash rank), so a pool is reproducible
    seed_products: int = 50  # per category, products whose review lists feed the pool; 0 = all
    page_size: int = 10  # timeline entries per page (the site's; used for estimates only)
    product_refresh_age_s: float = 30 * 24 * 3600  # a later run refetches older product pages

    # Output.
    progress: bool = True  # tqdm bar on stderr
    manifest_part_lines: int = 100_000

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be an http(s) URL with a host, got {self.base_url!r}")
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(f.default, bool) or f.name == "seed":
                continue
            if isinstance(f.default, (int, float)) and not (isinstance(value, (int, float)) and math.isfinite(value)
                                                           and value >= _MINIMUM.get(f.name, 0)):
                raise ValueError(f"{f.name} must be a finite number >= {_MINIMUM.get(f.name, 0)}, got {value!r}")
        for category in self.categories:
            try:
                safe_category(category)
            except ValueError as error:  # named by its field, as every check here is
                raise ValueError(f"categories {error}") from None

    @property
    def hosts(self) -> tuple[str, ...]:
        return self.allowed_hosts or (urlsplit(self.base_url).netloc.lower(),)

    def replace(self, **changes) -> "CrawlSettings":
        return dataclasses.replace(self, **changes)

    def unthrottled(self) -> "CrawlSettings":
        """No delays, no robots wait, high concurrency: for benchmarks on the local sandbox only."""
        return self.replace(
            min_delay_s=0.0, jitter=0.0, autothrottle=False,
            per_host_concurrency=max(self.concurrency, 1), obey_robots=False,
        )

