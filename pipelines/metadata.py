"""Dagster metadata every asset reports the same way: the standard keys Dagster defines
(`dagster/row_count`, `dagster/column_schema`, `dagster/uri`), a path per output, owners and code
references."""
from __future__ import annotations

import warnings
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq

OWNERS = ["team:blair-data"]


def output(path: str | Path, rows: int | None = None, schema: pa.Schema | None = None) -> dict:
    """Where an output lives, with its row count and column schema when known."""
    metadata: dict = {"path": dg.MetadataValue.path(str(path)), "dagster/uri": str(path)}
    if rows is not None:
        metadata["dagster/row_count"] = int(rows)
    if schema is not None:
        metadata["dagster/column_schema"] = column_schema(schema)
    return metadata


def column_schema(schema: pa.Schema) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(field.name, str(field.type)) for field in schema])


def parquet_schema(files: list[Path]) -> pa.Schema | None:
    """The schema of the first file (every part of one output shares it), without reading rows."""
    return pq.read_schema(files[0]) if files else None


def with_conventions(assets: list) -> list:
    """Owners on every asset, and a link to its source file and line in the UI."""
    owned = dg.map_asset_specs(lambda spec: spec.replace_attributes(owners=OWNERS), assets)
    with warnings.catch_warnings():  # code references are a beta API: useful, and the warning is noise
        warnings.simplefilter("ignore", dg.BetaWarning)
        return list(dg.with_source_code_references(owned))
