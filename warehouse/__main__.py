"""Command line: `python -m warehouse {build,export,query,stats,catalog,release,verify,diff}`.

Arguments are checked before any work starts; a bad one ends in one `error: ...` line on stderr
and a non-zero exit (parsing.cli; `BLAIR_DEBUG=1` shows the traceback).
"""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from parsing.categories import safe_category
from parsing.cli import ArgumentParser, CliError, number, run_cli
from warehouse.settings import KEEP_VERSIONS


def _spark(args):
    from warehouse.spark import get_spark

    return get_spark(master=args.master, app_name="warehouse", driver_memory=args.driver_memory)


def _input_files(paths: list[str], what: str) -> None:
    """Every release file readable before any is imported (the check import_file makes)."""
    from warehouse.ingest import check_readable

    for name in paths:
        try:
            check_readable(Path(name))
        except (OSError, ValueError) as error:
            raise CliError(f"{what} file: {error}") from None


def _built_root(root: str) -> Path:
    """A data root that holds a built lake; a mistyped one is an error (never a new empty catalog)."""
    from warehouse import versions
    from warehouse.catalog import db_path

    path = Path(root)
    if not path.is_dir():
        raise CliError(f"data root not found: {path}")
    if not versions.has_lake(path) and not db_path(path).is_file():
        raise CliError(f"no lake in {path}: build one first with `python -m warehouse build --root {path}`")
    return path


def _check_build(args) -> None:
    if args.meta and not args.reviews:
        raise CliError("--meta needs --reviews", 2)
    _input_files(args.reviews, "review")
    _input_files(args.meta, "metadata")
    root = Path(args.root)
    if root.exists() and not root.is_dir():
        raise CliError(f"data root is not a folder: {root}")
    if not (args.reviews or args.meta):
        from warehouse import layout
        from warehouse.build import bronze_categories

        bronze = Path(args.bronze) if args.bronze else layout.bronze(root, "reviews").parent
        if not bronze.is_dir():
            raise CliError(f"bronze folder not found: {bronze} (give --bronze, or --reviews/--meta files)")
        if not any(layout.parquet_files(layout.partition(bronze / kind, c))
                   for c in bronze_categories(bronze) for kind in ("reviews", "meta")):
            raise CliError(f"no data in {bronze}: expected Parquet files in reviews/category=<Cat>/ or "
                           f"meta/category=<Cat>/")


RELEASE_COMMANDS = ("release", "verify", "diff")


def _release_parsers(sub) -> None:
    r = sub.add_parser("release", help="the Hugging Face-loadable release folder with its dataset card")
    r.add_argument("--root", default="./data")
    r.add_argument("--out", required=True, help="the release folder (replaced when it holds an earlier release)")
    r.add_argument("--categories", nargs="+", type=safe_category)
    v = sub.add_parser("verify", help="compare the build's benchmark files with the official sha256 manifest")
    v.add_argument("--root", default="./data")
    v.add_argument("--official", required=True, help="TSV path, sha256, size_bytes of the official release")
    v.add_argument("--categories", nargs="+", type=safe_category)
    v.add_argument("--json", action="store_true", help="print every file's result as JSON")
    d = sub.add_parser("diff", help="what changed between two builds (default: the last two)")
    d.add_argument("--root", default="./data")
    d.add_argument("--from", dest="from_build")
    d.add_argument("--to", dest="to_build")
    d.add_argument("--json", action="store_true", help="JSON instead of Markdown")


def _release_command(args) -> int:
    """`release`, `verify` and `diff`; bad inputs are CliErrors (one line, non-zero exit)."""
    if not Path(args.root).is_dir():
        raise CliError(f"--root {args.root}: no such folder")
    if args.command == "release":
        from warehouse.release import release

        try:
            result = release(args.root, args.out, args.categories)
        except ValueError as error:
            raise CliError(str(error)) from None
        for name, splits in result["configs"].items():
            print(f"{name}: " + ", ".join(f"{s} {n}" for s, n in splits.items()))
        print(f"release written to {result['out']}")
        return 0
    if args.command == "verify":
        from warehouse import verify

        if not Path(args.official).is_file():
            raise CliError(f"--official {args.official}: no such file")
        try:
            checks = verify.verify(args.root, args.official, args.categories)
        except ValueError as error:
            raise CliError(str(error)) from None
        if args.json:
            print(json.dumps(verify.as_dicts(checks), indent=1))
        else:
            for check in checks:
                print(f"{check.status:<15} {check.path}")
            print(", ".join(f"{n} {status}" for status, n in verify.summary(checks).items()))
        return 0 if verify.ok(checks) else 1
    from warehouse import diff

    try:
        result = diff.diff(args.root, args.from_build, args.to_build)
    except ValueError as error:
        raise CliError(str(error)) from None
    print(json.dumps(result, indent=1) if args.json else diff.to_markdown(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m warehouse")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="import/ingest → silver → gold → task inputs → stats → catalog")
    b.add_argument("--root", default="./data")
    source = b.add_mutually_exclusive_group()
    source.add_argument("--bronze", help="a bronze folder (the parser's output); default ROOT/bronze")
    source.add_argument("--reviews", nargs="+", default=[], help="review release files ({Cat}.jsonl[.gz], 2018/2014)")
    b.add_argument("--meta", nargs="+", default=[], help="metadata release files (meta_{Cat}.jsonl[.gz])")
    b.add_argument("--categories", nargs="+", type=safe_category, help="default: every category in bronze")
    b.add_argument("--keep-versions", type=number(int, minimum=1), default=KEEP_VERSIONS,
                   help=f"published lake versions to keep (default {KEEP_VERSIONS})")
    b.add_argument("--master", default=None, help="spark.master (default local[*] or BLAIR_SPARK_MASTER)")
    b.add_argument("--driver-memory", default=None)
    e = sub.add_parser("export", help="official CSV benchmark files and JSONL")
    e.add_argument("--root", default="./data")
    e.add_argument("--out", required=True)
    e.add_argument("--categories", nargs="+", type=safe_category)
    q = sub.add_parser("query", help="run one read-only SELECT statement on the DuckDB warehouse")
    q.add_argument("--root", default="./data")
    q.add_argument("sql")
    s = sub.add_parser("stats", help="print the statistics table")
    s.add_argument("--root", default="./data")
    c = sub.add_parser("catalog", help="(re)create ROOT/warehouse.duckdb")
    c.add_argument("--root", default="./data")
    _release_parsers(sub)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    if args.command == "build":
        from warehouse.build import build

        _check_build(args)
        # Spark is started by build, after the release files are imported: a bad one fails first.
        report = build(args.root, lambda: _spark(args), args.categories, bronze=args.bronze,
                       reviews=args.reviews, meta=args.meta, keep_versions=args.keep_versions)
        print(json.dumps(report, indent=1, default=str))
    elif args.command == "export":
        from warehouse.export import export_all

        root = _built_root(args.root)
        if not args.out.strip():
            raise CliError("--out is empty")
        rows = export_all(root, args.out, args.categories)
        for name, n in sorted(rows.items()):
            print(f"{n:>10}  {name}")
    elif args.command in ("query", "stats"):
        import pandas as pd

        from warehouse.catalog import query

        root = _built_root(args.root)
        sql = args.sql if args.command == "query" else "SELECT * FROM stats"
        if not sql.strip():
            raise CliError("the SQL statement is empty")
        frame = query(root, sql)
        with pd.option_context("display.max_rows", 200, "display.max_columns", 50, "display.width", 200):
            print(frame.to_string(index=False))
    elif args.command in RELEASE_COMMANDS:
        return _release_command(args)
    elif args.command == "catalog":
        from warehouse.catalog import refresh

        print(refresh(_built_root(args.root)))
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
