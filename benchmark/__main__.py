"""Command line of the benchmark.

    python -m benchmark run --encoder minilm --task search --dataset SPEC --out DIR
    python -m benchmark run --baseline bm25 --task search --dataset SPEC --out DIR
    python -m benchmark report --results DIR [--mteb scores.csv]
    python -m benchmark encoders

`run` prints the result JSON (cached unless --force). A dataset SPEC is a lake dataset name
(under ROOT/gold/tasks/<task>/), a task folder, a RecBole atomic-file folder, or
`<loader>:<source>`. `report` writes leaderboard.md, .html and .png and prints the table.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from benchmark.protocol import ADAPTOR_WIDTH, SEED


def _run(args) -> int:
    from benchmark.datasets import UnknownDataset
    from benchmark.runner import RunError, run_one

    name = args.baseline or args.encoder
    if not name:
        raise SystemExit("give --encoder NAME or --baseline random|bm25|sasrec")
    options = {}
    if args.max_epochs is not None:
        if args.task == "search":
            raise SystemExit("--max-epochs applies to seqrec and cf only")
        options["max_epochs"] = args.max_epochs
    if args.lr:
        options["lr_grid" if args.task == "seqrec" else "lr"] = tuple(args.lr)
    try:
        result = run_one(name, args.task, args.dataset, args.out, seed=args.seed, device=args.device,
                         text=args.text, adaptor=args.adaptor, width=args.width, force=args.force,
                         task_options=options, progress=not args.quiet, data_root=args.root)
    except (UnknownDataset, RunError, KeyError, LookupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, sort_keys=True, default=str))
    return 0


def _report(args) -> int:
    from benchmark.leaderboard import read_reference, write_report
    from benchmark.results import iter_results

    results = list(iter_results(args.results))
    if not results:
        print(f"error: no result files under {args.results}", file=sys.stderr)
        return 2
    reference = read_reference(args.mteb) if args.mteb else None
    out = Path(args.to or args.results)
    report = write_report(results, out, reference)
    print(report["markdown"])
    for kind, path in report["files"].items():
        print(f"{kind}: {path}", file=sys.stderr)
    return 0


def _encoders(args) -> int:
    from benchmark.encoders import available

    print("\n".join(available()))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmark", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one (encoder, task, dataset) and print its result JSON")
    run.add_argument("--encoder", help="minilm, smollm2, random, hf:<model>[@pooling], api:<model>")
    run.add_argument("--baseline", choices=["random", "bm25", "sasrec"],
                     help="random vectors; BM25 (search); ID-only SASRec (seqrec)")
    run.add_argument("--task", required=True, choices=["seqrec", "cf", "search"])
    run.add_argument("--dataset", required=True, help="SPEC: lake name, task folder, RecBole folder or loader:source")
    run.add_argument("--out", required=True, help="data root: results/ and embeddings/ land here")
    run.add_argument("--root", help="data root to read lake datasets from (default: --out)")
    run.add_argument("--seed", type=int, default=SEED)
    run.add_argument("--device", help="cpu, cuda, cuda:1 (default: cuda when available)")
    run.add_argument("--text", choices=["title", "full"], default="title", help="item text (DESIGN §4)")
    run.add_argument("--adaptor", choices=["auto", "pca", "matryoshka", "none"], default="auto")
    run.add_argument("--width", type=int, default=ADAPTOR_WIDTH, help="adaptor width")
    run.add_argument("--max-epochs", type=int, help="cap training epochs (smoke runs)")
    run.add_argument("--lr", type=float, action="append", help="learning rate(s) to try instead of the grid")
    run.add_argument("--force", action="store_true", help="recompute even if the result exists")
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    run.set_defaults(func=_run)
    report = sub.add_parser("report", help="aggregate results into the leaderboard")
    report.add_argument("--results", required=True, help="data root or its results/ folder")
    report.add_argument("--mteb", help="CSV (encoder,score) or JSON {encoder: score} of MTEB scores")
    report.add_argument("--to", help="where to write the report (default: --results)")
    report.set_defaults(func=_report)
    encoders = sub.add_parser("encoders", help="list encoder names")
    encoders.set_defaults(func=_encoders)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
