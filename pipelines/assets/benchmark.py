"""Benchmark results (task dataset × encoder, `gpu` pool) and the leaderboard built from them.

Thin: `benchmark.runner.run_one` trains/evaluates and writes the result JSON (cached unless
`force`); `benchmark.leaderboard.write_report` aggregates every result file in the lake.
"""

import base64

import dagster as dg

from pipelines import metadata as md
from pipelines.assets.embeddings import TASK_INPUTS, EncoderSwitches, item_embeddings, split_key
from pipelines.automation import ON_CADENCE, ON_CADENCE_WITH_INPUTS
from pipelines.executors import GPU_OP_TAGS, gpu_job, where_it_ran
from pipelines.partitions import benchmark_partitions
from pipelines.progress import run_with_progress
from pipelines.resources import DataRoot
from warehouse import layout


class BenchmarkConfig(EncoderSwitches):
    device: str | None = None
    seed: int | None = None  # protocol.SEED when unset
    text: str = "title"  # title | full
    force: bool = False  # recompute even when a result with the same key exists
    max_epochs: int | None = None  # cap training (a capped run, never ranked); the protocol's early stopping otherwise
    lr: list[float] | None = None  # learning rates to try instead of the protocol's grid (a capped run)
    adaptor: str = "auto"  # auto | pca | matryoshka | none (recommendation tasks)
    width: int | None = None  # adaptor width; protocol.ADAPTOR_WIDTH when unset


@dg.asset(
    partitions_def=benchmark_partitions,
    deps=[item_embeddings, *TASK_INPUTS],
    group_name="benchmark",
    kinds={"pytorch", "json"},
    pool="gpu",
    op_tags=GPU_OP_TAGS,
    automation_condition=ON_CADENCE_WITH_INPUTS,
    description="One benchmark result per task dataset × encoder: seqrec (UniSRec-style), cf (AlphaRec-style) "
                "or zero-shot search, as JSON under results/<task>/<dataset>/<encoder>--<key>.json (the key "
                "hashes every setting and the dataset's content, so a rebuilt dataset computes again).",
)
def benchmark_results(context: dg.AssetExecutionContext, config: BenchmarkConfig,
                      data_root: DataRoot) -> dg.MaterializeResult:
    from benchmark.protocol import ADAPTOR_WIDTH, SEED
    from benchmark.results import path_of
    from benchmark.runner import BASELINE_TASKS, run_one
    from warehouse.tasks import read_task

    encoder, task, dataset = split_key(context)
    if encoder in BASELINE_TASKS and BASELINE_TASKS[encoder] != task:
        return dg.MaterializeResult(metadata={"skipped": f"{encoder} applies to {BASELINE_TASKS[encoder]} only",
                                              **where_it_ran()})
    options = {}
    if task != "search":
        options = {k: v for k, v in (("max_epochs", config.max_epochs), ("lr_grid", config.lr)) if v}
    frames = read_task(data_root.root, task, dataset)
    chosen = config.for_run(encoder, device=config.device, progress=False)  # the name, with its switches
    result = run_with_progress(
        lambda: run_one(chosen, task, (dataset, frames), data_root.root, seed=config.seed or SEED,
                        device=config.device, text=config.text, adaptor=config.adaptor,
                        width=config.width or ADAPTOR_WIDTH, force=config.force, task_options=options,
                        progress=False),
        context.log, f"{encoder} on {task}/{dataset} (epochs are logged as they end)")
    metadata = {f"test/{k}": float(v) for k, v in (result.get("test") or {}).items() if isinstance(v, (int, float))}
    metadata.update({f"valid/{k}": float(v) for k, v in (result.get("valid") or {}).items()
                     if isinstance(v, (int, float))})
    metadata["lr"] = result.get("lr")
    metadata["protocol"] = result.get("protocol", "full")
    metadata["key"] = result.get("key")
    metadata["seconds"] = (result.get("timings") or {}).get("total_s")
    metadata.update(md.output(path_of(data_root.root, result)))
    return dg.MaterializeResult(metadata=metadata | where_it_ran())


class LeaderboardConfig(dg.Config):
    mteb_scores: str | None = None  # a CSV (encoder,score) or JSON {encoder: score} for the Spearman / scatter


@dg.asset(
    deps=[benchmark_results],
    group_name="benchmark",
    kinds={"pandas", "matplotlib"},
    automation_condition=ON_CADENCE,
    description="The leaderboard (the paper's Table 6 / Figure 2): per-task averages, overall averages and the "
                "Borda count over every result file, as Markdown, HTML and plots under reports/.",
)
def leaderboard(context: dg.AssetExecutionContext, config: LeaderboardConfig,
                data_root: DataRoot) -> dg.MaterializeResult:
    from benchmark.leaderboard import read_reference, write_report
    from benchmark.results import iter_results

    results = list(iter_results(data_root.root))
    reference = read_reference(config.mteb_scores) if config.mteb_scores else None
    report = write_report(results, layout.reports(data_root.root), reference)
    metadata = {"results": len(results), "encoders": len(report["table"]),
                "table": dg.MetadataValue.md(report["markdown"]),
                **md.output(report["files"]["markdown"], len(report["table"]))}
    if "plot" in report["files"]:
        png = base64.b64encode(report["files"]["plot"].read_bytes()).decode()
        metadata["plot"] = dg.MetadataValue.md(f"![per-task averages](data:image/png;base64,{png})")
    if report["spearman"]:
        metadata["spearman_mteb"] = report["spearman"]["rho"]
    return dg.MaterializeResult(metadata=metadata)


@dg.asset_check(asset=leaderboard, description="Every result file has the task's main test metric.")
def leaderboard_has_main_metrics(data_root: DataRoot) -> dg.AssetCheckResult:
    from benchmark.leaderboard import main_score
    from benchmark.results import iter_results

    missing = [f"{r.get('task')}/{r.get('dataset')}/{r.get('encoder')}" for r in iter_results(data_root.root)
               if main_score(r) is None]
    return dg.AssetCheckResult(passed=not missing, metadata={"missing": len(missing), "examples": missing[:5]})


assets = [benchmark_results, leaderboard]
asset_checks = [leaderboard_has_main_metrics]
jobs = [gpu_job([item_embeddings, benchmark_results])]
