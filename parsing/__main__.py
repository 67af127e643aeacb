"""Command line: `python -m parsing product FILE.html | reviews FILE.html | batch RAW_DIR OUT_DIR |
accuracy LABELS_DIR PAGES_DIR`.

A bad input (a missing file, a directory, an empty, binary or too deep page, a page of another
kind) is one line `error: ...` on stderr and a non-zero exit (`parsing.cli`).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from parsing.cli import ArgumentParser, CliError, run_cli
from parsing.settings import DEFAULT_SETTINGS

PAGE_ERROR_EXIT = 2  # the page was read but yields no record (blocked, unparsable)


def _page_bytes(path: Path) -> bytes:
    """The file's bytes, after the checks a user's typo or a hostile file needs."""
    if not path.exists():
        raise CliError(f"no such file: {path}")
    if path.is_dir():
        raise CliError(f"{path} is a directory, not a page file")
    size = path.stat().st_size
    if size > DEFAULT_SETTINGS.max_page_bytes:
        raise CliError(f"{path} is {size} bytes, more than a page may be ({DEFAULT_SETTINGS.max_page_bytes})")
    return path.read_bytes()


def _raw_dir(path: Path) -> Path:
    from parsing.raw_archive import resolve_raw_dir

    if not path.is_dir():
        raise CliError(f"{path} is not a folder (give the crawl's output folder or its raw/ folder)")
    try:
        return resolve_raw_dir(path)
    except FileNotFoundError as error:
        raise CliError(f"{error} (not a raw archive)") from error


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m parsing", description=__doc__)
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
    accuracy = commands.add_parser("accuracy", help="product-parser accuracy per field against hand labels")
    accuracy.add_argument("labels_dir", type=Path, help="<page file name>.json label files (see parsing.accuracy)")
    accuracy.add_argument("pages_dir", type=Path, help="the labelled pages")
    accuracy.add_argument("--json", action="store_true", help="print the full report (with every miss) as JSON")
    args = parser.parse_args(argv)

    from parsing.errors import PageError, UnparsablePage

    # arguments first: nothing is parsed or written before every path is known to be usable
    if args.command == "batch":
        raw = _raw_dir(args.raw_dir)
        if args.out_dir.exists() and not args.out_dir.is_dir():
            raise CliError(f"{args.out_dir} exists and is not a folder")
    elif args.command == "accuracy":
        for folder in (args.labels_dir, args.pages_dir):
            if not folder.is_dir():
                raise CliError(f"{folder} is not a folder")
        if not any(args.labels_dir.glob("*.json")):
            raise CliError(f"no label files (*.json) in {args.labels_dir}")
        from parsing.accuracy import score, table

        try:
            report = score(args.labels_dir, args.pages_dir)
        except (FileNotFoundError, ValueError) as error:  # a label for a missing page, a label that is not JSON
            raise CliError(str(error)) from error
        print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else table(report))
        return 0
    else:
        body = _page_bytes(args.file)
    try:
        if args.command == "product":
            from parsing.product import parse_product

            record = parse_product(body, url=args.url)
            print(json.dumps(record, ensure_ascii=False))
        elif args.command == "reviews":
            from parsing.links import review_list_page, timeline_page

            if body.lstrip()[:1] == b"{":
                page = timeline_page(body)
            else:
                page = review_list_page(body, args.url)
                if not page.is_review_list:
                    raise UnparsablePage("not a review page", "no review blocks and no review list on the page")
            for record in page.reviews:
                print(json.dumps(record, ensure_ascii=False))
            if page.truncated_ids:  # the whole reviews are out; say which were not
                raise UnparsablePage("truncated review", f"{len(page.truncated_ids)} review(s) cut off or incomplete,"
                                     f" left out: {' '.join(page.truncated_ids)}")
        else:
            from parsing.batch import run_batch, summary_line

            report = run_batch(raw, args.out_dir)
            print(summary_line(report), file=sys.stderr)
            print(json.dumps(report, indent=2, sort_keys=True))
    except PageError as error:
        raise CliError(f"{type(error).__name__}: {error}", PAGE_ERROR_EXIT) from error
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
