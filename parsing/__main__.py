"""Command line: `python -m parsing product FILE.html | reviews FILE.html | batch RAW_DIR OUT_DIR`."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m parsing", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    product = commands.add_parser("product", help="a product page → its meta record as JSON")
    product.add_argument("file", type=Path)
    product.add_argument("--url", help="the page's URL (its ASIN is a fallback parent_asin)")
    reviews = commands.add_parser("reviews", help="a review-list page (or timeline JSON) → review records as JSONL")
    reviews.add_argument("file", type=Path)
    reviews.add_argument("--url", default="https://www.amazon.com/", help="the page's URL (its ASIN fills `asin`)")
    batch = commands.add_parser("batch", help="a raw archive → bronze Parquet + quarantine + _yield.json")
    batch.add_argument("raw_dir", type=Path, help="the crawl's output folder or its raw/ folder")
    batch.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)

    from parsing.errors import PageError

    try:
        if args.command == "product":
            from parsing.product import parse_product

            record = parse_product(args.file.read_bytes(), url=args.url)
            print(json.dumps(record, ensure_ascii=False))
        elif args.command == "reviews":
            from parsing.links import review_list_page, timeline_page

            body = args.file.read_bytes()
            if body.lstrip()[:1] == b"{":
                records = timeline_page(body).reviews
            else:
                records = review_list_page(body, args.url).reviews
            for record in records:
                print(json.dumps(record, ensure_ascii=False))
        else:
            from parsing.batch import run_batch, summary_line

            report = run_batch(args.raw_dir, args.out_dir)
            print(summary_line(report), file=sys.stderr)
            print(json.dumps(report, indent=2, sort_keys=True))
    except PageError as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
