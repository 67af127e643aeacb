"""One full lake build for some categories: (import) → silver → gold → task inputs → stats → catalog."""
from __future__ import annotations

import logging
from pathlib import Path

from warehouse import catalog, jobs, layout
from warehouse.diff import record_snapshot
from warehouse.ingest import import_files
from warehouse.publish import claim_staging, new_build_id
from warehouse.settings import LakeSettings
from warehouse.stats import compute_stats
from warehouse.task_inputs import build_task_inputs

log = logging.getLogger(__name__)


def bronze_categories(bronze_root: Path) -> list[str]:
    return sorted(set(layout.categories_in(bronze_root / "reviews")) | set(layout.categories_in(bronze_root / "meta")))


def build(root: str | Path, spark, categories: list[str] | None = None, bronze: str | Path | None = None,
          reviews: list[str | Path] = (), meta: list[str | Path] = (),
          settings: LakeSettings = LakeSettings()) -> dict:
    """Build the lake under `root`. `bronze` is a bronze folder (the parser's output, default
    `<root>/bronze`); `reviews`/`meta` are release files imported into `<root>/bronze` first."""
    root = Path(root)
    report: dict = {}
    if reviews or meta:
        report["imported"] = [str(r) for r in import_files(root, reviews, meta)]
    bronze_root = Path(bronze) if bronze else root / "bronze"
    categories = categories or bronze_categories(bronze_root)
    build_id = new_build_id()
    report["categories"] = categories
    with claim_staging(root, build_id):  # also clears what killed builds left in <root>/.staging
        report["silver_reviews"] = jobs.silver_reviews(spark, root, categories, settings, bronze_root / "reviews",
                                                       build_id)
        report["silver_meta"] = jobs.silver_meta(spark, root, categories, settings, bronze_root / "meta", build_id)
        report["gold"] = jobs.gold_benchmark(spark, root, categories, settings, build_id)
    report["tasks"] = {c: build_task_inputs(root, c, settings) for c in categories}
    compute_stats(spark, root, settings)
    catalog.refresh(root)
    record_snapshot(root, build_id)  # what `warehouse diff` compares, once this build's data is replaced
    report["build_id"] = build_id
    log.info("build %s: %s", build_id, report)
    return report
