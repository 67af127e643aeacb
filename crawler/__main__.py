"""Command line.

    python -m crawler crawl --base-url URL --users N --out DIR     start or resume (raw archive in DIR/raw/)
    python -m crawler crawl --sandbox SANDBOX_DIR --users N --out DIR   serve a generated sandbox meanwhile
    python -m crawler stats --out DIR                                   print the stored stats

Every field of `CrawlSettings` is an option (`--min-delay-s 0.5`, `--categories A,B`, `--no-obey-robots`).
Every argument is checked before any work starts; a bad one is a one-line error (parsing.cli).
A crawl that stores no page while requests fail exits non-zero, after printing its summary.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import sqlite3
import sys
from pathlib import Path

from crawler.settings import SANDBOX_PORT, CrawlSettings
from parsing.cli import ArgumentParser, CliError, number, run_cli


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
    try:
        return CrawlSettings(**{**given, **overrides})
    except ValueError as error:  # the settings' checks start with the field's name: say it as its option
        name, _, rest = str(error).partition(" ")
        if name in given or name in overrides:
            raise CliError(f"--{name.replace('_', '-')} {rest}") from None
        raise CliError(str(error)) from None


def _path(value: str) -> Path:
    if not value.strip():
        raise argparse.ArgumentTypeError("an empty path")
    return Path(value)


def _writable_folder(out: Path) -> Path:
    """OUT exists as a writable folder or can be made one; checked before the crawl starts."""
    if out.exists() and not out.is_dir():
        raise CliError(f"--out {out} is not a folder")
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise CliError(f"--out {out} cannot be made: {existing} is a file")
    if existing is None or not os.access(existing, os.W_OK | os.X_OK):
        raise CliError(f"--out {out} cannot be written (no permission to create or write it)")
    return out


def _check_sandbox(args: argparse.Namespace) -> None:
    if not args.sandbox:
        return
    if not (args.sandbox / "manifest.json").is_file() and not (args.sandbox / "site" / "manifest.json").is_file():
        raise CliError(f"--sandbox {args.sandbox} is not a generated sandbox (no manifest.json; "
                       "make one with python -m sandbox generate)")


@contextlib.contextmanager
def _maybe_sandbox(args: argparse.Namespace):
    if not args.sandbox:
        yield None
        return
    from sandbox.server import SandboxServer

    with SandboxServer(Path(args.sandbox), port=args.sandbox_port, crawl_delay=args.sandbox_crawl_delay) as server:
        yield server.base_url


def _parser() -> ArgumentParser:
    parser = ArgumentParser(prog="python -m crawler")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)
    crawl = sub.add_parser("crawl", help="start or resume a crawl")
    crawl.add_argument("--out", required=True, type=_path, help="output folder; the raw archive goes to OUT/raw/")
    crawl.add_argument("--sandbox", type=_path, help="serve this generated sandbox folder on 127.0.0.1 during the crawl")
    crawl.add_argument("--sandbox-port", type=number(int, minimum=0, maximum=65535), default=SANDBOX_PORT,
                       help="fixed, since stored URLs carry it: a resume must see the same base URL")
    crawl.add_argument("--sandbox-crawl-delay", type=number(float, minimum=0), default=1.0,
                       help="the Crawl-delay of the sandbox's robots.txt")
    _add_settings_options(crawl)
    stats = sub.add_parser("stats", help="print the stats of a crawl")
    stats.add_argument("--out", required=True, type=_path)
    stats.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "crawl":
        # Everything is checked before the sandbox starts or a file is made.
        _check_sandbox(args)
        settings = settings_from(args, **({"base_url": f"http://127.0.0.1:{args.sandbox_port or 1}"} if args.sandbox else {}))
        _writable_folder(args.out)
        _log_to_stderr()
        from crawler.engine import Engine, format_summary

        with _maybe_sandbox(args) as sandbox_url:
            if sandbox_url:
                settings = settings.replace(base_url=sandbox_url)
            summary = Engine(settings, args.out).run()
        print(format_summary(summary))
        failed = sum(summary["failures"].values())
        if not summary["stats"].get("response/ok") and failed:
            raise CliError(f"the crawl stored no page: {failed} requests failed ({_top_reasons(summary['failures'])})")
        return 0
    return _stats(args)


def _top_reasons(failures: dict[str, int]) -> str:
    return ", ".join(f"{reason} {n}" for reason, n in list(failures.items())[:3])


def _log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns the summary


def _stats(args: argparse.Namespace) -> int:
    from crawler.frontier import Frontier, frontier_path

    db = frontier_path(args.out)
    if not db.is_file():
        raise CliError(f"{args.out} holds no crawl (no {db})")
    try:
        frontier = Frontier(db)
        report = {"last_run": frontier.get("last_run"), "cumulative": frontier.stats(),
                  "frontier": frontier.counts(), "failures": frontier.failures()}
        frontier.close()
    except sqlite3.DatabaseError as error:
        raise CliError(f"{db} is not a crawl's frontier ({error})") from None
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
    sys.exit(run_cli(main))
