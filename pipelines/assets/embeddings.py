"""Item embeddings, partitioned by encoder × (task, dataset), in the `gpu` pool.

Thin: `benchmark.embeddings.embed_items` does the work and keeps the Parquet store. Datasets
are a dynamic dimension (keys `<task>.<dataset>`, e.g. `search.sandbox`); the sensor below
adds a key for every task folder it finds under `<root>/gold/tasks/`.
"""

import functools
from pathlib import Path

import dagster as dg

from pipelines import metadata as md
from pipelines.automation import ON_CADENCE
from pipelines.executors import GPU_OP_TAGS, where_it_ran
from pipelines.partitions import DATASETS_NAME, dataset_partitions, encoder_dataset_partitions
from pipelines.progress import run_with_progress
from pipelines.resources import DataRoot

# What a benchmark partition reads: the lake's task inputs (per category) and the outside datasets
# (per loader). Dataset keys are `<task>.<dataset>`, which no built-in Dagster partition mapping
# relates to a category or a loader name, so every partition depends on all of theirs; the assets
# themselves redo only what changed (stored vectors are reused, results are recomputed only when
# their inputs are newer).
TASK_INPUTS = [dg.AssetDep(name, partition_mapping=dg.AllPartitionMapping())
               for name in ("task_inputs", "outside_task_inputs")]


def dataset_key(task: str, dataset: str) -> str:
    return f"{task}.{dataset}"


def split_key(partition_key) -> tuple[str, str, str]:
    """A multi-partition key → (encoder, task, dataset)."""
    keys = partition_key.keys_by_dimension
    task, _, dataset = keys["dataset"].partition(".")
    return keys["encoder"], task, dataset


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
    partitions_def=encoder_dataset_partitions,
    deps=TASK_INPUTS,
    group_name="benchmark",
    kinds={"pytorch", "parquet"},
    pool="gpu",
    op_tags=GPU_OP_TAGS,
    automation_condition=ON_CADENCE,
    description="Frozen-encoder vectors of every item of a task dataset, stored as Parquet keyed by item id "
                "and text hash (a re-run encodes only new or changed texts).",
)
def item_embeddings(context: dg.AssetExecutionContext, config: EmbeddingsConfig,
                    data_root: DataRoot) -> dg.MaterializeResult:
    from benchmark.embeddings import embed_items
    from benchmark.encoders import get_encoder
    from benchmark.runner import BASELINE_TASKS, TEXT_COLUMNS
    from warehouse.tasks import read_task

    encoder_name, task, dataset = split_key(context.partition_key)
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


def lake_dataset_keys(root) -> list[str]:
    """Dataset partition keys (`<task>.<dataset>`) for every task folder under `<root>/gold/tasks/`."""
    tasks = Path(root) / "gold" / "tasks"
    if not tasks.is_dir():
        return []
    return sorted(dataset_key(p.parent.name, p.name) for p in tasks.glob("*/*")
                  if p.is_dir() and not p.name.startswith("."))


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Adds a dataset partition for every task folder in the lake.")
def benchmark_datasets_sensor(context: dg.SensorEvaluationContext, data_root: DataRoot) -> dg.SensorResult:
    found = lake_dataset_keys(data_root.root)
    known = set(context.instance.get_dynamic_partitions(DATASETS_NAME))
    new = [k for k in found if k not in known]
    requests = [dataset_partitions.build_add_request(new)] if new else []
    return dg.SensorResult(dynamic_partitions_requests=requests)


assets = [item_embeddings]
sensors = [benchmark_datasets_sensor]
