"""Dagster partitions: per category (and batch, encoder × dataset), never per user or item."""
from __future__ import annotations

import os
import warnings

import dagster as dg

from parsing.categories import CATEGORIES, safe_category

_extra = [safe_category(c) for c in os.environ.get("BLAIR_CATEGORIES", "").split(",") if c]
category_partitions = dg.StaticPartitionsDefinition(sorted(set(CATEGORIES) | set(_extra)))

# Benchmark: encoder × dataset. Datasets are dynamic (keys `<task>.<dataset>`, e.g.
# `search.sandbox`), registered by the sensor in pipelines/assets/embeddings.py or by the demo.
ENCODERS = [e.strip() for e in os.environ.get("BLAIR_ENCODERS", "minilm,random").split(",") if e.strip()]
DATASETS_NAME = "benchmark_datasets"
dataset_partitions = dg.DynamicPartitionsDefinition(name=DATASETS_NAME)
encoder_dataset_partitions = dg.MultiPartitionsDefinition({
    "encoder": dg.StaticPartitionsDefinition(ENCODERS),
    "dataset": dataset_partitions,
})


def category_check(name: str, asset: str, description: str, blocking: bool = False) -> dg.AssetCheckSpec:
    """An asset check evaluated per category partition, so each category shows its own latest result.

    Partitioned checks are a preview API in Dagster 1.13; they are what the UI needs here, so the
    preview warning is silenced where they are declared.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.AssetCheckSpec(name, asset=asset, blocking=blocking, description=description,
                                 partitions_def=category_partitions)
