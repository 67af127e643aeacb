"""Import release files (2023 JSONL, 2018/2014 JSON lines, .gz or not) into bronze Parquet.

Each source file becomes `bronze/<reviews|meta>/category=<Cat>/part-import-<name>.parquet`, rows
in line order (the input order the dedup tie-break uses). Lines that are not JSON, cannot be
mapped or break the schema go to `bronze/quarantine/part-import-<name>.parquet` with a reason.
"""
from __future__ import annotations

import gzip
import json
import logging
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from parsing.atomic import atomic_path
from parsing.categories import CATEGORIES, safe_category
from parsing.quarantine import Quarantine
from parsing.schemas import SCHEMAS, to_table, validate_records
from warehouse import layout
from warehouse.releases import map_meta, map_review

log = logging.getLogger(__name__)

BATCH = 50_000
_BY_LOWER = {c.lower(): c for c in CATEGORIES}


@dataclass
class ImportReport:
    """What one file gave: rows kept, and quarantined lines counted by reason."""

    source: str
    kind: str
    category: str
    rows: int = 0
    quarantined: Counter = field(default_factory=Counter)

    def __str__(self) -> str:
        bad = sum(self.quarantined.values())
        reasons = ", ".join(f"{n} {r}" for r, n in self.quarantined.most_common())
        return f"{self.source}: {self.rows} {self.kind} rows, {bad} quarantined" + (f" ({reasons})" if bad else "")


def category_from_filename(path: str | Path) -> str:
    """`All_Beauty.jsonl.gz`, `meta_All_Beauty.jsonl`, `All_Beauty_5.json.gz`,
    `reviews_Musical_Instruments_5.json` → the category; refuses names that are not safe."""
    stem = Path(path).name.split(".", 1)[0]
    stem = re.sub(r"^(meta|reviews)_", "", stem)
    stem = re.sub(r"_5$", "", stem)
    return _BY_LOWER.get(stem.lower()) or safe_category(stem)


def kind_from_filename(path: str | Path) -> str:
    return "meta" if Path(path).name.startswith("meta_") else "review"


def _open(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.name.endswith(".gz") else open(path, encoding="utf-8")


def _lines(handle, path: Path):
    """(line number, line); a truncated or damaged gzip or undecodable bytes become one clear error."""
    try:
        yield from enumerate(handle, start=1)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise ValueError(f"{path}: truncated or damaged gzip ({error})") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None


def _part_name(path: Path) -> str:
    # The source file name, made safe for a file name; keeps the import idempotent per source.
    return "part-import-" + re.sub(r"[^A-Za-z0-9_.-]", "_", path.name) + ".parquet"


def _reason(violations) -> str:
    return "; ".join(f"{v.field}: {v.reason}" for v in violations[:3])


def check_readable(path: Path) -> None:
    """A release file that exists, is a file and is not empty (else FileNotFoundError/ValueError)."""
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}" if not path.exists() else f"not a file: {path}")
    if path.stat().st_size == 0:
        raise ValueError(f"{path}: the file is empty")


def import_file(root: str | Path, path: str | Path, kind: str | None = None,
                category: str | None = None) -> ImportReport:
    """Import one release file into bronze; returns counts. A bad line is quarantined; a file that
    cannot be read (missing, empty, truncated gzip) or of which no line is a record raises
    ValueError/OSError and leaves bronze as it was."""
    path = Path(path)
    check_readable(path)
    kind = kind or kind_from_filename(path)
    category = safe_category(category) if category is not None else category_from_filename(path)
    mapper = map_meta if kind == "meta" else map_review
    report = ImportReport(str(path), kind, category)
    table_dir = layout.bronze(root, "meta" if kind == "meta" else "reviews")
    target = layout.partition(table_dir, category) / _part_name(path)
    quarantine = Quarantine()

    def flush(writer, lines: list[tuple[int, dict]]):
        records = [rec for _, rec in lines]
        bad: dict[int, list] = {}
        for v in validate_records(records, kind):
            bad.setdefault(v.record, []).append(v)
        good = [rec for i, rec in enumerate(records) if i not in bad]
        for i, violations in bad.items():
            reason = _reason(violations)
            report.quarantined["schema"] += 1
            quarantine.add_line(path, lines[i][0], kind, f"schema: {reason}", json.dumps(records[i]))
        if good:
            writer.write_table(to_table(good, kind))
            report.rows += len(good)

    with atomic_path(target) as tmp, _open(path) as handle:
        writer = pq.ParquetWriter(tmp, SCHEMAS[kind], compression="zstd")
        try:
            batch: list[tuple[int, dict]] = []
            for number, line in _lines(handle, path):
                if not line.strip():
                    continue
                try:
                    raw = json.loads(line)
                    if not isinstance(raw, dict):
                        raise ValueError(f"a JSON {type(raw).__name__}, not an object")
                    batch.append((number, mapper(raw)))
                except json.JSONDecodeError as exc:
                    report.quarantined["not json"] += 1
                    quarantine.add_line(path, number, kind, f"not json: {exc.msg}", line)
                except (ValueError, KeyError, TypeError, IndexError) as exc:
                    report.quarantined["unmappable"] += 1
                    quarantine.add_line(path, number, kind, f"unmappable: {type(exc).__name__}: {exc}", line)
                if len(batch) >= BATCH:
                    flush(writer, batch)
                    batch = []
            if batch:
                flush(writer, batch)
        finally:
            writer.close()
        if not report.rows:  # nothing usable: refuse before anything replaces the bronze file
            bad = sum(report.quarantined.values())
            if not bad:
                raise ValueError(f"{path}: no records in the file")
            reasons = ", ".join(f"{n} {r}" for r, n in report.quarantined.most_common())
            raise ValueError(f"{path}: none of its {bad} lines is a {kind} record ({reasons}; "
                             f"first: {quarantine.rows[0]['reason']})")
    quarantine_file = layout.bronze(root, "quarantine") / _part_name(path)
    if quarantine:
        with atomic_path(quarantine_file) as tmp:
            pq.write_table(quarantine.to_table(), tmp)
    elif quarantine_file.exists():
        quarantine_file.unlink()  # a clean re-import of the same source clears its old quarantine
    log.info("%s", report)
    return report


def import_files(root: str | Path, reviews: list[str | Path] = (), meta: list[str | Path] = (),
                 category: str | None = None) -> list[ImportReport]:
    """Import review and metadata files; the category comes from each file name unless given."""
    reports = [import_file(root, p, "review", category) for p in reviews]
    reports += [import_file(root, p, "meta", category) for p in meta]
    return reports
