"""Parse assets: the raw archive → bronze Parquet per category (CONTRACTS §4).

One parse of the whole archive serves every category: a product page can only be filed
under a category after it is parsed (its `main_category`), and a review's category is its
item's. So the first partition run of a given archive parses it once and writes all
categories to `<data_root>/bronze`; later partition runs of the same archive (same manifest)
find its fingerprint in `_yield.json` and only read and report their own category. The
blocking check `parse_yield` stops the lake from building on a batch that parsed badly.
"""
# No `from __future__ import annotations`: Dagster reads the Config annotations at run time.

import hashlib
import json
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq

from parsing.batch import parse_archive, summary_line, write_bronze
from parsing.categories import safe_category
from parsing.raw_archive import resolve_raw_dir
from pipelines import metadata as md
from pipelines.automation import ON_NEW_DATA
from pipelines.partitions import category_check, category_partitions
from pipelines.progress import run_with_progress
from pipelines.resources import DataRoot
from warehouse import layout


class BronzeConfig(dg.Config):
    min_yield: float = 0.95  # the parse_yield check fails below this share of pages parsed
    force: bool = False  # parse again even when the archive has not changed since the last parse


def archive_fingerprint(raw: Path) -> str:
    """Changes whenever a manifest part is added or grows (the archive is append-only)."""
    digest = hashlib.sha1()
    for part in sorted((raw / "manifest").glob("part-*.jsonl")):
        stat = part.stat()
        digest.update(f"{part.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def ensure_bronze(raw: Path, bronze: Path, force: bool, log) -> dict:
    """Parse the archive into `bronze` unless the last parse was of this very archive."""
    fingerprint = archive_fingerprint(raw)
    report_path = bronze / "_yield.json"
    if not force and report_path.is_file():
        report = json.loads(report_path.read_text())
        if report.get("archive_fingerprint") == fingerprint:
            log.info(f"bronze is up to date with the archive ({fingerprint[:10]}); not parsed again")
            return report
    result = run_with_progress(lambda: parse_archive(raw), log, f"parsing the raw archive {raw}")
    result.report["archive_fingerprint"] = fingerprint
    report = write_bronze(result, bronze)
    log.info(summary_line(report))
    return report


def _read(path: Path):
    return pq.read_table(path) if path.is_file() else None


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "bronze_reviews", deps=["raw_archive"], group_name="parse", kinds={"python", "parquet"},
            automation_condition=ON_NEW_DATA,
            description="Reviews parsed from the archived timeline JSON pages, deduplicated by review id, "
                        "in the official schema: `<data_root>/bronze/reviews/category=<Cat>/`.",
        ),
        dg.AssetSpec(
            "bronze_meta", deps=["raw_archive"], group_name="parse", kinds={"python", "parquet"},
            automation_condition=ON_NEW_DATA,
            description="Item metadata parsed from the archived product pages, one record per parent_asin, "
                        "in the official schema: `<data_root>/bronze/meta/category=<Cat>/`.",
        ),
    ],
    check_specs=[
        category_check(
            "parse_yield", "bronze_meta", blocking=True,
            description="Share of product and timeline pages that parsed is at least `min_yield` "
                        "(run config, default 0.95); the rest are in the quarantine with a reason.",
        ),
    ],
    partitions_def=category_partitions,
    can_subset=False,
)
def bronze(context: dg.AssetExecutionContext, config: BronzeConfig, data_root: DataRoot):
    category = safe_category(context.partition_key)
    root = data_root.root
    try:
        raw = resolve_raw_dir(layout.raw(root))
    except FileNotFoundError as error:
        raise dg.Failure(f"no raw archive under {layout.raw(root)}: materialise raw_archive first") from error
    bronze_dir = layout.bronze(root)
    report = ensure_bronze(raw, bronze_dir, config.force, context.log)

    shared = {
        "batch_yield": float(report["yield"]),
        "batch_pages_seen": int(report["pages_seen"]),
        "batch_parsed": int(report["parsed"]),
        "batch_quarantined": int(report["quarantined"]),
        "batch_fetch_failed": int(report.get("fetch_failed", 0)),
        "quarantine_by_reason": dg.MetadataValue.json(report["quarantined_by_reason"]),
        "quarantine": dg.MetadataValue.md(md.reason_counts(report.get("quarantined_by_reason", {}), "pages")),
    }
    outputs = {table_name: layout.partition(layout.bronze(root, table_name), category) / "part-0.parquet"
               for table_name in ("reviews", "meta")}
    if not any(path.is_file() for path in outputs.values()):
        raise dg.Failure(f"the raw archive holds no page of category {category} ({summary_line(report)}): "
                         f"crawl it first (raw_archive), or pick a category the crawl covered",
                         allow_retries=False)
    for key, table_name, columns in (
        ("bronze_reviews", "reviews", ["user_id", "parent_asin", "rating", "timestamp", "title"]),
        ("bronze_meta", "meta", ["parent_asin", "title", "price", "average_rating", "store"]),
    ):
        path = outputs[table_name]
        table = _read(path)
        yield dg.MaterializeResult(asset_key=key, metadata={
            **md.output(path, table.num_rows if table is not None else 0, table.schema if table is not None else None),
            "preview": dg.MetadataValue.md(md.preview(table, columns, 80) if table is not None else "_no rows_"),
            **shared,
        })
    passed = report["yield"] >= config.min_yield
    yield dg.AssetCheckResult(
        check_name="parse_yield", asset_key="bronze_meta", passed=bool(passed),
        severity=dg.AssetCheckSeverity.ERROR,
        description=summary_line(report),
        metadata={"yield": float(report["yield"]), "min_yield": config.min_yield,
                  "quarantine_by_reason": dg.MetadataValue.json(report["quarantined_by_reason"])},
    )


assets = [bronze]
