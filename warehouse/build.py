"""One full lake build for some categories: (import) → silver → gold → task inputs → stats → catalog.

The build holds the data root's writer lock (warehouse.lock), writes a new version aside and
publishes it with one pointer switch (warehouse.versions): readers see the previous version,
whole, until the switch, and a build killed at any point leaves it as it was.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

from warehouse import catalog, jobs, layout, versions
from warehouse.diff import record_snapshot
from warehouse.ingest import import_files
from warehouse.lock import writer_lock
from warehouse.publish import claim_staging, new_build_id, write_manifest
from warehouse.settings import KEEP_VERSIONS, LakeSettings, warehouse_storage
from warehouse.stats import compute_stats
from warehouse.task_inputs import build_task_inputs

log = logging.getLogger(__name__)


def bronze_categories(bronze_root: Path) -> list[str]:
    return sorted(set(layout.categories_in(bronze_root / "reviews")) | set(layout.categories_in(bronze_root / "meta")))


def _unused_build_id(root: Path) -> str:
    build_id = new_build_id()
    while (layout.lake(root) / build_id).exists():  # a second build of this process in the same second
        time.sleep(1)
        build_id = new_build_id()
    return build_id


def build(root: str | Path, spark, categories: list[str] | None = None, bronze: str | Path | None = None,
          reviews: list[str | Path] = (), meta: list[str | Path] = (),
          settings: LakeSettings = LakeSettings(), keep_versions: int = KEEP_VERSIONS) -> dict:
    """Build the lake under `root`. `bronze` is a bronze folder (the parser's output, default
    `<root>/bronze`); `reviews`/`meta` are release files imported into `<root>/bronze` first.
    `spark` is a session, or a function that makes one: called after the import, so a bad release
    file fails before Spark starts. Publishes the result as a new version; the last
    `keep_versions` versions are kept."""
    root = Path(root)
    report: dict = {}
    storage = warehouse_storage()  # a bad setting fails now, not after the build
    with writer_lock(root, "warehouse build"):
        if reviews or meta:
            imported = import_files(root, reviews, meta)
            report["imported"] = [str(r) for r in imported]
        if callable(spark):
            spark = spark()
        bronze_root = Path(bronze) if bronze else layout.bronze(root)
        categories = categories or bronze_categories(bronze_root)
        build_id = _unused_build_id(root)
        report["categories"] = categories
        version = versions.begin(root, build_id)
        log.info("build %s: started in %s", build_id, version)
        with claim_staging(version, build_id):
            report["silver_reviews"] = jobs.silver_reviews(spark, version, categories, settings,
                                                           bronze_root / "reviews", build_id)
            log.info("build %s: silver_reviews done", build_id)
            report["silver_meta"] = jobs.silver_meta(spark, version, categories, settings, bronze_root / "meta",
                                                     build_id)
            log.info("build %s: silver_meta done", build_id)
            report["gold"] = jobs.gold_benchmark(spark, version, categories, settings, build_id)
            log.info("build %s: gold_benchmark done", build_id)
        report["tasks"] = {c: build_task_inputs(version, c, settings) for c in categories}
        log.info("build %s: task_inputs done", build_id)
        compute_stats(spark, version, settings)
        log.info("build %s: stats done", build_id)
        report["build_id"] = build_id
        record_snapshot(version, build_id)  # what `warehouse diff` compares, once this version is pruned
        write_manifest(version, build_id, "build", categories, [], [layout.stats(version)], dataclasses.asdict(settings),
                       report)
        versions.publish(root, build_id, keep_versions)
        log.info("build %s: published", build_id)
        catalog.write(root, storage)  # under this build's writer lock
    log.info("build %s: %s", build_id, report)
    return report
