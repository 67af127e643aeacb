"""Where the crawl goes: a `CrawlTarget` resource, a real site or the offline sandbox storefront.

Every crawl knob left unset (None) is the crawler library's default (`crawler.settings`): robots.txt,
Crawl-delay, one request at a time per host with a delay, an identifying User-Agent. So a `site`
crawl from the UI or a schedule is exactly as polite as `python -m crawler crawl`. Only the
sandbox storefront, which serves our own synthetic data on 127.0.0.1, has fast settings of its
own; a real site never inherits them.

The schedules use the target bound in the definitions, chosen from the environment:
BLAIR_CRAWL_TARGET (`sandbox`, the default, or `site`), BLAIR_CRAWL_BASE_URL (required for
`site`), BLAIR_CRAWL_USER_AGENT (an identifying agent with a contact URL), BLAIR_CRAWL_USERS
(reviewers per category) and BLAIR_CRAWL_MIN_DELAY_S.
"""
# No `from __future__ import annotations`: Dagster reads the field annotations at run time.

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from crawler.settings import SANDBOX_PORT, CrawlSettings

DAY_S = 86400
# Knobs a user may set; the names are CrawlSettings fields (product_refresh_age_days aside).
KNOBS = ("users", "seed", "seed_products", "user_agent", "concurrency", "per_host_concurrency", "min_delay_s")


class CrawlTarget(dg.ConfigurableResource):
    """The knobs a user set; None means the crawler library's (polite) default."""

    users: int | None = None  # reviewers per category
    seed: int | None = None
    seed_products: int | None = None
    user_agent: str | None = None  # identify yourself, with a contact URL
    concurrency: int | None = None
    per_host_concurrency: int | None = None
    min_delay_s: float | None = None  # the robots.txt Crawl-delay still applies when larger
    product_refresh_age_days: float | None = None

    def settings(self, base_url: str, category: str) -> CrawlSettings:
        overrides = {k: getattr(self, k) for k in KNOBS if getattr(self, k) is not None}
        if self.product_refresh_age_days is not None:
            overrides["product_refresh_age_s"] = self.product_refresh_age_days * DAY_S
        return CrawlSettings(base_url=base_url, categories=(category,), progress=False, **overrides)

    @contextmanager
    def storefront(self, data_root: Path) -> Iterator[str]:
        """Yields the base URL to crawl while the storefront is up."""
        raise NotImplementedError
        yield ""

    def describe(self) -> str:
        return type(self).__name__


class RealSite(CrawlTarget):
    """A real site at `base_url`, crawled with the library's polite defaults."""

    base_url: str

    @contextmanager
    def storefront(self, data_root: Path) -> Iterator[str]:
        yield self.base_url

    def describe(self) -> str:
        return f"site {self.base_url}"


class SandboxStorefront(CrawlTarget):
    """The offline storefront (`<data_root>/sandbox`), served on 127.0.0.1 during the crawl.

    Its own fast defaults: the sandbox is ours and local, so a short delay and two requests per
    host are fine here (and only here).
    """

    port: int = SANDBOX_PORT  # fixed: stored URLs carry the port, so a later crawl must see the same one
    crawl_delay_s: float = 0.05  # the Crawl-delay the sandbox writes in its robots.txt
    users: int | None = 50
    concurrency: int | None = 4
    per_host_concurrency: int | None = 2
    min_delay_s: float | None = 0.05

    @contextmanager
    def storefront(self, data_root: Path) -> Iterator[str]:
        from sandbox.server import SandboxServer
        from warehouse import layout

        with SandboxServer(layout.sandbox(data_root), port=self.port, crawl_delay=self.crawl_delay_s) as server:
            yield server.base_url

    def describe(self) -> str:
        return f"sandbox storefront on 127.0.0.1:{self.port}"


def crawl_target_from_env(env: Mapping[str, str] = os.environ) -> CrawlTarget:
    """The target the schedules crawl, from BLAIR_CRAWL_* (see the module docstring)."""
    kind = env.get("BLAIR_CRAWL_TARGET", "sandbox")
    knobs = {"user_agent": env.get("BLAIR_CRAWL_USER_AGENT") or None}
    if env.get("BLAIR_CRAWL_USERS"):
        knobs["users"] = int(env["BLAIR_CRAWL_USERS"])
    if env.get("BLAIR_CRAWL_MIN_DELAY_S"):
        knobs["min_delay_s"] = float(env["BLAIR_CRAWL_MIN_DELAY_S"])
    knobs = {k: v for k, v in knobs.items() if v is not None}
    if kind == "sandbox":
        return SandboxStorefront(**knobs)
    if kind == "site":
        if not env.get("BLAIR_CRAWL_BASE_URL"):
            raise ValueError("BLAIR_CRAWL_TARGET=site needs BLAIR_CRAWL_BASE_URL (e.g. https://www.example.com)")
        return RealSite(base_url=env["BLAIR_CRAWL_BASE_URL"], **knobs)
    raise ValueError(f"BLAIR_CRAWL_TARGET must be 'sandbox' or 'site', got {kind!r}")
