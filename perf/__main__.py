"""Run every perf/bench_*.py and write perf/results/<name>.json.

`python -m perf` runs them all; `python -m perf parse crawl` runs a subset; `--quick` shrinks sizes.
"""
from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

import perf

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    if sys.argv[1:2] == ["reproduce"]:  # the reproduction suite: its own arguments, hours not seconds
        from parsing.cli import run_cli
        from perf import reproduce

        sys.exit(run_cli(reproduce.main, sys.argv[2:]))
    parser = argparse.ArgumentParser(prog="python -m perf")
    parser.add_argument("names", nargs="*", help="bench names (bench_<name>.py); all when empty")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    available = sorted(i.name[len("bench_"):] for i in pkgutil.iter_modules(perf.__path__) if i.name.startswith("bench_"))
    chosen = args.names or available
    RESULTS.mkdir(exist_ok=True)
    for name in chosen:
        module = importlib.import_module(f"perf.bench_{name}")
        print(f"== perf: {name}", flush=True)
        started = time.perf_counter()
        result = module.main(quick=args.quick)
        result["wall_s"] = round(time.perf_counter() - started, 2)
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, default=str))
        print(json.dumps(result, indent=2, default=str), flush=True)


if __name__ == "__main__":
    main()
