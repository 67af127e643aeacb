"""Crawl assets: the offline storefront's data, and the raw archive per category.

`raw_archive` runs the user-centric crawl (crawler.engine) for one category's reviewer pool;
the archive and its crawl state live under `<data_root>/raw` and are shared by all
partitions, so a product page reviewed from two categories is fetched once. A later
materialisation of the same partition is the incremental re-crawl (new timeline entries,
stale product pages, earlier failures); the daily schedule asks for it.
"""
# No `from __future__ import annotations`: Dagster reads the Config annotations at run time.

import os
import shutil
import sqlite3
from pathlib import Path

import dagster as dg

from crawler.engine import Engine
from crawler.sandbox.output import generate
from crawler.settings import SANDBOX_PORT, CrawlSettings
from parsing.categories import CATEGORIES, safe_category
from pipelines.partitions import category_partitions
from pipelines.resources import DataRoot


class SandboxConfig(dg.Config):
    profile: str = "tiny"  # "tiny" (tests) or "default" (≈5 categories, 3,000 items, 5,000 users)
    seed: int = 0


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for _ in fh)


@dg.asset(
    group_name="crawl",
    kinds={"python", "json"},
    description="The synthetic marketplace the offline crawl runs against, with its ground truth "
                "(`<data_root>/sandbox/{site,truth}`). Generated once per data root; kept when present.",
)
def sandbox_site(context: dg.AssetExecutionContext, config: SandboxConfig, data_root: DataRoot) -> dg.MaterializeResult:
    target = data_root.root / "sandbox"
    if (target / "truth").is_dir() and (target / "site").is_dir():
        context.log.info(f"sandbox already at {target}; kept")
        generated = False
    else:
        tmp = target.with_name(f".sandbox.{os.getpid()}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        generate(tmp, config.profile, config.seed)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)  # a half-generated sandbox never looks whole
        generated = True
    truth = target / "truth"
    review_files = [p for p in truth.glob("*.jsonl") if p.stem in CATEGORIES]
    reviews = sum(_count_lines(p) for p in review_files)
    items = sum(_count_lines(p) for p in truth.glob("meta_*.jsonl"))
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(target)),
        "generated_now": generated,
        "profile": config.profile,
        "seed": config.seed,
        "truth_reviews": reviews,
        "truth_items": items,
        "categories": dg.MetadataValue.json(sorted(p.stem for p in review_files)),
    })


class CrawlConfig(dg.Config):
    target: str = "sandbox"  # "sandbox": serve <data_root>/sandbox on 127.0.0.1; "site": crawl base_url
    base_url: str = ""
    sandbox_port: int = SANDBOX_PORT
    sandbox_crawl_delay: float = 0.05  # the Crawl-delay the sandbox writes in its robots.txt
    users: int = 50
    seed: int = 0
    seed_products: int = 50
    concurrency: int = 4
    per_host_concurrency: int = 2
    min_delay_s: float = 0.05  # the sandbox's robots.txt Crawl-delay still applies when larger
    product_refresh_age_days: float = 30.0


def crawl_settings(config: CrawlConfig, category: str, base_url: str) -> CrawlSettings:
    return CrawlSettings(
        base_url=base_url, categories=(category,), users=config.users, seed=config.seed,
        seed_products=config.seed_products, concurrency=config.concurrency,
        per_host_concurrency=config.per_host_concurrency, min_delay_s=config.min_delay_s,
        product_refresh_age_s=config.product_refresh_age_days * 86400, progress=False,
    )


def _metadata(summary: dict) -> dict:
    stats = summary["stats"]
    failures = summary["failures"]
    table = "\n".join(["| reason | requests |", "|---|---|"] + [f"| {k} | {v} |" for k, v in failures.items()])
    return {
        "run_id": summary["run_id"],
        "finished": summary["finished"],
        "elapsed_s": summary["elapsed_s"],
        "requests": stats.get("downloader/request_count", 0),
        "responses_ok": stats.get("response/ok", 0),
        "bytes": stats.get("downloader/response_bytes", 0),
        "retries": stats.get("retry/count", 0),
        "robots_forbidden": stats.get("robotstxt/forbidden", 0),
        "duplicates_filtered": stats.get("dupefilter/filtered", 0),
        "reviews_seen": stats.get("item_scraped_count/reviews", 0),
        "product_pages": stats.get("item_scraped_count/products", 0),
        "frontier": dg.MetadataValue.json(summary["frontier"]),
        "failures": dg.MetadataValue.md(table if failures else "no failures"),
        "stats": dg.MetadataValue.json(stats),
    }


@dg.asset(
    group_name="crawl",
    kinds={"python", "sqlite"},
    partitions_def=category_partitions,
    deps=[sandbox_site],
    pool="crawl",
    check_specs=[dg.AssetCheckSpec("failure_rate", asset="raw_archive",
                                   description="Failed requests (other than pages gone, 404) stay under 5% "
                                               "of the archive; failures are retried by the next run.")],
    description="Every response of the user-centric crawl of one category's reviewer pool, in the raw "
                "archive (`<data_root>/raw`: gzip bodies by sha256, JSONL manifest, SQLite frontier). "
                "Starts, resumes, or re-crawls incrementally.",
)
def raw_archive(context: dg.AssetExecutionContext, config: CrawlConfig, data_root: DataRoot) -> dg.MaterializeResult:
    category = safe_category(context.partition_key)
    root = data_root.root
    if config.target == "sandbox":
        from crawler.sandbox.server import SandboxServer

        with SandboxServer(root / "sandbox", port=config.sandbox_port, crawl_delay=config.sandbox_crawl_delay) as server:
            summary = Engine(crawl_settings(config, category, server.base_url), root).run()
    elif config.target == "site" and config.base_url:
        summary = Engine(crawl_settings(config, category, config.base_url), root).run()
    else:
        raise dg.Failure(f"target must be 'sandbox' or 'site' with a base_url, got {config.target!r}")
    context.log.info(f"{category}: {summary['stats'].get('response/ok', 0)} pages stored, "
                     f"{sum(summary['failures'].values())} failed: {summary['failures']}")
    return dg.MaterializeResult(metadata=_metadata(summary), check_results=[_failure_rate_check(summary)])


def _failure_rate_check(summary: dict) -> dg.AssetCheckResult:
    total = sum(summary["frontier"].values()) or 1
    failed = sum(n for reason, n in summary["failures"].items() if reason != "http_404")
    rate = failed / total
    return dg.AssetCheckResult(
        check_name="failure_rate", passed=rate < 0.05, severity=dg.AssetCheckSeverity.WARN,
        metadata={"failed": failed, "requests": total, "rate": round(rate, 4),
                  "failures": dg.MetadataValue.json(summary["failures"])},
    )


recrawl_job = dg.define_asset_job("raw_archive_recrawl", selection=[raw_archive])


def crawled_categories(root: Path) -> list[str]:
    """Categories whose crawl has finished at least once (read from the frontier, read-only)."""
    db = root / "raw" / "crawl.sqlite"
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        keys = [k for (k,) in conn.execute("SELECT k FROM kv WHERE k LIKE 'completed_at:%'")]
    cats = [k.split(":", 1)[1] for k in keys]
    return sorted(c for c in cats if c in category_partitions.get_partition_keys())


@dg.schedule(job=recrawl_job, cron_schedule="0 3 * * *", execution_timezone="UTC",
             description="Daily incremental re-crawl of every category crawled before.")
def daily_recrawl(context: dg.ScheduleEvaluationContext, data_root: DataRoot):
    categories = crawled_categories(data_root.root)
    if not categories:
        return dg.SkipReason("no category has been crawled yet")
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return [dg.RunRequest(run_key=f"recrawl-{c}-{day}", partition_key=c) for c in categories]


assets = [sandbox_site, raw_archive]
jobs = [recrawl_job]
schedules = [daily_recrawl]
