"""What changed between two builds: rows, users, items, split sizes and categories.

A build's data may be gone by the time it is compared (the lake keeps the latest version), so
each build records a row snapshot beside its manifests, `manifests/<build>/rows/`: per category,
the key and an md5 digest of every silver review (`user_id`, `parent_asin`) and metadata row
(`parent_asin`), internal columns left out, and the row count of every gold benchmark table.
A category the build did not touch keeps the snapshot of the latest earlier build that has one,
so the state at a build is complete even when builds cover a few categories each.

Definitions: a row is added / removed when its key is only in the later / earlier build, and
changed when both have it with different contents. Users are the distinct `user_id`s of the
category's reviews; items the distinct `parent_asin`s of its reviews and metadata.
"""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from parsing.atomic import atomic_path, write_parquet
from warehouse import layout

ROWS = "rows"  # the snapshot folder inside manifests/<build>/
INTERNAL = frozenset({"seq", "user_seq", "category"})
KEYS = {"reviews": ("user_id", "parent_asin"), "meta": ("parent_asin",)}


def _q(value: Path | str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _digests(con: duckdb.DuckDBPyConnection, files: list[Path], keys: tuple[str, ...]):
    """Key columns and the md5 of the row's other public columns as JSON, as an Arrow table."""
    columns = [c for c in pq.read_schema(files[0]).names if c not in INTERNAL]
    listed = "[" + ", ".join(_q(p) for p in files) + "]"
    body = ", ".join(f'"{c}"' for c in columns)
    key_list = ", ".join(f'"{k}"' for k in keys)
    return con.sql(f"SELECT {key_list}, md5(to_json(s)) AS digest FROM (SELECT {body} FROM "
                   f"read_parquet({listed}, union_by_name=true)) s ORDER BY {key_list}").to_arrow_table()


def _split_sizes(root: Path, category: str) -> dict[str, int]:
    """`<k>core/<variant>[/<split>]` → rows, for every gold benchmark table of the category."""
    sizes = {}
    gold = layout.benchmark(root, 0, "rating_only").parent.parent
    for core in sorted(gold.glob("*core")) if gold.is_dir() else []:
        k = int(core.name[:-4])
        for variant in layout.VARIANTS:
            folder = layout.partition(layout.benchmark(root, k, variant), category)
            parts = [folder] if variant == "rating_only" else [folder / f"split={s}" for s in layout.SPLITS]
            for part in parts:
                files = layout.parquet_files(part)
                name = f"{k}core/{variant}" + ("" if part == folder else f"/{part.name.split('=', 1)[1]}")
                sizes[name] = sum(pq.ParquetFile(p).metadata.num_rows for p in files)
    return sizes


def record_snapshot(root: str | Path, build_id: str, categories: list[str] | None = None) -> Path:
    """Write `manifests/<build_id>/rows/` for `categories` (default: every category in silver)."""
    root = Path(root)
    categories = categories or sorted(set(layout.categories_in(layout.silver(root, "reviews")))
                                      | set(layout.categories_in(layout.silver(root, "meta"))))
    folder = layout.manifests(root) / build_id / ROWS
    con = duckdb.connect()
    try:
        for category in categories:
            for table, keys in KEYS.items():
                files = layout.parquet_files(layout.partition(layout.silver(root, table), category))
                if files:
                    write_parquet(_digests(con, files, keys), folder / f"{category}.{table}.parquet")
            with atomic_path(folder / f"{category}.splits.json") as tmp:
                tmp.write_text(json.dumps(_split_sizes(root, category), indent=1, sort_keys=True))
    finally:
        con.close()
    return folder


def builds(root: str | Path) -> list[str]:
    """Build ids that have a row snapshot, oldest first (build ids start with their UTC time)."""
    manifests = layout.manifests(root)
    return sorted(p.parent.name for p in manifests.glob(f"*/{ROWS}") if p.is_dir()) if manifests.is_dir() else []


def state(root: str | Path, build_id: str) -> dict[str, Path]:
    """category → the snapshot folder that holds it at `build_id` (its latest at or before it)."""
    found: dict[str, Path] = {}
    for build in builds(root):
        if build > build_id:
            break
        for marker in (layout.manifests(root) / build / ROWS).glob("*.splits.json"):
            found[marker.name.removesuffix(".splits.json")] = marker.parent
    return found


def _table_diff(con, before: Path | None, after: Path | None, keys: tuple[str, ...]) -> dict:
    def rel(path):
        if path is None or not path.exists():
            return "(SELECT NULL::VARCHAR AS " + ", NULL::VARCHAR AS ".join(keys) + ", NULL::VARCHAR AS digest WHERE false)"
        return f"read_parquet({_q(path)})"

    on = " AND ".join(f'a."{k}" = b."{k}"' for k in keys)
    row = con.execute(
        f"SELECT count(a.digest), count(b.digest), count(*) FILTER (WHERE a.digest IS NULL),"
        f" count(*) FILTER (WHERE b.digest IS NULL),"
        f" count(*) FILTER (WHERE a.digest IS NOT NULL AND b.digest IS NOT NULL AND a.digest <> b.digest)"
        f" FROM {rel(before)} a FULL OUTER JOIN {rel(after)} b ON {on}").fetchone()
    return dict(zip(("before", "after", "added", "removed", "changed"), (int(v) for v in row)))


def _distinct(con, paths: list[Path | None], column: str) -> set[str]:
    values: set[str] = set()
    for path in paths:
        if path is not None and path.exists():
            values.update(v for (v,) in con.execute(f'SELECT DISTINCT "{column}" FROM read_parquet({_q(path)})').fetchall())
    return values


def _set_diff(before: set, after: set) -> dict:
    return {"before": len(before), "after": len(after), "added": len(after - before), "gone": len(before - after)}


def diff(root: str | Path, from_build: str | None = None, to_build: str | None = None) -> dict:
    """The diff between two builds (default: the last two with a snapshot), as a JSON-able dict."""
    known = builds(root)
    to_build = to_build or (known[-1] if known else None)
    earlier = [b for b in known if to_build and b < to_build]
    from_build = from_build or (earlier[-1] if earlier else None)
    if from_build is None or to_build is None:
        raise ValueError(f"{root}: a diff needs two builds with a row snapshot, found {len(known)}")
    for build in (from_build, to_build):
        if build not in known:
            raise ValueError(f"{root}: no row snapshot for build {build!r} (known: {', '.join(known) or 'none'})")
    old, new = state(root, from_build), state(root, to_build)
    result = {"from": from_build, "to": to_build, "new_categories": sorted(set(new) - set(old)),
              "removed_categories": sorted(set(old) - set(new)), "categories": {}}
    con = duckdb.connect()
    try:
        for category in sorted(set(old) | set(new)):
            a, b = old.get(category), new.get(category)
            path = {(side, table): (folder / f"{category}.{table}.parquet" if folder else None)
                    for side, folder in (("a", a), ("b", b)) for table in KEYS}
            entry = {table: _table_diff(con, path["a", table], path["b", table], keys) for table, keys in KEYS.items()}
            entry["users"] = _set_diff(_distinct(con, [path["a", "reviews"]], "user_id"),
                                       _distinct(con, [path["b", "reviews"]], "user_id"))
            entry["items"] = _set_diff(_distinct(con, [path["a", "reviews"], path["a", "meta"]], "parent_asin"),
                                       _distinct(con, [path["b", "reviews"], path["b", "meta"]], "parent_asin"))
            sizes_a = json.loads((a / f"{category}.splits.json").read_text()) if a else {}
            sizes_b = json.loads((b / f"{category}.splits.json").read_text()) if b else {}
            entry["splits"] = {name: {"before": sizes_a.get(name, 0), "after": sizes_b.get(name, 0)}
                               for name in sorted(set(sizes_a) | set(sizes_b))}
            result["categories"][category] = entry
    finally:
        con.close()
    return result


def to_markdown(result: dict) -> str:
    """The diff as Markdown: categories, then one table of rows, users and items, then split sizes."""
    lines = [f"### Changes from build `{result['from']}` to `{result['to']}`", ""]
    if result["new_categories"]:
        lines.append("New categories: " + ", ".join(result["new_categories"]))
    if result["removed_categories"]:
        lines.append("Removed categories: " + ", ".join(result["removed_categories"]))
    lines += ["", "| category | table | before | after | added | removed | changed |", "|---|---|---|---|---|---|---|"]
    for category, entry in result["categories"].items():
        for table in KEYS:
            t = entry[table]
            lines.append(f"| {category} | {table} | {t['before']} | {t['after']} | {t['added']} | {t['removed']} "
                         f"| {t['changed']} |")
        for what in ("users", "items"):
            t = entry[what]
            lines.append(f"| {category} | {what} | {t['before']} | {t['after']} | {t['added']} | {t['gone']} (gone) | |")
    changed = [f"| {category} | {name} | {sizes['before']} | {sizes['after']} |"
               for category, entry in result["categories"].items() for name, sizes in entry["splits"].items()
               if sizes["before"] != sizes["after"]]
    lines += ["", "Split sizes that changed:", ""]
    lines += ["| category | table | rows before | rows after |", "|---|---|---|---|", *changed] if changed else ["_none_"]
    return "\n".join(lines) + "\n"
