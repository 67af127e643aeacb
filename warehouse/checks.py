"""Data checks of the lake, run with DuckDB straight on the Parquet (no Spark, no catalog needed).

Each returns (passed, metadata); the Dagster asset checks and the tests call them.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from parsing.schemas import META_SCHEMA, REVIEW_SCHEMA
from warehouse import layout
from warehouse.settings import LakeSettings


def _scan(folder: Path) -> str | None:
    files = layout.parquet_files(folder)
    if not files:
        return None
    return "read_parquet([" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in files) + "])"


def _one(sql: str):
    con = duckdb.connect()
    try:
        return con.execute(sql).fetchone()
    finally:
        con.close()


def silver_schema(root: str | Path, category: str, kind: str) -> tuple[bool, dict]:
    """The silver table has the official fields, in order, then the lake's own columns."""
    folder = layout.partition(layout.silver(root, "reviews" if kind == "review" else "meta"), category)
    files = layout.parquet_files(folder)
    if not files:
        return True, {"files": 0}
    import pyarrow.parquet as pq

    official = REVIEW_SCHEMA if kind == "review" else META_SCHEMA
    extra = ["flags", "seq", "user_seq"] if kind == "review" else ["seq"]
    bad = []
    for path in files:
        schema = pq.read_schema(path)
        if schema.names != official.names + extra:
            bad.append(f"{path.name}: columns {schema.names}")
            continue
        for f in official:
            if not schema.field(f.name).type.equals(f.type):
                bad.append(f"{path.name}: {f.name} is {schema.field(f.name).type}, expected {f.type}")
    return not bad, {"files": len(files), "problems": bad[:5]}


def no_duplicate_pairs(root: str | Path, category: str) -> tuple[bool, dict]:
    scan = _scan(layout.partition(layout.silver(root, "reviews"), category))
    if scan is None:
        return True, {"rows": 0, "duplicates": 0}
    rows, pairs = _one(f"SELECT count(*), count(DISTINCT (user_id, parent_asin)) FROM {scan}")
    return rows == pairs, {"rows": rows, "duplicates": rows - pairs}


def timestamps_in_range(root: str | Path, category: str, settings: LakeSettings = LakeSettings()) -> tuple[bool, dict]:
    """Every timestamp outside [launch, 2100) carries a timestamp flag; the flagged ones are counted."""
    scan = _scan(layout.partition(layout.silver(root, "reviews"), category))
    if scan is None:
        return True, {"flagged": 0, "unflagged_out_of_range": 0}
    lo, hi = settings.min_timestamp_ms, settings.max_timestamp_ms
    flagged, unflagged, t_min, t_max = _one(
        f"SELECT count(*) FILTER (WHERE len(list_filter(flags, lambda f: f LIKE 'timestamp%')) > 0),"
        f" count(*) FILTER (WHERE (timestamp < {lo} OR timestamp > {hi})"
        f"   AND len(list_filter(flags, lambda f: f LIKE 'timestamp%')) = 0),"
        f" min(timestamp), max(timestamp) FROM {scan}")
    return unflagged == 0, {"flagged": flagged, "unflagged_out_of_range": unflagged, "min": t_min, "max": t_max}


def split_boundaries(root: str | Path, category: str, settings: LakeSettings = LakeSettings()) -> tuple[bool, dict]:
    """timestamp split: train < t1 ≤ valid < t2 ≤ test; last_out: one test row per user, its latest."""
    problems, sizes = [], {}
    for k in settings.cores:
        for variant in ("timestamp", "last_out"):
            for split in layout.SPLITS:
                scan = _scan(layout.partition(layout.benchmark(root, k, variant), category) / f"split={split}")
                n = _one(f"SELECT count(*) FROM {scan}")[0] if scan else 0
                sizes[f"{k}core/{variant}/{split}"] = n
                if scan and variant == "timestamp":
                    lo, hi = {"train": (None, settings.t1), "valid": (settings.t1, settings.t2),
                              "test": (settings.t2, None)}[split]
                    cond = " OR ".join(c for c in (f"timestamp < {lo}" if lo else "", f"timestamp >= {hi}" if hi else "") if c)
                    bad = _one(f"SELECT count(*) FROM {scan} WHERE {cond}")[0]
                    if bad:
                        problems.append(f"{k}core timestamp/{split}: {bad} rows outside its window")
        rating = _scan(layout.partition(layout.benchmark(root, k, "rating_only"), category))
        test = _scan(layout.partition(layout.benchmark(root, k, "last_out"), category) / "split=test")
        if rating and test:
            users, tests, not_last = _one(
                f"WITH r AS (SELECT user_id, max_by(parent_asin, (timestamp, seq)) AS last FROM {rating} GROUP BY user_id) "
                f"SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM {test}), "
                f"(SELECT count(*) FROM {test} t JOIN r USING (user_id) WHERE t.parent_asin <> r.last)")
            if users != tests or not_last:
                problems.append(f"{k}core last_out: {users} users, {tests} test rows, {not_last} not the latest")
    return not problems, {"problems": problems, "sizes": sizes}


def k_core_invariant(root: str | Path, category: str, settings: LakeSettings = LakeSettings()) -> tuple[bool, dict]:
    """In every k-core table each user and each item has at least k rows."""
    meta, ok = {}, True
    for k in settings.cores:
        scan = _scan(layout.partition(layout.benchmark(root, k, "rating_only"), category))
        if scan is None:
            meta[f"{k}core"] = "empty"
            continue
        min_user, min_item, rows = _one(
            f"SELECT (SELECT min(n) FROM (SELECT count(*) n FROM {scan} GROUP BY user_id)),"
            f" (SELECT min(n) FROM (SELECT count(*) n FROM {scan} GROUP BY parent_asin)), (SELECT count(*) FROM {scan})")
        meta[f"{k}core"] = {"rows": rows, "min_user_count": min_user, "min_item_count": min_item}
        ok = ok and min_user >= k and min_item >= k
    return ok, meta
