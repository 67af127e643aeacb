"""Raw archive → bronze Parquet (CONTRACTS §3 → §4), plus the quarantine and a yield report.

    OUT/reviews/category=<Cat>/part-0.parquet     REVIEW_SCHEMA, from timeline JSON pages
    OUT/meta/category=<Cat>/part-0.parquet        META_SCHEMA, from product pages
    OUT/quarantine/part-0.parquet                 source, kind, reason, excerpt
    OUT/_yield.json                               pages seen, parsed, quarantined by reason

The yield is parsed / (pages with a body to parse): a page the crawl never got (a 404, a
fetch that ran out of retries) is quarantined with its reason but is no parse failure.

Rules: the last manifest line for a URL wins, except for timelines, where every successful
fetch is read (an incremental re-crawl refetches page one under the same URL); a review is identified by its contribution
`id`, so the same review seen on two timeline pages (or in a re-fetch) is kept once, from
the latest fetch, while a user's two reviews of one item are two ids and both stay. One
meta record per parent_asin: a variant page and the parent page render the same item; the
parent's own page wins, then the latest fetch, then the URL. A review's category is its
parent_asin's meta category, `Unknown` when that item has no parsed page. Rows are sorted,
so the same archive always gives the same bytes of data.

Hostile input: each page is parsed in a worker process under a time budget (`parsing.worker`,
`ParseSettings.page_time_budget_s`), so a page that would take minutes is quarantined ("time
budget") and the batch goes on; a manifest line with fields of the wrong type is quarantined
("bad manifest line") and not counted in the yield. A timeline review missing a field is
quarantined on its own ("truncated review", counted in `truncated_reviews`); the rest of its page
is kept.
"""
from __future__ import annotations

import contextlib
import json
import multiprocessing
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from parsing.atomic import write_parquet, write_text
from parsing.categories import file_name_form, safe_category
from parsing.errors import PageError
from parsing.links import timeline_page
from parsing.product import parse_product
from parsing.quarantine import Quarantine
from parsing.raw_archive import BodyError, entries_to_parse, read_body, resolve_raw_dir
from parsing.reviews import asin_from_url
from parsing.schemas import to_table, validate_records
from parsing.settings import DEFAULT_SETTINGS, ParseSettings
from parsing.worker import BudgetedWorker

PARSED_KINDS = ("product", "timeline")


@dataclass
class BatchResult:
    reviews: dict[str, list[dict]] = field(default_factory=dict)  # category → records
    meta: dict[str, list[dict]] = field(default_factory=dict)
    quarantine: Quarantine = field(default_factory=Quarantine)
    report: dict = field(default_factory=dict)


def _fetch_failed(entry: dict) -> str | None:
    """The reason a fetch gave no page: its final HTTP status, or the crawler's error."""
    status = entry.get("status")
    if status is not None and status != 200:
        return f"http {status}"
    if entry.get("error"):
        return "fetch error"
    return None


def parse_fetched(kind: str, body: bytes, url: str, content_type: str | None):
    """One fetched page → its TimelinePage (kind "timeline") or meta record (kind "product");
    raises PageError, with "schema violation" for records that break the schema."""
    if kind == "timeline":
        page = timeline_page(body)
        violations = validate_records(page.reviews, "review")
    else:
        page = parse_product(body, url=url, content_type=content_type)
        violations = validate_records([page], "meta")
    if violations:
        raise PageError("schema violation", str(violations[0]))
    return page


def parse_archive(raw_dir: str | Path, settings: ParseSettings = DEFAULT_SETTINGS) -> BatchResult:
    """Parse every product and timeline page of an archive; nothing here writes files.

    Each page is parsed in a worker process under `settings.page_time_budget_s` (None: in this
    process, with only the depth pre-scan as a guard)."""
    budget = settings.page_time_budget_s
    if multiprocessing.current_process().daemon:  # a daemon process may not start one: parse here
        budget = None
    with contextlib.ExitStack() as stack:
        if budget is None:
            parse = parse_fetched
        else:
            parse = stack.enter_context(BudgetedWorker(parse_fetched, budget)).call
        return _parse_entries(resolve_raw_dir(raw_dir), parse)


def _parse_entries(raw: Path, parse) -> BatchResult:
    quarantine = Quarantine()
    seen = Counter()
    parsed = Counter()
    reviews_by_id: dict[str, tuple[tuple, dict]] = {}  # contribution id → (recency key, record)
    meta_by_parent: dict[str, tuple[tuple, dict]] = {}
    fetch_failed = 0  # pages the crawl never got (404, retries spent): quarantined, not in the yield
    rejected: list = []  # manifest lines with fields of the wrong type
    truncated_reviews = 0  # records quarantined from pages that were parsed
    entries = entries_to_parse(raw, rejected=rejected)
    for number, problem, line in rejected:
        quarantine.add(f"manifest line {number}", "manifest", "bad manifest line", line, problem)
    for entry in entries:
        kind = entry.get("kind") or "unknown"
        seen[kind] += 1
        if kind not in PARSED_KINDS:
            continue
        url = entry["url"]
        failed = _fetch_failed(entry)
        if failed:
            quarantine.add(url, kind, failed, None, str(entry.get("error") or f"status {entry.get('status')}"))
            fetch_failed += 1
            continue
        try:
            body = read_body(raw, entry)
        except BodyError as error:
            quarantine.add(url, kind, error.reason, None, str(error))
            continue
        recency = (entry.get("fetched_at") or "", url)
        try:
            page = parse(kind, body, entry.get("final_url") or url, entry.get("content_type"))
        except PageError as error:
            quarantine.add(url, kind, error.reason, body, error.detail)
            continue
        except Exception as error:  # a parser bug must not sink the batch; it is quarantined and counted
            quarantine.add(url, kind, "parser error", body, f"{type(error).__name__}: {error}")
            continue
        if kind == "timeline":
            for review_id in page.truncated_ids:  # the page's whole reviews are kept; these are not
                quarantine.add(f"{url}#{review_id}", kind, "truncated review", None, "a review field is missing")
                truncated_reviews += 1
            for index, (review_id, review) in enumerate(zip(page.review_ids, page.reviews)):
                key = review_id or f"{url}#{index}"
                previous = reviews_by_id.get(key)
                if previous is None or recency >= previous[0]:
                    reviews_by_id[key] = (recency, review)
        else:
            record = page
            parent = record["parent_asin"] or asin_from_url(url) or url
            own_page = asin_from_url(entry.get("final_url") or url) == parent
            rank = (own_page, recency)
            previous = meta_by_parent.get(parent)
            if previous is None or rank >= previous[0]:
                meta_by_parent[parent] = (rank, record)
        parsed[kind] += 1

    result = BatchResult(quarantine=quarantine)
    category_of: dict[str, str] = {}
    for parent in sorted(meta_by_parent):
        record = meta_by_parent[parent][1]
        category = safe_category(file_name_form(record.get("main_category")))
        category_of[parent] = category
        result.meta.setdefault(category, []).append(record)
    for review_id in sorted(reviews_by_id, key=lambda k: _review_sort_key(reviews_by_id[k][1], k)):
        review = reviews_by_id[review_id][1]
        category = category_of.get(review["parent_asin"], "Unknown")
        result.reviews.setdefault(category, []).append(review)

    attempted = sum(parsed.values()) + len(quarantine) - fetch_failed - len(rejected) - truncated_reviews
    result.report = {
        "pages_seen": sum(seen.values()),
        "pages_by_kind": dict(sorted(seen.items())),
        "parsed": sum(parsed.values()),
        "parsed_by_kind": dict(sorted(parsed.items())),
        "quarantined": len(quarantine),
        "quarantined_by_reason": quarantine.counts(),
        "fetch_failed": fetch_failed,
        "bad_manifest_lines": len(rejected),
        "truncated_reviews": truncated_reviews,
        "yield": round(sum(parsed.values()) / attempted, 6) if attempted else 1.0,
        "reviews": sum(len(v) for v in result.reviews.values()),
        "meta": sum(len(v) for v in result.meta.values()),
        "categories": {
            cat: {"reviews": len(result.reviews.get(cat, [])), "meta": len(result.meta.get(cat, []))}
            for cat in sorted(set(result.reviews) | set(result.meta))
        },
    }
    return result


def _review_sort_key(review: dict, review_id: str) -> tuple:
    # a user's reviews in time order, the review id breaking ties: the order the dedup of the
    # lake reads as "input order" (DESIGN §4)
    return (review["user_id"], review["timestamp"], review_id)


def write_bronze(result: BatchResult, out_dir: str | Path) -> dict:
    """Write every category's files, the quarantine and `_yield.json`; drop stale categories."""
    out = Path(out_dir)
    for table_name, by_category, kind in (("reviews", result.reviews, "review"), ("meta", result.meta, "meta")):
        written = set()
        for category, records in sorted(by_category.items()):
            folder = out / table_name / f"category={safe_category(category)}"
            write_parquet(to_table(records, kind), folder / "part-0.parquet")
            written.add(folder.name)
        # A category with no rows this time must not keep last run's file.
        for stale in sorted((out / table_name).glob("category=*")) if (out / table_name).is_dir() else []:
            if stale.name not in written:
                shutil.rmtree(stale)
    write_parquet(result.quarantine.to_table(), out / "quarantine" / "part-0.parquet")
    write_text(json.dumps(result.report, indent=2, sort_keys=True) + "\n", out / "_yield.json")
    return result.report


def run_batch(raw_dir: str | Path, out_dir: str | Path) -> dict:
    """`python -m parsing batch RAW_DIR OUT_DIR`: parse the archive, write bronze, return the report."""
    return write_bronze(parse_archive(raw_dir), out_dir)


def summary_line(report: dict) -> str:
    reasons = ", ".join(f"{n} {reason}" for reason, n in report["quarantined_by_reason"].items())
    return (f"{report['pages_seen']} pages, {report['parsed']} parsed, {report['quarantined']} quarantined"
            + (f": {reasons}" if reasons else "") + f"; yield {report['yield']:.3f};"
            f" {report['reviews']} reviews, {report['meta']} items")

