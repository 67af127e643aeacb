"""The DuckDB warehouse: `<root>/warehouse.duckdb`, the lake's relations and the results, in SQL.

One writer: `refresh` (under the data root's writer lock) builds the file aside and renames it
over the old one, so readers never see a half-built catalog and never wait on a lock. Two ways to
hold the relations (`BLAIR_WAREHOUSE_STORAGE`, warehouse.settings.warehouse_storage):

- `tables` (default): each relation is copied into the file (CREATE TABLE ... AS SELECT over the
  published lake version), so the file is self-contained: the duckdb CLI opens it from any
  directory, and a moved or copied root reads its own copy. A table is a snapshot of the lake and
  the results as they were at the last refresh (every lake build and the Dagster `warehouse_db`
  asset refresh it).
- `views`: views over the Parquet in place (no copy, for lakes too big to copy), with paths
  relative to the data root: Python readers set `file_search_path` to the root, the duckdb CLI
  works when run inside the root (DuckDB resolves relative paths against the working directory).

The file is written in an older storage format (STORAGE_VERSION) that the duckdb CLI of the lock
also reads. Readers (`connect`, `query`) are jailed: read-only, then `enable_external_access =
false` and `lock_configuration`; a catalog of tables needs no file at all, one of views may read
the lake folders only (`allowed_directories`). `query` runs exactly one SELECT statement (DuckDB's
own parser decides what a statement is).
Relations: `reviews`, `meta` (silver), `rating_only`, `splits` (gold benchmark), `stats` (Table 1),
`benchmark_stats` (Table 3), `quarantine`, `task_sizes` and `results` (task, dataset and encoder as
each result file states them). A relation whose files do not exist yet is empty with the right
columns, so every query works on a fresh root.
"""
from __future__ import annotations

import os
from pathlib import Path

import duckdb

from parsing.atomic import atomic_path
from warehouse import layout, versions
from warehouse.lock import writer_lock
from warehouse.settings import warehouse_storage

DB_NAME = layout.WAREHOUSE_DB
# Storage format of the catalog file: DuckDB 2.0 writes version 69 by default, which the duckdb
# CLI 1.5 (requirements.lock) cannot open; v1.4.0 is read by both.
STORAGE_VERSION = "v1.4.0"
# What a reader of a catalog of views may open, relative to the data root: the lake versions,
# results, quarantine (a catalog of tables opens no file).
READABLE = ("lake", "results", "bronze/quarantine", *layout.VERSIONED)
# The statement types `query` runs; everything else is refused before it runs.
READ_ONLY_STATEMENTS = {duckdb.StatementType.SELECT}


class QueryRefused(ValueError):
    """A statement that `query` will not run (the message says why, in one line)."""


def db_path(root: str | Path) -> Path:
    return layout.warehouse_db(root)


def _q(path: Path | str) -> str:
    return "'" + Path(path).as_posix().replace("'", "''") + "'"


def _has_parquet(folder: Path) -> bool:
    return bool(layout.parquet_files(folder))


def _empty(columns: str) -> str:
    """A view of `name TYPE, ...` columns and no rows: the shape of a table not built yet."""
    return "SELECT " + ", ".join("NULL::{1} {0}".format(*c.split()) for c in columns.split(",")) + " WHERE false"


def _relation_sql(root: Path, copied: bool = False) -> dict[str, str]:
    """Relation name → SQL over the current version, with file paths relative to `root` (the
    catalog moves with it); files are checked in the version folder `base`. `copied`: the result
    is stored, so file names in it are made relative to the root here (DuckDB reports them joined
    to `file_search_path`), not left absolute in the copy."""
    root = Path(root).resolve()
    base = versions.current_dir(root) or root  # a root of the layout before versions reads silver/ itself

    def rel(path: Path) -> str:
        return _q(os.path.relpath(path, root))

    prefix = root.as_posix().rstrip("/") + "/"
    file_name = (f"(CASE WHEN starts_with(filename, {_q(prefix)}) THEN filename[{len(prefix) + 1}:] ELSE filename END)"
                 if copied else "filename")

    def hive(glob: Path) -> str:
        return f"read_parquet({rel(glob)}, hive_partitioning=true)"

    views: dict[str, str] = {}
    reviews, meta = layout.silver(base, "reviews"), layout.silver(base, "meta")
    views["reviews"] = (
        f"SELECT * EXCLUDE (seq, user_seq) FROM {hive(reviews / '*' / '*.parquet')}" if _has_parquet(reviews) else
        _empty("rating DOUBLE, title VARCHAR, text VARCHAR, asin VARCHAR, parent_asin VARCHAR, user_id VARCHAR,"
               " timestamp BIGINT, helpful_vote BIGINT, verified_purchase BOOLEAN, flags VARCHAR[], category VARCHAR"))
    views["meta"] = (
        f"SELECT * EXCLUDE (seq) FROM {hive(meta / '*' / '*.parquet')}" if _has_parquet(meta) else
        _empty("main_category VARCHAR, title VARCHAR, average_rating DOUBLE, rating_number BIGINT,"
               " features VARCHAR[], description VARCHAR[], price DOUBLE, store VARCHAR, categories VARCHAR[],"
               " parent_asin VARCHAR, category VARCHAR"))
    gold = layout.benchmarks(base)
    only, parts = [], []
    for core in sorted(gold.glob("*core")) if gold.is_dir() else []:
        k = int(core.name[:-4])
        if _has_parquet(core / "rating_only"):
            only.append(f"SELECT {k} AS k, category, user_id, parent_asin, rating, timestamp, user_seq, seq FROM "
                        f"{hive(core / 'rating_only' / '*' / '*.parquet')}")
        for variant in layout.VARIANTS[1:]:
            if _has_parquet(core / variant):
                history = "history" if variant.endswith("_w_his") else "NULL::VARCHAR AS history"
                parts.append(f"SELECT {k} AS k, '{variant}' AS variant, category, split, user_id, parent_asin, rating,"
                             f" timestamp, {history}, user_seq, seq FROM {hive(core / variant / '*' / '*' / '*.parquet')}")
    views["rating_only"] = " UNION ALL ".join(only) or _empty(
        "k INTEGER, category VARCHAR, user_id VARCHAR, parent_asin VARCHAR, rating DOUBLE, timestamp BIGINT,"
        " user_seq BIGINT, seq BIGINT")
    views["splits"] = " UNION ALL ".join(parts) or _empty(
        "k INTEGER, variant VARCHAR, category VARCHAR, split VARCHAR, user_id VARCHAR, parent_asin VARCHAR,"
        " rating DOUBLE, timestamp BIGINT, history VARCHAR, user_seq BIGINT, seq BIGINT")
    # Table 1 and Table 3 (warehouse.stats.compute_benchmark_stats).
    for name, columns in (("stats", "category VARCHAR, reviews BIGINT, users BIGINT, items BIGINT"),
                          ("benchmark_stats", "task VARCHAR, dataset VARCHAR, items BIGINT")):
        table = layout.stats(base) / f"{name}.parquet"
        views[name] = f"SELECT * FROM read_parquet({rel(table)})" if table.exists() else _empty(columns)
    quarantine = []
    for stage, folder in (("bronze", layout.bronze(root, "quarantine")), ("silver", layout.silver(base, "quarantine"))):
        if _has_parquet(folder):
            quarantine.append(f"SELECT '{stage}' AS stage, source, kind, reason, excerpt, {file_name} AS file FROM "
                              f"read_parquet({rel(folder / '**' / '*.parquet')}, filename=true, union_by_name=true)")
    views["quarantine"] = " UNION ALL ".join(quarantine) or _empty(
        "stage VARCHAR, source VARCHAR, kind VARCHAR, reason VARCHAR, excerpt VARCHAR, file VARCHAR")
    tasks = layout.tasks(base)
    task_parts = [f"SELECT '{f.parent.parent.name}' AS task, '{f.parent.name}' AS dataset, '{f.stem}' AS file,"
                  f" count(*) AS rows FROM read_parquet({rel(f)})"
                  for f in sorted(tasks.glob("*/*/*.parquet"))] if tasks.is_dir() else []
    views["task_sizes"] = " UNION ALL ".join(task_parts) or _empty(
        "task VARCHAR, dataset VARCHAR, file VARCHAR, rows BIGINT")
    results = layout.results(root)
    if list(results.glob("*/*/*.json")) if results.is_dir() else []:
        # Task, dataset and encoder as the result states them (benchmark.results writes all three);
        # a file without them (numbers imported by hand) is named by its folders and file name.
        # A file that is not one JSON object in UTF-8 is left out, as benchmark.results.iter_results does.
        path = "replace(filename, '\\', '/')"
        files = (f"SELECT filename, try(decode(content)) AS text FROM read_blob({rel(results / '*' / '*' / '*.json')})")
        views["results"] = (
            f"SELECT coalesce(result->>'$.task', split_part({path}, '/', -3)) AS task,"
            f" coalesce(result->>'$.dataset', split_part({path}, '/', -2)) AS dataset,"
            f" coalesce(result->>'$.encoder', parse_filename({path}, true)) AS encoder,"
            f" result FROM (SELECT filename, text::JSON AS result FROM ({files})"
            " WHERE CASE WHEN json_valid(text) THEN json_type(text) = 'OBJECT' ELSE false END)")
    else:
        views["results"] = _empty("task VARCHAR, dataset VARCHAR, encoder VARCHAR, result JSON")
    return views


def refresh(root: str | Path, storage: str | None = None) -> Path:
    """(Re)create the catalog under the data root's writer lock; `storage` (`tables` or `views`)
    defaults to the environment's (warehouse.settings.warehouse_storage)."""
    storage = warehouse_storage(storage)  # a bad setting fails before the lock is taken
    with writer_lock(root, "catalog refresh"):
        return write(root, storage)


def write(root: str | Path, storage: str | None = None) -> Path:
    """(Re)create the catalog, built aside and renamed into place; the caller holds the writer lock."""
    storage = warehouse_storage(storage)
    root = Path(root)
    final = db_path(root)
    with atomic_path(final) as tmp:
        con = duckdb.connect(config={"file_search_path": str(root.resolve())})
        try:
            con.execute(f"ATTACH {_q(tmp)} AS catalog (STORAGE_VERSION '{STORAGE_VERSION}')")
            con.execute("USE catalog")
            kind = "TABLE" if storage == "tables" else "VIEW"
            for name, sql in _relation_sql(root, copied=storage == "tables").items():
                con.execute(f"CREATE {kind} {name} AS {sql}")
        finally:
            con.close()
    return final


def relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The names of the catalog's relations (tables or views, whichever the storage), sorted."""
    return [name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() UNION ALL "
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND database_name = current_database() "
        "ORDER BY 1").fetchall()]


def _has_views(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the catalog reads files when queried (a catalog of views), not only its own tables."""
    return con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal AND database_name = current_database()"
                       ).fetchone()[0] > 0


def _jail(con: duckdb.DuckDBPyConnection, root: Path) -> duckdb.DuckDBPyConnection:
    """Take away the connection's file access for good: all of it for a catalog of tables, all
    but the lake folders for a catalog of views."""
    allowed = []
    if _has_views(con):
        for name in READABLE:
            # Views name files relative to the root; a query may also name them absolutely.
            allowed += [f"{name}/", f"{(root / name).as_posix()}/"]
            if (root / name).exists():
                allowed.append(f"{(root / name).resolve().as_posix()}/")
    con.execute("SET allowed_directories = " + "[" + ", ".join(_q(a) for a in allowed) + "]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def connect(root: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only, jailed connection (the catalog is created first when the root holds a lake
    but no catalog yet). A root without a lake is an error: a mistyped root never gets a catalog."""
    root = Path(root).resolve()
    path = db_path(root)
    if not path.exists():
        if not versions.has_lake(root):
            raise FileNotFoundError(f"no warehouse at {root}: neither {DB_NAME} nor a built lake "
                                    f"(run `python -m warehouse build --root {root}` first)")
        refresh(root)
    con = duckdb.connect(str(path), read_only=True, config={"file_search_path": str(root)})
    return _jail(con, root)


def check_statement(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """The one read-only statement in `sql`, or QueryRefused saying why not."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as error:
        raise QueryRefused(" ".join(str(error).split())) from None
    if len(statements) != 1:
        raise QueryRefused(f"one SQL statement per query, not {len(statements)}")
    kind = statements[0].type
    if kind not in READ_ONLY_STATEMENTS:
        raise QueryRefused(f"only a SELECT statement may run here, not {kind.name}")
    return statements[0].query


def query(root: str | Path, sql: str):
    """Run one read-only SELECT statement in the jail; returns a pandas DataFrame."""
    con = connect(root)
    try:
        return con.execute(check_statement(con, sql)).df()
    finally:
        con.close()
