"""Dagster partitions: per category (and batch, encoder × dataset), never per user or item."""
from __future__ import annotations

import os

import dagster as dg

from parsing.categories import CATEGORIES, safe_category

_extra = [safe_category(c) for c in os.environ.get("BLAIR_CATEGORIES", "").split(",") if c]
category_partitions = dg.StaticPartitionsDefinition(sorted(set(CATEGORIES) | set(_extra)))
