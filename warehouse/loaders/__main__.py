"""`python -m warehouse.loaders <name> SOURCE --root DATA_ROOT [--task T] [--dataset D]`."""
from __future__ import annotations

import argparse
import inspect
import logging
import sys

from warehouse.loaders import LOADERS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.loaders", description=__doc__)
    parser.add_argument("name", choices=sorted(LOADERS))
    parser.add_argument("source", help="the dataset's file or folder, in its original format")
    parser.add_argument("--root", required=True, help="data root; the task lands in ROOT/gold/tasks/")
    parser.add_argument("--task", help="seqrec or cf, for loaders that make both (recbole)")
    parser.add_argument("--dataset", help="dataset name (default: the loader's)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    loader = LOADERS[args.name]
    accepted = inspect.signature(loader).parameters
    kwargs = {key: value for key, value in (("task", args.task), ("dataset", args.dataset)) if value}
    unknown = set(kwargs) - set(accepted)
    if unknown:
        parser.error(f"{args.name} takes no {', '.join('--' + k for k in sorted(unknown))}")
    frames = loader(args.source, root=args.root, **kwargs)
    sizes = ", ".join(f"{name}={len(frame)}" for name, frame in frames.items())
    print(f"{args.name}: {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
