"""Every knob of the lake build in one typed object; the defaults are the official semantics (DESIGN §4)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

# Amazon opened its store in July 1995: a review before that is impossible.
AMAZON_LAUNCH_MS = 804556800000  # 1995-07-01T00:00:00Z
# A fixed upper bound (not "now"), so the same inputs always give the same flags.
LATEST_PLAUSIBLE_MS = 4102444800000  # 2100-01-01T00:00:00Z

# The numbers of the data rules (DESIGN §4), each defined here only: the lake build
# (LakeSettings), the outside-dataset loaders, the sandbox and the benchmark import them.
T1_MS = 1628643414042  # timestamp split: ts < t1 train
T2_MS = 1658002729837  # t1 <= ts < t2 valid, ts >= t2 test
MAX_HISTORY = 50  # seqrec: keep the last 50 history items
MAX_HISTORY_ML1M = 200  # ... and 200 for MovieLens-1M
DATA_SEED = 2024  # every seeded draw of the data: the CF split order, the search pools' negatives
CF_SPLIT = (4, 3, 3)  # CF pairs: train : valid : test
SAME_CATEGORY_NEGATIVES = 50  # ESCI / Amazon-C4 search pools: same-category items per (query, item)


@dataclass(frozen=True)
class LakeSettings:
    """Rules of the silver/gold build. Change them only knowingly: they define the benchmark."""

    cores: tuple[int, ...] = (0, 5)
    t1: int = T1_MS
    t2: int = T2_MS
    max_history: int = MAX_HISTORY
    cf_core: int = 0  # which k-core the CF pairs come from (0 keeps the small sandbox non-empty)
    cf_seed: int = DATA_SEED
    cf_ratio: tuple[int, int, int] = CF_SPLIT
    min_rating: float = 1.0
    max_rating: float = 5.0
    min_timestamp_ms: int = AMAZON_LAUNCH_MS
    max_timestamp_ms: int = LATEST_PLAUSIBLE_MS
    # Files per category partition of each Spark output: rows are hashed by user into this many
    # files, so the file set (and bytes) never depends on how Spark happened to schedule tasks.
    files_per_partition: int = 2
    # Below this many rows the k-core peeling runs on the driver (numpy, one pass per round) and
    # Spark only applies the result: each Spark round costs seconds of job overhead. 0 = always Spark.
    driver_kcore_max_rows: int = 2_000_000

# Published lake versions kept under `<root>/lake/` (the current one always among them): the
# older ones serve readers that opened them before a switch and build-to-build diffs.
KEEP_VERSIONS = 3

# How warehouse.duckdb holds the lake's relations (warehouse.catalog): `tables` copies them into the
# file (self-contained: the duckdb CLI opens it from any directory, and a copied root reads its own
# copy; a snapshot until the next refresh); `views` reads the Parquet in place (no copy, for lakes
# too big to copy; the paths are relative to the data root, so run the duckdb CLI from inside it).
WAREHOUSE_STORAGE_ENV = "BLAIR_WAREHOUSE_STORAGE"
WAREHOUSE_STORAGES = ("tables", "views")


def warehouse_storage(value: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """The catalog's storage: `value`, else the environment's, else `tables`; ValueError otherwise."""
    if value is None:
        value = environ.get(WAREHOUSE_STORAGE_ENV, "").strip().lower() or WAREHOUSE_STORAGES[0]
    if value not in WAREHOUSE_STORAGES:
        raise ValueError(f"warehouse storage {value!r} ({WAREHOUSE_STORAGE_ENV}): "
                         f"expected one of {', '.join(WAREHOUSE_STORAGES)}")
    return value
