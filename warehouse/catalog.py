"""The DuckDB warehouse: `<root>/warehouse.duckdb`, views over the Parquet lake and the results.

One writer: `refresh` builds the file aside and renames it over the old one (so readers never
see a half-built catalog and never wait on a lock); readers open it read-only (`connect`).
Views: `reviews`, `meta` (silver), `rating_only`, `splits` (gold benchmark), `stats` (Table 1),
`benchmark_stats` (Table 3),
`quarantine`, `task_sizes` and `results`. A view whose files do not exist yet is an empty
view with the right columns, so every query works on a fresh root.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse import layout
from warehouse.atomic import atomic_path

DB_NAME = "warehouse.duckdb"


def db_path(root: str | Path) -> Path:
    return Path(root) / DB_NAME


def _q(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _has_parquet(folder: Path) -> bool:
    return bool(layout.parquet_files(folder))


def _view_sql(root: Path) -> dict[str, str]:
    root = root.resolve()
    views: dict[str, str] = {}
    reviews, meta = layout.silver(root, "reviews"), layout.silver(root, "meta")
    views["reviews"] = (
        f"SELECT * EXCLUDE (seq, user_seq) FROM read_parquet({_q(reviews / '*' / '*.parquet')}, hive_partitioning=true)"
        if _has_parquet(reviews) else
        "SELECT NULL::DOUBLE rating, NULL::VARCHAR title, NULL::VARCHAR text, NULL::VARCHAR asin, NULL::VARCHAR parent_asin,"
        " NULL::VARCHAR user_id, NULL::BIGINT timestamp, NULL::BIGINT helpful_vote, NULL::BOOLEAN verified_purchase,"
        " NULL::VARCHAR[] flags, NULL::VARCHAR category WHERE false")
    views["meta"] = (
        f"SELECT * EXCLUDE (seq) FROM read_parquet({_q(meta / '*' / '*.parquet')}, hive_partitioning=true)"
        if _has_parquet(meta) else
        "SELECT NULL::VARCHAR main_category, NULL::VARCHAR title, NULL::DOUBLE average_rating, NULL::BIGINT rating_number,"
        " NULL::VARCHAR[] features, NULL::VARCHAR[] description, NULL::DOUBLE price, NULL::VARCHAR store,"
        " NULL::VARCHAR[] categories, NULL::VARCHAR parent_asin, NULL::VARCHAR category WHERE false")
    empty_split = ("SELECT NULL::INTEGER k, NULL::VARCHAR variant, NULL::VARCHAR category, NULL::VARCHAR split,"
                   " NULL::VARCHAR user_id, NULL::VARCHAR parent_asin, NULL::DOUBLE rating, NULL::BIGINT timestamp,"
                   " NULL::VARCHAR history, NULL::BIGINT user_seq, NULL::BIGINT seq WHERE false")
    gold = root / "gold" / "benchmark"
    only, parts = [], []
    for core in sorted(gold.glob("*core")) if gold.is_dir() else []:
        k = int(core.name[:-4])
        if _has_parquet(core / "rating_only"):
            only.append(f"SELECT {k} AS k, category, user_id, parent_asin, rating, timestamp, user_seq, seq FROM "
                        f"read_parquet({_q(core / 'rating_only' / '*' / '*.parquet')}, hive_partitioning=true)")
        for variant in layout.VARIANTS[1:]:
            if _has_parquet(core / variant):
                history = "history" if variant.endswith("_w_his") else "NULL::VARCHAR AS history"
                parts.append(f"SELECT {k} AS k, '{variant}' AS variant, category, split, user_id, parent_asin, rating,"
                             f" timestamp, {history}, user_seq, seq FROM "
                             f"read_parquet({_q(core / variant / '*' / '*' / '*.parquet')}, hive_partitioning=true)")
    views["rating_only"] = " UNION ALL ".join(only) or (
        "SELECT NULL::INTEGER k, NULL::VARCHAR category, NULL::VARCHAR user_id, NULL::VARCHAR parent_asin,"
        " NULL::DOUBLE rating, NULL::BIGINT timestamp, NULL::BIGINT user_seq, NULL::BIGINT seq WHERE false")
    views["splits"] = " UNION ALL ".join(parts) or empty_split
    stats = layout.stats(root) / "stats.parquet"
    views["stats"] = (f"SELECT * FROM read_parquet({_q(stats)})" if stats.exists()
                      else "SELECT NULL::VARCHAR category, NULL::BIGINT reviews, NULL::BIGINT users, NULL::BIGINT items WHERE false")
    table3 = layout.stats(root) / "benchmark_stats.parquet"  # Table 3 (warehouse.stats.compute_benchmark_stats)
    views["benchmark_stats"] = (f"SELECT * FROM read_parquet({_q(table3)})" if table3.exists()
                                else "SELECT NULL::VARCHAR task, NULL::VARCHAR dataset, NULL::BIGINT items WHERE false")
    quarantine = []
    for stage in ("bronze", "silver"):
        folder = root / stage / "quarantine"
        if _has_parquet(folder):
            quarantine.append(f"SELECT '{stage}' AS stage, source, kind, reason, excerpt, filename AS file FROM "
                              f"read_parquet({_q(folder / '**' / '*.parquet')}, filename=true, union_by_name=true)")
    views["quarantine"] = " UNION ALL ".join(quarantine) or (
        "SELECT NULL::VARCHAR stage, NULL::VARCHAR source, NULL::VARCHAR kind, NULL::VARCHAR reason,"
        " NULL::VARCHAR excerpt, NULL::VARCHAR file WHERE false")
    tasks = root / "gold" / "tasks"
    task_parts = [f"SELECT '{f.parent.parent.name}' AS task, '{f.parent.name}' AS dataset, '{f.stem}' AS file,"
                  f" count(*) AS rows FROM read_parquet({_q(f)})"
                  for f in sorted(tasks.glob("*/*/*.parquet"))] if tasks.is_dir() else []
    views["task_sizes"] = " UNION ALL ".join(task_parts) or (
        "SELECT NULL::VARCHAR task, NULL::VARCHAR dataset, NULL::VARCHAR file, NULL::BIGINT rows WHERE false")
    results = root / "results"
    if list(results.glob("*/*/*.json")) if results.is_dir() else []:
        views["results"] = (
            "SELECT split_part(replace(filename, '\\', '/'), '/', -3) AS task,"
            " split_part(replace(filename, '\\', '/'), '/', -2) AS dataset,"
            " regexp_replace(split_part(replace(filename, '\\', '/'), '/', -1), '\\.json$', '') AS encoder,"
            f" json AS result FROM read_json_objects({_q(results / '*' / '*' / '*.json')}, filename=true)")
    else:
        views["results"] = ("SELECT NULL::VARCHAR task, NULL::VARCHAR dataset, NULL::VARCHAR encoder,"
                            " NULL::JSON result WHERE false")
    return views


def refresh(root: str | Path) -> Path:
    """(Re)create the catalog: the single writer. Built aside, then renamed into place."""
    root = Path(root)
    final = db_path(root)
    with atomic_path(final) as tmp:
        con = duckdb.connect(str(tmp))
        try:
            for name, sql in _view_sql(root).items():
                con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
        finally:
            con.close()
    return final


def connect(root: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection (created first when the catalog does not exist yet)."""
    path = db_path(root)
    if not path.exists():
        refresh(root)
    return duckdb.connect(str(path), read_only=True)


def query(root: str | Path, sql: str):
    """Run one SQL statement read-only; returns a pandas DataFrame."""
    con = connect(root)
    try:
        return con.execute(sql).df()
    finally:
        con.close()
