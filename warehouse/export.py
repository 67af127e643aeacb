"""Exports in the published file formats.

CSV (the official benchmark layout): `DIR/{k}core/rating_only/{Cat}.csv` and
`DIR/{k}core/{last_out,last_out_w_his,timestamp,timestamp_w_his}/{Cat}.{train,valid,test}.csv`,
header `user_id,parent_asin,rating,timestamp[,history]`, rating as Python prints a float
(`4.0`), timestamp in integer ms, rows in the official order. A category whose k-core is empty
gets no k-core files at all. JSONL: silver reviews and
metadata as `DIR/jsonl/{Cat}.jsonl` and `DIR/jsonl/meta_{Cat}.jsonl` in input order.
"""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from parsing.atomic import atomic_path
from parsing.categories import safe_category
from parsing.schemas import from_table
from warehouse import layout
from warehouse.lock import writer_lock
from warehouse.settings import LakeSettings
from warehouse.task_inputs import read_benchmark

HEADER = "user_id,parent_asin,rating,timestamp"


def csv_lines(frame, with_history: bool):
    """The official line format (f'{user},{item},{rating},{ts}[,{history}]')."""
    yield HEADER + (",history" if with_history else "") + "\n"
    if frame.empty:
        return
    columns = [frame["user_id"], frame["parent_asin"], frame["rating"], frame["timestamp"]]
    if with_history:
        columns.append(frame["history"])
    for row in zip(*columns):
        line = f"{row[0]},{row[1]},{float(row[2])!r},{int(row[3])}"
        yield line + (f",{row[4]}\n" if with_history else "\n")


def _write_lines(path: Path, lines) -> int:
    """Write lines atomically; return how many."""
    n = 0
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as handle:
        for line in lines:
            handle.write(line)
            n += 1
    return n


def export_csv(root: str | Path, out: str | Path, category: str, settings: LakeSettings = LakeSettings()) -> dict:
    category = safe_category(category)
    out = Path(out)
    rows = {}
    for k in settings.cores:
        rating_only = read_benchmark(root, k, "rating_only", category)
        if rating_only.empty:
            continue  # an empty k-core has no files (as the official release), not header-only ones
        target = out / f"{k}core" / "rating_only" / f"{category}.csv"
        rows[str(target.relative_to(out))] = _write_lines(target, csv_lines(rating_only, False)) - 1
        for variant in layout.VARIANTS[1:]:
            for split in layout.SPLITS:
                frame = read_benchmark(root, k, variant, category, split)
                target = out / f"{k}core" / variant / f"{category}.{split}.csv"
                rows[str(target.relative_to(out))] = _write_lines(target, csv_lines(frame, variant.endswith("_w_his"))) - 1
    return rows


def _silver_records(root: Path, kind: str, category: str) -> list[dict]:
    files = layout.parquet_files(layout.partition(layout.silver(root, "reviews" if kind == "review" else "meta"), category))
    if not files:
        return []
    table = pa.concat_tables([pq.read_table(p) for p in files])
    table = table.take(pc.sort_indices(table, [("seq", "ascending")]))
    return from_table(table, kind)


def export_jsonl(root: str | Path, out: str | Path, category: str) -> dict:
    category = safe_category(category)
    out, root = Path(out), Path(root)
    rows = {}
    for kind, name in (("review", f"{category}.jsonl"), ("meta", f"meta_{category}.jsonl")):
        records = _silver_records(root, kind, category)
        rows[f"jsonl/{name}"] = _write_lines(out / "jsonl" / name,
                                             (json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return rows


def export_all(root: str | Path, out: str | Path, categories: list[str] | None = None,
               settings: LakeSettings = LakeSettings()) -> dict:
    """Every category in silver (or the ones given): CSV benchmark files and JSONL. Holds the
    data root's writer lock, so the files all come from one lake version. Exporting nothing
    (no category in silver, or one asked for that is not there) is an error."""
    present = layout.categories_in(layout.silver(root, "reviews"))
    missing = sorted(set(categories or ()) - set(present))
    if missing:
        raise ValueError(f"nothing to export for {', '.join(missing)}: not in {layout.silver(root, 'reviews')}")
    categories = categories or present
    if not categories:
        raise ValueError(f"nothing to export: no category in {layout.silver(root, 'reviews')}")
    rows = {}
    with writer_lock(root, "warehouse export"):
        for category in categories:
            rows.update(export_csv(root, out, category, settings))
            rows.update(export_jsonl(root, out, category))
    return rows
