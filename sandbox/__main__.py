"""Command line: `python -m sandbox generate|serve`.

    python -m sandbox generate --profile tiny --seed 0 --out data/sandbox
    python -m sandbox generate --profile tiny --seed 0 --until 2022-12-31 --out data/sandbox
    python -m sandbox serve --data data/sandbox --port 8080 --fault-p503 0.05 --rate-limit 20
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

from parsing.cli import ArgumentParser, CliError, number, run_cli

from sandbox.faults import FAULT_KINDS, Faults
from sandbox.output import generate
from sandbox.profiles import PROFILES


def _day_ms(text: str) -> int:
    """`--until YYYY-MM-DD` → the end of that day (UTC) in Unix milliseconds."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None
    return int(datetime(day.year, day.month, day.day, 23, 59, 59, 999000, tzinfo=timezone.utc).timestamp() * 1000)


_count = number(int, minimum=0)
_non_negative = number(float, minimum=0)
_probability = number(float, minimum=0, maximum=1)


def _parser() -> argparse.ArgumentParser:
    ap = ArgumentParser(prog="python -m sandbox", description=__doc__,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="generate the marketplace and its ground truth")
    gen.add_argument("--profile", choices=sorted(PROFILES), default="tiny")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--out", required=True, help="output folder (site/ and truth/ go under it)")
    gen.add_argument("--until", type=_day_ms, default=None, metavar="YYYY-MM-DD",
                     help="the marketplace as it stood at the end of that day (UTC); a later day grows it")
    for name in ("items", "users", "reviews", "queries"):
        gen.add_argument(f"--{name}", type=_count, default=None,
                         help=f"override the profile's number of {name}")

    srv = sub.add_parser("serve", help="serve a generated marketplace over HTTP until Ctrl-C")
    srv.add_argument("--data", required=True, help="the --out folder of generate")
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=_count, default=8080, help="0 picks a free port")
    srv.add_argument("--crawl-delay", type=_non_negative, default=1.0, help="Crawl-delay written in robots.txt")
    srv.add_argument("--rate-limit", type=_non_negative, default=None,
                     help="requests/second per client before 429")
    srv.add_argument("--rate-burst", type=_non_negative, default=None)
    srv.add_argument("--review-page-size", type=int, default=10, help="reviews per review-list page")
    srv.add_argument("--timeline-page-size", type=int, default=10, help="entries per timeline JSON page")
    srv.add_argument("--browse-page-size", type=int, default=24, help="products per browse page")
    srv.add_argument("--log", default=None, help="append every request as a JSON line to this file")
    srv.add_argument("--fault-seed", type=int, default=0)
    for kind in FAULT_KINDS:
        srv.add_argument(f"--fault-{kind.replace('_', '-')}", type=_probability, default=0.0, metavar="P",
                         help=f"probability of a {kind} fault per request")
    srv.add_argument("--retry-after-s", type=int, default=2, help="seconds in Retry-After of fault 429/503")
    srv.add_argument("--slow-s", type=float, default=2.0, help="delay of a slow response")
    srv.add_argument("--oversize-bytes", type=int, default=5 * 1024 * 1024)
    return ap


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "generate":
        started = time.monotonic()
        if Path(args.out).exists() and not Path(args.out).is_dir():
            raise CliError(f"--out {args.out} is a file, not a folder")
        manifest = generate(args.out, args.profile, args.seed, until_ms=args.until, n_items=args.items,
                            n_users=args.users, n_reviews=args.reviews, n_queries=args.queries)
        manifest["seconds"] = round(time.monotonic() - started, 2)
        print(json.dumps(manifest, indent=2))
        return 0

    from sandbox.server import SandboxServer

    if not (Path(args.data) / "site" / "manifest.json").is_file() and not (Path(args.data) / "manifest.json").is_file():
        raise CliError(f"--data {args.data} holds no generated marketplace (run `generate --out {args.data}` first)")

    faults = Faults(**{k: getattr(args, f"fault_{k}") for k in FAULT_KINDS}, retry_after_s=args.retry_after_s,
                    slow_s=args.slow_s, oversize_bytes=args.oversize_bytes, seed=args.fault_seed)
    server = SandboxServer(args.data, port=args.port, host=args.host, faults=faults, crawl_delay=args.crawl_delay,
                           rate_limit=args.rate_limit, rate_burst=args.rate_burst, log_path=args.log,
                           review_page_size=args.review_page_size, timeline_page_size=args.timeline_page_size,
                           browse_page_size=args.browse_page_size)
    # Stop cleanly on Ctrl-C and on SIGTERM, even when started in the background (where a
    # shell leaves SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    server.start()
    print(f"Sandbox storefront serving {args.data} at {server.base_url}/ (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        print(f"stopped after {len(server.request_log)} requests", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
