"""Compare the benchmark files a build produces with the official release's sha256 and sizes.

The official manifest is a TSV `path, sha256, size_bytes` over the release's layout; its
benchmark files are `benchmark/{k}core/rating_only/{Cat}.csv` and
`benchmark/{k}core/{variant}/{Cat}.{split}.csv`. The build's files are the CSV exports
(warehouse.export) of every category in the lake, written to a scratch folder and hashed. Only
the official files of those categories are compared (a build of one category says nothing about
the other 33). The release's `raw/` files are not compared: they are a build's inputs, not its
outputs (silver is deduplicated; the raw files keep every line). Each file gets one status:
identical, different (sha256 or size), not produced (the release has it, the build does not),
not in release (the build has it, the release does not).
"""
from __future__ import annotations

import csv
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from warehouse import layout, versions
from warehouse.export import export_csv
from warehouse.publish import sha256_file
from warehouse.settings import LakeSettings

IDENTICAL, DIFFERENT, NOT_PRODUCED, NOT_IN_RELEASE = "identical", "different", "not produced", "not in release"
# The part of the official release a build reproduces: the CSV exports' layout, under this folder.
BENCHMARK = "benchmark/"
# The category of an official benchmark path.
_CATEGORY = re.compile(r"/([A-Za-z0-9_]+?)(?:\.(?:train|valid|test))?\.csv$")


@dataclass(frozen=True)
class FileCheck:
    path: str  # in the official layout
    status: str
    sha256: str | None = None
    size: int | None = None
    official_sha256: str | None = None
    official_size: int | None = None


def category_of(official: str) -> str | None:
    match = _CATEGORY.search(official)
    return match.group(1) if match else None


def read_official(tsv: str | Path) -> dict[str, tuple[str, int]]:
    """path → (sha256, size) from the official manifest; a malformed manifest is an error."""
    entries = {}
    with open(tsv, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        missing = {"path", "sha256", "size_bytes"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{tsv}: not an official manifest (missing columns {sorted(missing)})")
        for line, row in enumerate(reader, start=2):
            sha, size = (row["sha256"] or "").strip().lower(), (row["size_bytes"] or "").strip()
            if not re.fullmatch(r"[0-9a-f]{64}", sha) or not size.isdigit():
                raise ValueError(f"{tsv}:{line}: bad sha256 or size")
            entries[row["path"].strip()] = (sha, int(size))
    return entries


def produce(root: str | Path, out: Path, categories: list[str], settings: LakeSettings) -> dict[str, Path]:
    """Export every category's benchmark CSVs to `out`; official path → the produced file."""
    produced = {}
    for category in categories:
        for name in export_csv(root, out, category, settings):
            produced[BENCHMARK + name] = out / name
    return produced


def verify(root: str | Path, official_tsv: str | Path, categories: list[str] | None = None,
           settings: LakeSettings = LakeSettings()) -> list[FileCheck]:
    """One FileCheck per file the build or the release has, for the build's categories, by path."""
    official = read_official(official_tsv)
    lake = versions.current_dir(root) or Path(root)  # one version throughout, whatever a build publishes meanwhile
    categories = categories or layout.categories_in(layout.silver(lake, "reviews"))
    if not categories:
        raise ValueError(f"{root}: the lake holds no category to verify")
    with tempfile.TemporaryDirectory(prefix="verify-") as scratch:
        produced = produce(lake, Path(scratch), categories, settings)
        checks = []
        wanted = {p for p in official if p.startswith(BENCHMARK) and category_of(p) in categories} | set(produced)
        for path in sorted(wanted):
            sha, size = official.get(path, (None, None))
            if path not in produced:
                checks.append(FileCheck(path, NOT_PRODUCED, official_sha256=sha, official_size=size))
                continue
            got_sha, got_size = sha256_file(produced[path]), produced[path].stat().st_size
            status = NOT_IN_RELEASE if sha is None else IDENTICAL if (got_sha, got_size) == (sha, size) else DIFFERENT
            checks.append(FileCheck(path, status, got_sha, got_size, sha, size))
    return checks


def summary(checks: list[FileCheck]) -> dict[str, int]:
    counts = {s: 0 for s in (IDENTICAL, DIFFERENT, NOT_PRODUCED, NOT_IN_RELEASE)}
    for check in checks:
        counts[check.status] += 1
    return counts


def ok(checks: list[FileCheck]) -> bool:
    return bool(checks) and all(c.status == IDENTICAL for c in checks)


def as_dicts(checks: list[FileCheck]) -> list[dict]:
    return [asdict(c) for c in checks]
