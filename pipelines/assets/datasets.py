"""Outside datasets (ML-1M, Yelp, Book-Crossing, RecBole, ESCI, Amazon-C4, Reddit-Movies, the
sandbox's search truth) → task inputs of CONTRACTS §5, one partition per loader.

Thin: `warehouse.loaders.LOADERS[name]` reads the source in its original format and writes
`<data_root>/gold/tasks/<task>/<dataset>/`; this asset points it at the source, keeps the lines
it could not use in `<data_root>/bronze/quarantine/loaders/` (so the warehouse's quarantine view
shows them), and reports row counts read back from the written files. The source comes from run
config or, so that a schedule or the UI needs no config, from env `BLAIR_SOURCE_<NAME>`
(e.g. `BLAIR_SOURCE_MOVIELENS=/data/ml-1m`). The blocking check `task_frames_not_empty` keeps an
empty split from flowing on to the benchmark.
"""
# No `from __future__ import annotations`: Dagster reads the Config annotations at run time.

import inspect
import os
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from parsing.atomic import write_parquet
from parsing.quarantine import QUARANTINE_SCHEMA
from pipelines import metadata as md
from pipelines.partitions import loader_partitions
from pipelines.resources import DataRoot
from warehouse.layout import bronze
from warehouse.loaders import LOADERS, option_value
from warehouse.loaders.recbole import dataset_name, find_atomic
from warehouse.tasks import FILES, task_dir

PREVIEW_CELL_CHARS = 80
CHECK_NAME = "task_frames_not_empty"



def source_env_var(name: str) -> str:
    return f"BLAIR_SOURCE_{name.upper()}"


class OutsideDatasetConfig(dg.Config):
    source: str = ""  # the dataset's file or folder in its original format; empty: env BLAIR_SOURCE_<NAME>
    task: str = ""  # seqrec or cf, for loaders that make both (movielens, yelp, recbole); empty: the loader's default
    dataset: str = ""  # the task dataset name; empty: the loader's default (recbole: the file name)
    options: dict[str, str] = {}  # any other loader keyword, e.g. {"year": "2018"}; whole numbers pass as int


def loader_kwargs(name: str, config: OutsideDatasetConfig, source: Path) -> dict:
    """The keywords for `LOADERS[name]`, always with an explicit `dataset` so the output path is known."""
    loader = LOADERS[name]
    accepted = inspect.signature(loader).parameters
    kwargs = {key: option_value(text) for key, text in config.options.items()}
    if config.task:
        kwargs["task"] = config.task
    unknown = sorted((set(kwargs) - set(accepted)) | ({"source_path", "root", "dataset"} & set(kwargs)))
    if unknown:
        raise dg.Failure(f"{name} takes no keyword {', '.join(unknown)} (config `task`/`options`); "
                         f"it takes {', '.join(p for p in accepted if p not in ('source_path', 'root'))}")
    if config.dataset:
        kwargs["dataset"] = config.dataset
    elif name == "recbole":  # its default is the atomic files' name, made path-safe
        kwargs["dataset"] = dataset_name(find_atomic(source, kwargs.get("name")))
    else:
        kwargs["dataset"] = accepted["dataset"].default
    return kwargs


def task_of(frames: dict[str, pd.DataFrame]) -> str:
    """Which task the loader made: search has queries; seqrec's train rows carry a history."""
    if "queries" in frames:
        return "search"
    return "seqrec" if "history" in frames["train"].columns else "cf"


def file_preview(path: Path) -> str:
    """The first rows of a Parquet file as Markdown, without reading all of it (item pools reach a million rows)."""
    batch = next(pq.ParquetFile(path).iter_batches(batch_size=md.PREVIEW_ROWS), None)
    if batch is None:
        return "_no rows_"
    return md.preview(pa.Table.from_batches([batch]), batch.schema.names, PREVIEW_CELL_CHARS)


def write_quarantine(root: Path, task: str, dataset: str, quarantine: pd.DataFrame) -> Path:
    """Always written (an empty file says "nothing quarantined" and replaces an older run's rows).
    The rows already have the one quarantine shape, kind `loader/<name>` (parsing.quarantine)."""
    path = bronze(root, "quarantine") / "loaders" / f"{task}.{dataset}.parquet"
    table = pa.Table.from_pandas(quarantine.reset_index(drop=True), schema=QUARANTINE_SCHEMA, preserve_index=False)
    write_parquet(table, path)
    return path


@dg.asset(
    partitions_def=loader_partitions,
    group_name="datasets",
    kinds={"python", "parquet"},
    description="The other benchmark datasets (ML-1M, Yelp, Book-Crossing, RecBole atomic files, ESCI, "
                "Amazon-C4, Reddit-Movies, the sandbox's search truth), read from their original format "
                "into task inputs under gold/tasks/<task>/<dataset>/. One partition per loader; the source "
                "is run config `source` or env BLAIR_SOURCE_<LOADER>.",
    check_specs=[dg.AssetCheckSpec(
        CHECK_NAME, asset="outside_task_inputs", blocking=True,
        description="Every file the loader wrote (items, train/valid/test or queries/qrels) has rows.",
    )],
)
def outside_task_inputs(context: dg.AssetExecutionContext, config: OutsideDatasetConfig,
                        data_root: DataRoot) -> dg.MaterializeResult:
    name = context.partition_key
    env_var = source_env_var(name)
    source_text = config.source or os.environ.get(env_var, "")
    if not source_text:
        raise dg.Failure(f"no source for the {name} loader: set env {env_var} or run config "
                         f"ops.outside_task_inputs.config.source to the dataset's file or folder "
                         f"in its original format", allow_retries=False)
    source = Path(source_text).expanduser()
    if not source.exists():
        raise dg.Failure(f"{name} source {source} does not exist (from "
                         f"{'run config source' if config.source else 'env ' + env_var})", allow_retries=False)
    root = data_root.root
    kwargs = loader_kwargs(name, config, source)
    context.log.info(f"{name}: loading {source} with {kwargs}")
    try:
        frames = LOADERS[name](source, root=root, **kwargs)
    except (FileNotFoundError, ValueError) as error:
        raise dg.Failure(f"the {name} loader could not read {source}: {error}", allow_retries=False) from error

    task, dataset = task_of(frames), kwargs["dataset"]
    folder = task_dir(root, task, dataset)
    # Row counts from the written files, not the frames in memory: the check is about what landed.
    rows = {file: pq.ParquetFile(folder / f"{file}.parquet").metadata.num_rows for file in FILES[task]}
    quarantine = frames["quarantine"]
    by_reason = {str(r): int(n) for r, n in quarantine["reason"].value_counts().items()}
    quarantine_path = write_quarantine(root, task, dataset, quarantine)
    rows_file = "queries" if task == "search" else "train"
    empty = sorted(file for file, n in rows.items() if n == 0)
    check = dg.AssetCheckResult(
        check_name=CHECK_NAME, passed=not empty, severity=dg.AssetCheckSeverity.ERROR,
        description=(f"{task}/{dataset}: empty {', '.join(empty)}" if empty
                     else f"{task}/{dataset}: " + ", ".join(f"{f} {n}" for f, n in rows.items())),
        metadata={f"rows/{file}": n for file, n in rows.items()},
    )
    return dg.MaterializeResult(
        metadata={
            "task": task,
            "dataset": dataset,
            "source": str(source),
            **{f"rows/{file}": n for file, n in rows.items()},
            "quarantined": len(quarantine),
            "quarantine_by_reason": dg.MetadataValue.json(by_reason),
            "quarantine": dg.MetadataValue.md(md.reason_counts(by_reason, "lines")),
            "quarantine_path": dg.MetadataValue.path(str(quarantine_path)),
            "items_preview": dg.MetadataValue.md(file_preview(folder / "items.parquet")),
            f"{rows_file}_preview": dg.MetadataValue.md(file_preview(folder / f"{rows_file}.parquet")),
            "path": dg.MetadataValue.path(str(folder)),
        },
        check_results=[check],
    )


assets = [outside_task_inputs]
asset_checks: list = []  # the check is declared on the asset (check_specs) and yielded with it
