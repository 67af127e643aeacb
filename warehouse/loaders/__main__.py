"""`python -m warehouse.loaders NAME SOURCE --root DATA_ROOT [--task T] [--dataset D] [--lake-root LAKE]
[--set KEY=VALUE ...]`.

`--set` passes any other keyword of the loader (e.g. `--set year=2018` for yelp,
`--set items_file=PATH` for reddit_movies); whole numbers are passed as int.
"""
from __future__ import annotations

import argparse
import inspect
import logging
import sys
from pathlib import Path

from parsing.cli import ArgumentParser, CliError, run_cli
from warehouse.loaders import LOADERS, option_value


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m warehouse.loaders", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", choices=sorted(LOADERS))
    parser.add_argument("source", help="the dataset's file or folder, in its original format")
    parser.add_argument("--root", required=True, help="data root; the task lands in ROOT/gold/tasks/")
    parser.add_argument("--task", help="seqrec or cf, for loaders that make both (movielens, yelp, recbole)")
    parser.add_argument("--dataset", help="dataset name (default: the loader's)")
    parser.add_argument("--lake-root", help="a built lake whose 2023 metadata gives the items' text and "
                        "category (esci; default: --root when it holds one)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="another loader keyword")
    args = parser.parse_args(argv)
    source = Path(args.source)
    if not args.source.strip() or not source.exists():
        raise CliError(f"source not found: {args.source!r}")
    if source.is_file() and source.stat().st_size == 0:
        raise CliError(f"source file is empty: {source}")
    if not args.root.strip() or (Path(args.root).exists() and not Path(args.root).is_dir()):
        raise CliError(f"--root is not a folder: {args.root!r}")
    if args.lake_root is not None and not Path(args.lake_root).is_dir():
        raise CliError(f"--lake-root is not a folder: {args.lake_root!r}")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    loader = LOADERS[args.name]
    named = (("task", args.task), ("dataset", args.dataset), ("lake_root", args.lake_root))
    kwargs = {key: val for key, val in named if val}
    for item in args.set:
        key, sep, text = item.partition("=")
        if not sep or not key:
            parser.error(f"--set wants KEY=VALUE, not {item!r}")
        kwargs[key] = option_value(text)
    accepted = inspect.signature(loader).parameters
    unknown = sorted(set(kwargs) - set(accepted) | ({"source_path", "root"} & set(kwargs)))
    if unknown:
        parser.error(f"{args.name} takes no keyword {', '.join(unknown)}")
    frames = loader(args.source, root=args.root, **kwargs)
    sizes = ", ".join(f"{name}={len(frame)}" for name, frame in frames.items())
    print(f"{args.name}: {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
