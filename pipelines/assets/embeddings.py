"""Item embeddings, one partition per task dataset × encoder (pipelines/partitions.py), in the `gpu` pool.

Thin: `benchmark.embeddings.embed_items` does the work and keeps the Parquet store. A partition
`seqrec.All_Beauty:minilm` reads the lake's task inputs of that category; `sandbox:minilm` reads
what the `sandbox` loader of `outside_task_inputs` last wrote (its materialisation names the task
and dataset, which a loader's config may change).
"""

import functools

import dagster as dg

from pipelines import metadata as md
from pipelines.automation import ON_CADENCE_WITH_INPUTS
from pipelines.executors import GPU_OP_TAGS, where_it_ran
from pipelines.partitions import (FROM_COMPLEX_QUERY_POOL, FROM_OUTSIDE_TASK_INPUTS, FROM_TASK_INPUTS,
                                  benchmark_partitions, split_benchmark_key)
from pipelines.progress import run_with_progress
from pipelines.resources import DataRoot

OUTSIDE = "outside_task_inputs"
# What a benchmark partition reads: its category's task inputs, its loader's outside dataset or its
# synthesised complex-query set (`search.amazon_c4_synth:minilm`), and nothing else, so rebuilding one category marks only that category's partitions stale.
TASK_INPUTS = [dg.AssetDep("task_inputs", partition_mapping=FROM_TASK_INPUTS),
               dg.AssetDep(OUTSIDE, partition_mapping=FROM_OUTSIDE_TASK_INPUTS),
               dg.AssetDep("complex_query_pool", partition_mapping=FROM_COMPLEX_QUERY_POOL)]


def split_key(context: dg.AssetExecutionContext) -> tuple[str, str, str]:
    """This run's partition → (encoder, task, dataset)."""
    dataset_part, encoder = split_benchmark_key(context.partition_key)
    task, dot, category = dataset_part.partition(".")
    if dot:  # a lake dataset, `<task>.<category>`
        return encoder, task, category
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(OUTSIDE), asset_partitions=[dataset_part]), limit=1).records
    if not records:
        raise dg.Failure(f"the {dataset_part} outside dataset was never loaded: materialise "
                         f"{OUTSIDE} [{dataset_part}] first", allow_retries=False)
    metadata = records[0].asset_materialization.metadata
    return encoder, metadata["task"].value, metadata["dataset"].value


class EncoderSwitches(dg.Config):
    """The encoder's two switches (`benchmark.encoders.registry`); they are part of its name, so
    vectors and results of each setting are stored apart. Baselines ignore them."""

    instruction: str | None = None  # on | off | the instruction's text; unset: the encoder preset's default
    dimensions: int | None = None  # Matryoshka width (models trained for it; API models: the request's width)

    def _applies(self, name: str) -> bool:
        from benchmark.encoders.registry import BASELINES
        from benchmark.protocol import BASELINE_TASKS

        return name not in BASELINE_TASKS and name not in BASELINES

    def encoder_id(self, name: str) -> str:
        """The name the partition's vectors and results are filed under."""
        from benchmark.encoders.registry import check

        return check(name, self.instruction, self.dimensions) if self._applies(name) else name

    def switches(self, name: str) -> dict:
        """The keyword arguments of `get_encoder` that set the switches for encoder `name`."""
        return {"instruction": self.instruction, "dimensions": self.dimensions} if self._applies(name) else {}

    def encoder(self, name: str, **kwargs):
        """The encoder, built with these switches."""
        from benchmark.encoders import get_encoder

        return get_encoder(name, **self.switches(name), **kwargs)

    def for_run(self, name: str, **kwargs):
        """What `run_one` takes: the encoder's name, or the built encoder when a custom instruction's
        text is only hashed into that name."""
        if self.instruction in (None, "on", "off") or not self._applies(name):
            return self.encoder_id(name)
        return self.encoder(name, **kwargs)


class EmbeddingsConfig(EncoderSwitches):
    device: str | None = None  # cpu, cuda, cuda:1; default: cuda when available
    batch_size: int | None = None  # the encoder's own default when unset
    text: str = "title"  # title | full (DESIGN §4)
    workers: int | None = None  # encoding processes: default one per visible GPU (1 on CPU)


@dg.asset(
    partitions_def=benchmark_partitions,
    deps=TASK_INPUTS,
    group_name="benchmark",
    kinds={"pytorch", "parquet"},
    pool="gpu",
    op_tags=GPU_OP_TAGS,
    automation_condition=ON_CADENCE_WITH_INPUTS,
    description="Frozen-encoder vectors of every item of a task dataset, stored as Parquet keyed by item id "
                "and text hash (a re-run encodes only new or changed texts).",
)
def item_embeddings(context: dg.AssetExecutionContext, config: EmbeddingsConfig,
                    data_root: DataRoot) -> dg.MaterializeResult:
    from benchmark.embeddings import embed_items
    from benchmark.encoders import get_encoder
    from benchmark.runner import BASELINE_TASKS, TEXT_COLUMNS
    from warehouse.tasks import read_task

    encoder_name, task, dataset = split_key(context)
    if encoder_name in BASELINE_TASKS:
        return dg.MaterializeResult(metadata={"skipped": f"{encoder_name} is a baseline without embeddings",
                                              **where_it_ran()})
    frames = read_task(data_root.root, task, dataset)
    encoder = config.encoder(encoder_name, device=config.device, progress=False)
    store_key = dataset if config.text == "title" else f"{dataset}_{config.text}"
    # A fixed device means this process only, unless workers are asked for.
    fan_out = config.device is None or bool(config.workers)
    factory = (functools.partial(get_encoder, encoder_name, progress=False, **config.switches(encoder_name))
               if fan_out else None)
    vectors, stats = run_with_progress(
        lambda: embed_items(encoder, frames["items"], data_root.root, store_key,
                            text_column=TEXT_COLUMNS[config.text], batch_size=config.batch_size,
                            workers=config.workers, encoder_factory=factory),
        context.log, f"{encoder_name} encoding {len(frames['items'])} items of {task}/{dataset}")
    context.log.info(f"{encoder_name} on {task}/{dataset}: {stats.encoded} of {stats.items} items encoded, "
                     f"{stats.reused} from the store")
    return dg.MaterializeResult(metadata={
        **md.output(stats.path, stats.items),
        "items": stats.items, "encoded": stats.encoded, "reused": stats.reused, "resumed": stats.resumed,
        "dim": int(vectors.shape[1]), "encoder": encoder.name, "encoder_revision": encoder.revision, **where_it_ran(),
    })


assets = [item_embeddings]
