"""One lake built once for the warehouse tests: 2018/2014 fixtures, the official 2023 sample rows,
the sandbox ground truth and a synthetic release with every hard case."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lake_data import write_synthetic


def sandbox_truth(out: Path) -> Path | None:
    """The sandbox ground truth (sandbox), or None when that generator is not available."""
    run = subprocess.run([sys.executable, "-m", "sandbox", "generate", "--profile", "tiny", "--seed", "1",
                          "--out", str(out)], capture_output=True, text=True, timeout=120)
    truth = out / "truth"
    return truth if run.returncode == 0 and truth.is_dir() else None


@pytest.fixture(scope="session")
def lake_sources(tmp_path_factory, shared_fixtures) -> dict[str, dict[str, list[Path]]]:
    """category → {"reviews": files, "meta": files}, as the reference reads them."""
    src = tmp_path_factory.mktemp("sources")
    f2018, f2023 = shared_fixtures / "amazon2018_reviews_meta", shared_fixtures / "amazon-reviews-2023.github.io"
    sources = {
        "All_Beauty": {"reviews": [f2018 / "All_Beauty_5.json.gz", f2023 / "All_Beauty.review_sample.jsonl"],
                       "meta": [f2023 / "meta_All_Beauty.meta_sample.jsonl"]},
        "Gift_Cards": {"reviews": [f2018 / "Gift_Cards_5.json.gz"], "meta": [f2018 / "meta_Gift_Cards.json.gz"]},
        "Musical_Instruments": {"reviews": [shared_fixtures / "amazon2014_reviews_sample" /
                                            "reviews_Musical_Instruments_5.first50.json"], "meta": []},
        "Toys_and_Games": write_synthetic(src / "synthetic"),
    }
    truth = sandbox_truth(src / "sandbox")
    if truth is not None:
        for path in sorted(truth.glob("*.jsonl")):
            if path.name.startswith("meta_") or path.name == "search_queries.jsonl":
                continue
            category = "Sandbox_" + path.stem
            meta = truth / f"meta_{path.name}"
            sources[category] = {"reviews": [path], "meta": [meta] if meta.exists() else []}
    return sources


@pytest.fixture(scope="session")
def lake(tmp_path_factory, spark, lake_sources) -> Path:
    """The built lake root (one build for all warehouse tests)."""
    from warehouse.build import build
    from warehouse.ingest import import_file

    root = tmp_path_factory.mktemp("lake")
    for category, files in lake_sources.items():
        for kind in ("reviews", "meta"):
            for path in files[kind]:
                import_file(root, path, "meta" if kind == "meta" else "review", category)
    build(root, spark)
    return root
