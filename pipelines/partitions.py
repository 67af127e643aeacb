"""Dagster partitions: per category (and batch, encoder × dataset), never per user or item."""
from __future__ import annotations

import os

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
