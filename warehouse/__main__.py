"""Command line: `python -m warehouse {build,export,query,stats,catalog}`."""
from __future__ import annotations

import argparse
import json
import logging
import sys

from parsing.categories import safe_category


def _spark(args):
    from warehouse.spark import get_spark

    return get_spark(master=args.master, app_name="warehouse", driver_memory=args.driver_memory)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="import/ingest → silver → gold → task inputs → stats → catalog")
    b.add_argument("--root", default="./data")
    source = b.add_mutually_exclusive_group()
    source.add_argument("--bronze", help="a bronze folder (the parser's output); default ROOT/bronze")
    source.add_argument("--reviews", nargs="+", default=[], help="review release files ({Cat}.jsonl[.gz], 2018/2014)")
    b.add_argument("--meta", nargs="+", default=[], help="metadata release files (meta_{Cat}.jsonl[.gz])")
    b.add_argument("--categories", nargs="+", type=safe_category, help="default: every category in bronze")
    b.add_argument("--master", default=None, help="spark.master (default local[*] or BLAIR_SPARK_MASTER)")
    b.add_argument("--driver-memory", default=None)
    e = sub.add_parser("export", help="official CSV benchmark files and JSONL")
    e.add_argument("--root", default="./data")
    e.add_argument("--out", required=True)
    e.add_argument("--categories", nargs="+", type=safe_category)
    q = sub.add_parser("query", help="run one SQL statement on the DuckDB warehouse (read-only)")
    q.add_argument("--root", default="./data")
    q.add_argument("sql")
    s = sub.add_parser("stats", help="print the statistics table")
    s.add_argument("--root", default="./data")
    c = sub.add_parser("catalog", help="(re)create ROOT/warehouse.duckdb")
    c.add_argument("--root", default="./data")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    if args.command == "build":
        from warehouse.build import build

        if args.meta and not args.reviews:
            parser.error("--meta needs --reviews")
        report = build(args.root, _spark(args), args.categories, bronze=args.bronze,
                       reviews=args.reviews, meta=args.meta)
        print(json.dumps(report, indent=1, default=str))
    elif args.command == "export":
        from warehouse.export import export_all

        rows = export_all(args.root, args.out, args.categories)
        for name, n in sorted(rows.items()):
            print(f"{n:>10}  {name}")
    elif args.command in ("query", "stats"):
        import pandas as pd

        from warehouse.catalog import query

        sql = args.sql if args.command == "query" else "SELECT * FROM stats"
        with pd.option_context("display.max_rows", 200, "display.max_columns", 50, "display.width", 200):
            print(query(args.root, sql).to_string(index=False))
    elif args.command == "catalog":
        from warehouse.catalog import refresh

        print(refresh(args.root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
