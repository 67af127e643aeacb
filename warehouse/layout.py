"""Where each table of the lake lives under one data root (DESIGN §3). The only place paths are built."""
from __future__ import annotations

from pathlib import Path

from parsing.categories import safe_category

SPLITS = ("train", "valid", "test")
# Gold benchmark tables: the split variants and whether they carry a `history` column.
VARIANTS = ("rating_only", "last_out", "last_out_w_his", "timestamp", "timestamp_w_his")


# Silver and gold are versioned: each build is published whole as `lake/<build_id>/{silver,gold}`
# and `lake/current` (a relative symlink, replaced atomically) names the published one;
# `<root>/silver` and `<root>/gold` are relative symlinks through `lake/current`, so every path
# below resolves to the current version (warehouse.versions keeps them).
VERSIONED = ("silver", "gold")


def lake(root: str | Path) -> Path:
    """The folder of published versions (`<build_id>/`) and the `current` pointer."""
    return Path(root) / "lake"


def current(root: str | Path) -> Path:
    return lake(root) / "current"


def bronze(root: str | Path, kind: str) -> Path:
    """`kind` is "reviews", "meta" or "quarantine"."""
    return Path(root) / "bronze" / kind


def silver(root: str | Path, kind: str) -> Path:
    """`kind` is "reviews", "meta" or "quarantine"."""
    return Path(root) / "silver" / kind


def benchmark(root: str | Path, k: int, variant: str) -> Path:
    if variant not in VARIANTS:
        raise ValueError(f"unknown benchmark variant {variant!r}")
    return Path(root) / "gold" / "benchmark" / f"{int(k)}core" / variant


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
