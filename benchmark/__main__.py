"""Command line of the benchmark.

    python -m benchmark run --encoder minilm --task search --dataset SPEC --out DIR
    python -m benchmark run --encoder qwen3-embedding-8b --instruction off --dimensions 1024 ...
    python -m benchmark run --baseline bm25 --task search --dataset SPEC --out DIR
    python -m benchmark report --results DIR [--mteb scores.csv]
    python -m benchmark ablation table7|fig3 --encoder minilm --task cf --dataset SPEC --out DIR
    python -m benchmark explain --results DIR --dataset SPEC [--query QID ...]
    python -m benchmark encoders
    python -m benchmark synthesize-queries --root R --categories C1,C2 --n N --llm smollm2|api:<model> --out DIR

`run` prints the result JSON (cached unless --force). A dataset SPEC is a lake dataset name
(under ROOT/gold/tasks/<task>/), a task folder, a RecBole atomic-file folder, or
`<loader>:<source>`. `report` writes leaderboard.md, .html and .png and prints the table. Results are keyed by every
setting (benchmark.results); a capped run (fewer epochs, a smaller lr grid) is marked and never
ranked as a full-protocol number. `ablation` runs both arms of the paper's Table 7 (PCA vs
Matryoshka) or Fig. 3 (title vs title + description) and prints them side by side. `explain`
shows a search query's relevant items and each encoder's top items (the paper's Table 11).
`synthesize-queries` rephrases sampled 5-star reviews of the lake into complex queries with an
LLM (the Amazon-C4 recipe) and writes DIR/test.csv and DIR/sampled_item_metadata_1M.jsonl,
which `--dataset amazon_c4:DIR` reads. A bad command line or input prints one `error:` line.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from benchmark.protocol import ADAPTOR_WIDTH, SEED
from parsing.cli import ArgumentParser, CliError, number, run_cli

TASKS = ("seqrec", "cf", "search")


positive_int = number(int, minimum=1)
positive_float = number(float, above=0)


def check_encoder(name: str, instruction: str | None = None, dimensions: int | None = None) -> str:
    """Validate an encoder and its switches before any work (weights present, key set); return its id."""
    from benchmark.protocol import BASELINE_TASKS

    if name in BASELINE_TASKS:
        if instruction is not None or dimensions is not None:
            raise CliError(f"--instruction and --dimensions apply to encoders, not the {name} baseline")
        return name
    from benchmark.encoders.registry import EncoderUnavailable, check

    try:
        return check(name, instruction, dimensions)
    except KeyError:
        raise CliError(f"unknown encoder {name!r}; run `python -m benchmark encoders` for the names") from None
    except EncoderUnavailable as exc:
        raise CliError(str(exc)) from None


def _prepare(args):
    """Check a run's arguments, then read its dataset: (encoder id or built encoder, (name, frames), task options)."""
    from benchmark.datasets import UnknownDataset, resolve
    from benchmark.protocol import BASELINE_TASKS

    if args.baseline and args.encoder:
        raise CliError("give --encoder or --baseline, not both")
    name = args.baseline or args.encoder
    if not name:
        raise CliError("give --encoder NAME or --baseline random|bm25|sasrec")
    if BASELINE_TASKS.get(name, args.task) != args.task:
        raise CliError(f"baseline {name!r} only applies to the {BASELINE_TASKS[name]} task")
    options = {}
    if args.max_epochs is not None:
        if args.task == "search":
            raise CliError("--max-epochs applies to seqrec and cf only")
        options["max_epochs"] = args.max_epochs
    if args.lr:
        if args.task == "search":
            raise CliError("--lr applies to seqrec and cf only")
        options["lr_grid"] = tuple(args.lr)
    if args.sampled is not None:
        if args.task != "seqrec":
            raise CliError("--sampled applies to seqrec only")
        options["sampled_negatives"] = args.sampled
    # The dataset first: a wrong path fails here, before an encoder (and torch) is loaded.
    try:
        dataset = resolve(args.dataset, args.task, args.root or args.out)
    except (UnknownDataset, FileNotFoundError) as exc:
        raise CliError(f"--dataset {args.dataset}: {exc}") from None
    encoder = check_encoder(name, args.instruction, args.dimensions)
    if args.instruction not in (None, "on", "off"):  # a custom text is only hashed into the name: pass it along
        from benchmark.encoders import get_encoder

        encoder = get_encoder(name, device=args.device, progress=not args.quiet, instruction=args.instruction,
                              dimensions=args.dimensions)
    return encoder, dataset, options


def _guarded(call):
    """Run `call()`, turning the runner's input errors into one-line CLI errors."""
    from benchmark.runner import RunError

    try:
        return call()
    except RunError as exc:
        raise CliError(str(exc)) from None
    except KeyError as exc:  # KeyError's str() is the repr of its argument
        raise CliError(str(exc.args[0]) if exc.args else "unknown key") from None


def _run(args) -> int:
    from benchmark.runner import run_one

    encoder, dataset, options = _prepare(args)
    result = _guarded(lambda: run_one(encoder, args.task, dataset, args.out, seed=args.seed, device=args.device,
                                      text=args.text, adaptor=args.adaptor, width=args.width, force=args.force,
                                      task_options=options, progress=not args.quiet))
    print(json.dumps(result, indent=2, sort_keys=True, default=str))
    return 0


def _ablation(args) -> int:
    from benchmark.ablations import ABLATIONS, ablation_markdown, run_ablation

    args.baseline, args.sampled = None, None
    encoder, dataset, options = _prepare(args)
    extra = {"adaptor": args.adaptor} if args.which == "fig3" else {"text": args.text}
    results = _guarded(lambda: run_ablation(args.which, encoder, args.task, dataset, args.out, seed=args.seed,
                                            device=args.device, width=args.width, force=args.force,
                                            task_options=options, progress=not args.quiet, **extra))
    print(f"# {ABLATIONS[args.which][3]}\n\n{ablation_markdown(results, args.which)}")
    for r in results:
        print(f"{r['encoder']} {r['settings'][ABLATIONS[args.which][0]]}: key {r['key']}, {r['protocol']} protocol, "
              f"{r['timings'].get('total_s')} s", file=sys.stderr)
    return 0


def _explain(args) -> int:
    from benchmark.datasets import UnknownDataset, resolve
    from benchmark.explain import explain

    if not Path(args.results).is_dir():
        raise CliError(f"no such folder: {args.results}")
    try:
        name, frames = resolve(args.dataset, "search", args.root or args.results)
    except (UnknownDataset, FileNotFoundError) as exc:
        raise CliError(f"--dataset {args.dataset}: {exc}") from None
    try:
        print(explain(args.results, name, frames, args.query, n=args.n, top=args.top), end="")
    except LookupError as exc:
        raise CliError(str(exc.args[0])) from None
    return 0


def _report(args) -> int:
    if not Path(args.results).is_dir():
        raise CliError(f"no such folder: {args.results}")
    if args.mteb and not Path(args.mteb).is_file():
        raise CliError(f"no such file: {args.mteb}")
    from benchmark.leaderboard import read_reference, write_report
    from benchmark.results import iter_results

    results = list(iter_results(args.results))
    if not results:
        raise CliError(f"no result files under {args.results}")
    reference = read_reference(args.mteb) if args.mteb else None
    out = Path(args.to or args.results)
    report = write_report(results, out, reference)
    print(report["markdown"])
    for kind, path in report["files"].items():
        print(f"{kind}: {path}", file=sys.stderr)
    return 0


def _encoders(args) -> int:
    from benchmark.encoders.presets import PRESETS
    from benchmark.encoders.registry import BASELINES, available

    for p in PRESETS:  # docs/ENCODERS.md has the full table
        widths = f" dimensions={p.mrl[0]}-{p.mrl[1]}" if p.mrl else ""
        print(f"{p.name:26} {p.model:42} pooling={p.pooling} instruction={'on' if p.instruction else 'off'} "
              f"dim={p.dim}{widths}")
    print("\n".join(name for name in available() if name not in {p.name for p in PRESETS} | set(BASELINES)))
    print("\n".join(BASELINES))
    return 0


def _synthesize(args) -> int:
    from tqdm.auto import tqdm

    from benchmark.synthesis.llm import get_llm
    from benchmark.synthesis.recipe import synthesize_queries, write_pool
    from benchmark.synthesis.sampling import MIN_REVIEW_CHARS, sample_reviews
    from parsing.categories import safe_category
    from warehouse.layout import parquet_files, partition, silver

    categories = [c.strip() for c in args.categories.split(",") if c.strip()]
    if not categories:
        raise CliError("--categories is empty")
    for category in categories:
        try:
            safe_category(category)
        except ValueError as exc:
            raise CliError(f"--categories: {exc}") from None
    if not Path(args.root).is_dir():
        raise CliError(f"no such data root: {args.root}")
    missing = [c for c in categories if not parquet_files(partition(silver(args.root, "reviews"), c))]
    if missing:
        raise CliError(f"no silver reviews for {', '.join(missing)} under {args.root} (build the lake first)")
    if not (args.llm == "smollm2" or (args.llm.startswith("api:") and len(args.llm) > 4)):
        raise CliError(f"unknown --llm {args.llm!r}; expected smollm2 or api:<model>")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CliError(f"--out is a file, not a folder: {out}")
    if not sample_reviews(args.root, categories, 1, args.seed, args.period):  # before loading a model
        raise CliError(f"no 5-star review of at least {MIN_REVIEW_CHARS} characters in period {args.period!r} "
                       f"of {', '.join(categories)} under {args.root}")
    overrides = {"concurrency": args.concurrency} if args.concurrency and args.llm != "smollm2" else {}
    if args.max_new_tokens:
        overrides["max_new_tokens" if args.llm == "smollm2" else "max_tokens"] = args.max_new_tokens
    llm = get_llm(args.llm, **overrides)
    bar = tqdm(total=0, desc=f"asking {llm.name}", unit="query", disable=args.quiet)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        sidecar = synthesize_queries(args.root, categories, args.n, llm, out, seed=args.seed, period=args.period,
                                     progress=progress)
    finally:
        bar.close()
    sidecar["pool_items"] = write_pool(args.root, categories, out)
    print(json.dumps({k: sidecar[k] for k in ("model", "n_sampled", "n_kept", "quarantine", "asked_this_run",
                                               "from_cache", "tokens", "cost_usd", "pool_items")}, indent=2))
    return 0


def _run_settings(parser) -> None:
    """The arguments `run` and `ablation` share (an ablation sets one of them itself)."""
    parser.add_argument("--instruction", metavar="on|off|TEXT",
                        help="query instruction: on (the protocol's), off, or its text (default: the encoder's preset)")
    parser.add_argument("--dimensions", type=positive_int, metavar="N",
                        help="Matryoshka width of the encoder's vectors (models trained for it; API: the request's width)")
    parser.add_argument("--task", required=True, choices=TASKS)
    parser.add_argument("--dataset", required=True, help="SPEC: lake name, task folder, RecBole folder or loader:source")
    parser.add_argument("--out", required=True, help="data root: results/ and embeddings/ land here")
    parser.add_argument("--root", help="data root to read lake datasets from (default: --out)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--device", help="cpu, cuda, cuda:1 (default: cuda when available)")
    parser.add_argument("--text", choices=["title", "full"], default="title", help="item text (DESIGN §4)")
    parser.add_argument("--adaptor", choices=["auto", "pca", "matryoshka", "none"], default="auto")
    parser.add_argument("--width", type=positive_int, default=ADAPTOR_WIDTH, help="adaptor width")
    parser.add_argument("--max-epochs", type=positive_int, help="cap training epochs (a capped run, never ranked)")
    parser.add_argument("--lr", type=positive_float, action="append",
                        help="learning rate(s) to try instead of the protocol's grid (a capped run)")
    parser.add_argument("--force", action="store_true", help="recompute even if a result with the same key exists")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m benchmark", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one (encoder, task, dataset) and print its result JSON")
    run.add_argument("--encoder", help="a preset (`python -m benchmark encoders`: minilm, qwen3-embedding-8b, ...), "
                                       "random, hf:<model>[@pooling], api:<model>")
    run.add_argument("--baseline", choices=["random", "bm25", "sasrec"],
                     help="random vectors; BM25 (search); ID-only SASRec (seqrec)")
    _run_settings(run)
    run.add_argument("--sampled", type=positive_int, metavar="N",
                     help="seqrec: also report test metrics against N sampled items the user never interacted with")
    run.set_defaults(func=_run)
    report = sub.add_parser("report", help="aggregate results into the leaderboard")
    report.add_argument("--results", required=True, help="data root or its results/ folder")
    report.add_argument("--mteb", help="CSV (encoder,score) or JSON {encoder: score} of MTEB scores")
    report.add_argument("--to", help="where to write the report (default: --results)")
    report.set_defaults(func=_report)
    ablation = sub.add_parser("ablation", help="run one of the paper's ablations (both arms) and print them side by side")
    ablation.add_argument("which", choices=["table7", "fig3"], help="table7: PCA vs Matryoshka; fig3: title vs title + description")
    ablation.add_argument("--encoder", required=True)
    _run_settings(ablation)
    ablation.set_defaults(func=_ablation)
    explain = sub.add_parser("explain", help="a search query's relevant items and each encoder's top items (Table 11)")
    explain.add_argument("--results", required=True, help="data root (or its results/ folder) of the search runs")
    explain.add_argument("--dataset", required=True, help="the search set's SPEC, as for run")
    explain.add_argument("--root", help="data root to read a lake dataset from (default: --results)")
    explain.add_argument("--query", action="append", help="query id (repeatable; default: the first --n queries)")
    explain.add_argument("--n", type=positive_int, default=3, help="how many queries when no --query is given")
    explain.add_argument("--top", type=positive_int, default=3, help="items shown per encoder")
    explain.set_defaults(func=_explain)
    encoders = sub.add_parser("encoders", help="list encoder names")
    encoders.set_defaults(func=_encoders)
    synth = sub.add_parser("synthesize-queries", help="complex queries from lake reviews with an LLM (Amazon-C4 recipe)")
    synth.add_argument("--root", required=True, help="data root holding the lake (silver reviews and metadata)")
    synth.add_argument("--categories", required=True, help="comma-separated categories, e.g. All_Beauty,Video_Games")
    synth.add_argument("--n", required=True, type=positive_int, help="how many reviews to sample and rephrase")
    synth.add_argument("--llm", default="smollm2", help="smollm2 (offline) or api:<model> (BLAIR_LLM_URL, BLAIR_LLM_KEY_ENV)")
    synth.add_argument("--out", required=True, help="folder for test.csv, the item pool, the sidecar and the answer cache")
    synth.add_argument("--seed", type=int, default=SEED)
    synth.add_argument("--period", choices=["test", "valid", "train", "all"], default="test",
                       help="timestamp-split period to sample from (Amazon-C4: test, ts >= t2)")
    synth.add_argument("--concurrency", type=positive_int, help="API requests in flight")
    synth.add_argument("--max-new-tokens", type=positive_int, help="answer length cap")
    synth.add_argument("--quiet", action="store_true", help="no progress bar")
    synth.set_defaults(func=_synthesize)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(run_cli(main))
