"""Where each table of the lake lives under one data root (DESIGN §3). The only place paths are built."""
from __future__ import annotations

from pathlib import Path

from parsing.categories import safe_category
from parsing.raw_archive import RAW_DIR

SPLITS = ("train", "valid", "test")
# Gold benchmark tables: the split variants and whether they carry a `history` column.
VARIANTS = ("rating_only", "last_out", "last_out_w_his", "timestamp", "timestamp_w_his")


# Silver and gold are versioned: each build is published whole as `lake/<build_id>/{silver,gold}`
# and `lake/current` (a relative symlink, replaced atomically) names the published one;
# `<root>/silver` and `<root>/gold` are relative symlinks through `lake/current`, so every path
# below resolves to the current version (warehouse.versions keeps them).
VERSIONED = ("silver", "gold")
WAREHOUSE_DB = "warehouse.duckdb"


def raw(root: str | Path) -> Path:
    """The crawl's raw archive (CONTRACTS §3), written by the crawler."""
    return Path(root) / RAW_DIR


def sandbox(root: str | Path) -> Path:
    """The offline storefront's marketplace (`site/`) and ground truth (`truth/`)."""
    return Path(root) / "sandbox"


def exports(root: str | Path) -> Path:
    """The official file formats (JSONL, CSV) for sharing."""
    return Path(root) / "exports"


def tasks(root: str | Path) -> Path:
    """Task inputs: `<task>/<dataset>/` (CONTRACTS §5)."""
    return Path(root) / "gold" / "tasks"


def embeddings(root: str | Path) -> Path:
    """Item vectors: `encoder=<name>/dataset=<ds>/` (CONTRACTS §6)."""
    return Path(root) / "embeddings"


def results(root: str | Path) -> Path:
    """Benchmark results: `<task>/<dataset>/<encoder>.json` (CONTRACTS §6)."""
    return Path(root) / "results"


def reports(root: str | Path) -> Path:
    """The leaderboard and its figures."""
    return Path(root) / "reports"


def synthesis(root: str | Path) -> Path:
    """Complex-query sets synthesised from the lake's reviews, one folder per dataset."""
    return Path(root) / "synthesis"


def warehouse_db(root: str | Path) -> Path:
    """The DuckDB catalog: views over the lake."""
    return Path(root) / WAREHOUSE_DB


def lake(root: str | Path) -> Path:
    """The folder of published versions (`<build_id>/`) and the `current` pointer."""
    return Path(root) / "lake"


def current(root: str | Path) -> Path:
    return lake(root) / "current"


def bronze(root: str | Path, kind: str | None = None) -> Path:
    """`kind` is "reviews", "meta" or "quarantine"; None: the bronze folder itself."""
    folder = Path(root) / "bronze"
    return folder / kind if kind else folder


def silver(root: str | Path, kind: str | None = None) -> Path:
    """`kind` is "reviews", "meta" or "quarantine"; None: the silver folder itself."""
    folder = Path(root) / "silver"
    return folder / kind if kind else folder


def benchmarks(root: str | Path) -> Path:
    """Gold benchmark tables: `<k>core/<variant>/`."""
    return Path(root) / "gold" / "benchmark"


def benchmark(root: str | Path, k: int, variant: str) -> Path:
    if variant not in VARIANTS:
        raise ValueError(f"unknown benchmark variant {variant!r}")
    return benchmarks(root) / f"{int(k)}core" / variant


def stats(root: str | Path) -> Path:
    return Path(root) / "gold" / "stats"


def data_root(root: str | Path) -> Path:
    """The data root of a lake version folder (`<data root>/lake/<build>`); any other root itself."""
    root = Path(root)
    return root.parent.parent if root.parent.name == lake(Path()).name else root


def manifests(root: str | Path) -> Path:
    """Per-build manifests, in the data root (also when `root` is a version folder being built)."""
    return data_root(root) / "manifests"


def staging(root: str | Path) -> Path:
    """Spark writes here first; finished partitions are then swapped into place."""
    return Path(root) / ".staging"


def partition(table: Path, category: str) -> Path:
    """The folder of one category inside a Hive-partitioned table."""
    return table / f"category={safe_category(category)}"


def categories_in(table: Path) -> list[str]:
    """Categories present in a Hive-partitioned table (only safe names count)."""
    found = []
    if table.is_dir():
        for child in sorted(table.iterdir()):
            if child.is_dir() and child.name.startswith("category="):
                try:
                    found.append(safe_category(child.name.split("=", 1)[1]))
                except ValueError:
                    continue
    return found


def parquet_files(folder: Path) -> list[Path]:
    """Data files of a table or partition, in name order (hidden and temp files excluded)."""
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*.parquet")
                  if not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts))
