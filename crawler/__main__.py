"""Command line.

    python -m crawler crawl --base-url URL --users N --out DIR     start or resume (raw archive in DIR/raw/)
    python -m crawler crawl --sandbox SANDBOX_DIR --users N --out DIR   serve a generated sandbox meanwhile
    python -m crawler stats --out DIR                                   print the stored stats

Every field of `CrawlSettings` is an option (`--min-delay-s 0.5`, `--categories A,B`, `--no-obey-robots`).
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import sys
from pathlib import Path

from crawler.settings import SANDBOX_PORT, CrawlSettings


def _add_settings_options(parser: argparse.ArgumentParser) -> None:
    for f in dataclasses.fields(CrawlSettings):
        flag = "--" + f.name.replace("_", "-")
        if isinstance(f.default, bool):
            parser.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=None)
        elif isinstance(f.default, tuple):
            parser.add_argument(flag, dest=f.name, default=None, metavar="A,B",
                                type=lambda v: tuple(x for x in v.split(",") if x))
        else:
            parser.add_argument(flag, dest=f.name, type=type(f.default), default=None)


def settings_from(args: argparse.Namespace, **overrides) -> CrawlSettings:
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(CrawlSettings) if getattr(args, f.name) is not None}
    return CrawlSettings(**{**given, **overrides})


@contextlib.contextmanager
def _maybe_sandbox(args: argparse.Namespace):
    if not args.sandbox:
        yield None
        return
    from crawler.sandbox.server import SandboxServer

    with SandboxServer(Path(args.sandbox), port=args.sandbox_port, crawl_delay=args.sandbox_crawl_delay) as server:
        yield server.base_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler")
    sub = parser.add_subparsers(dest="command", required=True)
    crawl = sub.add_parser("crawl", help="start or resume a crawl")
    crawl.add_argument("--out", required=True, type=Path, help="output folder; the raw archive goes to OUT/raw/")
    crawl.add_argument("--sandbox", type=Path, help="serve this generated sandbox folder on 127.0.0.1 during the crawl")
    crawl.add_argument("--sandbox-port", type=int, default=SANDBOX_PORT,
                       help="fixed, since stored URLs carry it: a resume must see the same base URL")
    crawl.add_argument("--sandbox-crawl-delay", type=float, default=1.0, help="the Crawl-delay of the sandbox's robots.txt")
    _add_settings_options(crawl)
    stats = sub.add_parser("stats", help="print the stats of a crawl")
    stats.add_argument("--out", required=True, type=Path)
    stats.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns the summary

    if args.command == "crawl":
        from crawler.engine import Engine, format_summary

        with _maybe_sandbox(args) as sandbox_url:
            settings = settings_from(args, **({"base_url": sandbox_url} if sandbox_url else {}))
            summary = Engine(settings, args.out).run()
        print(format_summary(summary))
        return 0

    from crawler.frontier import Frontier

    db = args.out / "raw" / "crawl.sqlite"
    if not db.exists():
        print(f"no crawl at {db}", file=sys.stderr)
        return 1
    frontier = Frontier(db)
    report = {"last_run": frontier.get("last_run"), "cumulative": frontier.stats(),
              "frontier": frontier.counts(), "failures": frontier.failures()}
    frontier.close()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        from crawler.engine import format_summary
        from crawler.stats import format_stats

        if report["last_run"] and "stats" in report["last_run"]:
            print(format_summary(report["last_run"]))
        print(format_stats(report["cumulative"], "cumulative over all runs"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
