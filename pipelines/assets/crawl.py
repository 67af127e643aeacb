"""Crawl assets: the offline storefront's data, and the raw archive per category.

`raw_archive` runs the user-centric crawl (crawler.engine) for one category's reviewer pool;
the archive and its crawl state live under `<data_root>/raw` and are shared by all
partitions, so a product page reviewed from two categories is fetched once. A later
materialisation of the same partition is the incremental re-crawl (new timeline entries,
stale product pages, earlier failures); the daily schedule asks for it. Where it crawls, and
with which politeness, is the `crawl_target` resource (pipelines/crawl_target.py); the figures
in its metadata and its failure-rate check are this run's, not the archive's.
"""
# No `from __future__ import annotations`: Dagster reads the Config annotations at run time.

import json
import os
import shutil
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from crawler.engine import Engine
from crawler.frontier import completed_jobs
from parsing.categories import CATEGORIES, safe_category
from pipelines import metadata as md
from pipelines.crawl_target import CrawlTarget, crawl_target_from_env
from pipelines.partitions import category_check, category_partitions
from pipelines.progress import run_with_progress
from pipelines.resources import DataRoot
from sandbox.output import generate
from warehouse import layout


class SandboxConfig(dg.Config):
    profile: str = "tiny"  # "tiny" (tests) or "default" (≈5 categories, 3,000 items, 5,000 users)
    seed: int = 0
    until: str = ""  # YYYY-MM-DD: the marketplace as it stood that day (UTC); a later day grows it; empty: all


def until_ms(day: str) -> int | None:
    if not day:
        return None
    try:
        when = datetime.fromisoformat(day)
    except ValueError as error:
        raise dg.Failure(f"sandbox `until` must be a date YYYY-MM-DD, got {day!r}", allow_retries=False) from error
    return int(when.replace(tzinfo=when.tzinfo or timezone.utc).timestamp() * 1000)


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
    target = layout.sandbox(data_root.root)
    until = until_ms(config.until)
    on_disk = target / "site" / "manifest.json"
    if (target / "truth").is_dir() and on_disk.is_file() and json.loads(on_disk.read_text()).get("until_ms") == until:
        context.log.info(f"sandbox already at {target}; kept")
        generated = False
    else:
        tmp = target.with_name(f".sandbox.{os.getpid()}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        generate(tmp, config.profile, config.seed, until_ms=until)
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
        "until": config.until or "all",
        "truth_reviews": reviews,
        "truth_items": items,
        "categories": dg.MetadataValue.json(sorted(p.stem for p in review_files)),
    })


FAILURE_PREFIX = "failure/reason_count/"  # the engine's per-run failure counters
MAX_FAILURE_RATE = 0.05


def run_failures(stats: dict) -> dict[str, int]:
    """This run's failed requests by reason (the summary's `failures` is archive-wide)."""
    return {k[len(FAILURE_PREFIX):]: v for k, v in stats.items() if k.startswith(FAILURE_PREFIX)}


def crawl_status(stats) -> Callable[[], str]:
    """Requests, pages stored, failures and reviews seen so far in this crawl run (a progress line)."""
    def status() -> str:
        values = stats.as_dict()
        return (f"{values.get('downloader/request_count', 0)} requests, {values.get('response/ok', 0)} pages stored, "
                f"{sum(run_failures(values).values())} failed, {values.get('item_scraped_count/reviews', 0)} reviews seen")
    return status


def _metadata(summary: dict, target: str, raw_dir: Path) -> dict:
    stats = summary["stats"]
    failures = run_failures(stats)
    return {
        "target": target,
        "run_id": summary["run_id"],
        "finished": summary["finished"],
        "elapsed_s": summary["elapsed_s"],
        "requests": stats.get("downloader/request_count", 0),
        "responses_ok": stats.get("response/ok", 0),
        "failed": sum(failures.values()),
        "bytes": stats.get("downloader/response_bytes", 0),
        "retries": stats.get("retry/count", 0),
        "robots_forbidden": stats.get("robotstxt/forbidden", 0),
        "duplicates_filtered": stats.get("dupefilter/filtered", 0),
        "reviews_seen": stats.get("item_scraped_count/reviews", 0),
        "product_pages": stats.get("item_scraped_count/products", 0),
        "failures": dg.MetadataValue.md(md.table(["reason", "requests"], failures.items()) if failures
                                        else "no failures in this run"),
        "stats": dg.MetadataValue.json(stats),
        "archive_frontier": dg.MetadataValue.json(summary["frontier"]),  # archive-wide, for context
        "path": dg.MetadataValue.path(str(raw_dir)),
    }


@dg.asset(
    group_name="crawl",
    kinds={"python", "sqlite"},
    partitions_def=category_partitions,
    deps=[sandbox_site],
    pool="crawl",
    check_specs=[category_check("failure_rate", "raw_archive",
                                f"This run's failed requests (other than pages gone, 404) stay under "
                                f"{MAX_FAILURE_RATE:.0%} of its requests; failures are retried by the next run.")],
    description="Every response of the user-centric crawl of one category's reviewer pool, in the raw "
                "archive (`<data_root>/raw`: gzip bodies by sha256, JSONL manifest, SQLite frontier). "
                "Starts, resumes, or re-crawls incrementally. Where it crawls is the `crawl_target` "
                "resource (env BLAIR_CRAWL_TARGET); unset knobs are the crawler's polite defaults.",
)
def raw_archive(context: dg.AssetExecutionContext, crawl_target: CrawlTarget,
                data_root: DataRoot) -> dg.MaterializeResult:
    category = safe_category(context.partition_key)
    root = data_root.root
    with crawl_target.storefront(root) as base_url:
        settings = crawl_target.settings(base_url, category)
        context.log.info(f"{category}: crawling {crawl_target.describe()} as {settings.user_agent!r}, "
                         f"{settings.per_host_concurrency} per host, delay ≥ {settings.min_delay_s} s, "
                         f"robots.txt {'obeyed' if settings.obey_robots else 'ignored'}")
        engine = Engine(settings, root)
        summary = run_with_progress(engine.run, context.log, f"{category} crawl", crawl_status(engine.stats))
    failures = run_failures(summary["stats"])
    context.log.info(f"{category}: {summary['stats'].get('response/ok', 0)} pages stored, "
                     f"{sum(failures.values())} failed in this run: {failures}")
    return dg.MaterializeResult(metadata=_metadata(summary, crawl_target.describe(), engine.raw),
                                check_results=[_failure_rate_check(summary)])


def _failure_rate_check(summary: dict) -> dg.AssetCheckResult:
    stats = summary["stats"]
    failures = run_failures(stats)
    failed = sum(n for reason, n in failures.items() if reason != "http_404")
    total = stats.get("response/ok", 0) + sum(failures.values())
    rate = failed / total if total else 0.0
    return dg.AssetCheckResult(
        check_name="failure_rate", passed=rate < MAX_FAILURE_RATE, severity=dg.AssetCheckSeverity.WARN,
        metadata={"failed": failed, "requests": total, "rate": round(rate, 4),
                  "failures": dg.MetadataValue.json(failures)},
    )


recrawl_job = dg.define_asset_job("raw_archive_recrawl", selection=[raw_archive])


def crawled_categories(root: Path) -> list[str]:
    """Categories whose crawl has finished at least once (the crawler reads its frontier, read-only)."""
    return sorted(c for c in completed_jobs(root) if c in category_partitions.get_partition_keys())


@dg.schedule(job=recrawl_job, cron_schedule="0 3 * * *", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Daily incremental re-crawl of every category crawled before, at the crawl_target "
                         "the environment names (BLAIR_CRAWL_TARGET, BLAIR_CRAWL_BASE_URL, ...).")
def daily_recrawl(context: dg.ScheduleEvaluationContext, data_root: DataRoot):
    categories = crawled_categories(data_root.root)
    if not categories:
        return dg.SkipReason("no category has been crawled yet")
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return [dg.RunRequest(run_key=f"recrawl-{c}-{day}", partition_key=c) for c in categories]


assets = [sandbox_site, raw_archive]
jobs = [recrawl_job]
schedules = [daily_recrawl]
resources = {"crawl_target": crawl_target_from_env()}
