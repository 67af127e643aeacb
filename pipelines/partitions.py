"""Dagster partitions: per category (and loader, task dataset × encoder), never per user or item."""
from __future__ import annotations

import os
import warnings

import dagster as dg

from parsing.categories import CATEGORIES, safe_category
from warehouse.loaders import LOADERS

_extra = [safe_category(c) for c in os.environ.get("BLAIR_CATEGORIES", "").split(",") if c]
category_partitions = dg.StaticPartitionsDefinition(sorted(set(CATEGORIES) | set(_extra)))
loader_partitions = dg.StaticPartitionsDefinition(sorted(LOADERS))  # outside datasets, one per loader

# Benchmark: one partition per task dataset × encoder, keyed `<dataset>:<encoder>`. The dataset part
# names the upstream partition that writes it: `<task>.<category>` for the lake's task inputs (each
# category writes LAKE_TASKS), the loader's name for an outside dataset (e.g. `sandbox:minilm`). The
# keys are static so that built-in StaticPartitionMappings can say exactly which benchmark partitions
# read each category or loader: rebuilding one category marks only its own partitions stale. (Dagster
# maps a single-dimension parent onto a multi-partitioned child only through an identical dimension,
# which a category and a task dataset are not; custom mappings are invisible to the UI and the daemon.)
ENCODERS = [e.strip() for e in os.environ.get("BLAIR_ENCODERS", "minilm,random").split(",") if e.strip()]
LAKE_TASKS = ("seqrec", "cf")  # what task_inputs writes for a category (warehouse.task_inputs)
KEY_SEPARATOR = ":"


def benchmark_key(dataset: str, encoder: str) -> str:
    return f"{dataset}{KEY_SEPARATOR}{encoder}"


def split_benchmark_key(key: str) -> tuple[str, str]:
    """`<dataset>:<encoder>` → (dataset part, encoder)."""
    dataset, _, encoder = key.rpartition(KEY_SEPARATOR)
    return dataset, encoder


def lake_dataset(task: str, category: str) -> str:
    return f"{task}.{category}"


def _keys(datasets) -> list[str]:
    return [benchmark_key(d, e) for d in datasets for e in ENCODERS]


_LAKE_KEYS = {c: _keys(lake_dataset(t, c) for t in LAKE_TASKS) for c in category_partitions.get_partition_keys()}
_OUTSIDE_KEYS = {name: _keys([name]) for name in loader_partitions.get_partition_keys()}
# Complex-query sets synthesised from the lake (pipelines/assets/synthesis.py), one partition of the
# pool asset each; the pool writes the task dataset `search.<name>` (an `amazon_c4` prefix files it
# under complex search).
SYNTHESIS_DATASETS = ("amazon_c4_synth",)
synthesis_partitions = dg.StaticPartitionsDefinition(list(SYNTHESIS_DATASETS))
_SYNTHESIS_KEYS = {name: _keys([lake_dataset("search", name)]) for name in SYNTHESIS_DATASETS}
benchmark_partitions = dg.StaticPartitionsDefinition(
    sorted(k for keys in (*_LAKE_KEYS.values(), *_OUTSIDE_KEYS.values(), *_SYNTHESIS_KEYS.values()) for k in keys))
# Which benchmark partitions read each upstream partition (built-in, so the UI and the daemon see it).
FROM_TASK_INPUTS = dg.StaticPartitionMapping(_LAKE_KEYS)
FROM_OUTSIDE_TASK_INPUTS = dg.StaticPartitionMapping(_OUTSIDE_KEYS)
FROM_COMPLEX_QUERY_POOL = dg.StaticPartitionMapping(_SYNTHESIS_KEYS)


def category_check(name: str, asset: str, description: str, blocking: bool = False) -> dg.AssetCheckSpec:
    """An asset check evaluated per category partition, so each category shows its own latest result.

    Partitioned checks are a preview API in Dagster 1.13; they are what the UI needs here, so the
    preview warning is silenced where they are declared.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.AssetCheckSpec(name, asset=asset, blocking=blocking, description=description,
                                 partitions_def=category_partitions)
