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
PREVIEW_ROWS = 5


def output(path: str | Path, rows: int | None = None, schema: pa.Schema | None = None) -> dict:
    """Where an output lives, with its row count and column schema when known."""
    metadata: dict = {"path": dg.MetadataValue.path(str(path)), "dagster/uri": str(path)}
    if rows is not None:
        metadata["dagster/row_count"] = int(rows)
    if schema is not None:
        metadata["dagster/column_schema"] = column_schema(schema)
    return metadata


def table(columns: list[str], rows: list, cell_chars: int | None = None) -> str:
    """A Markdown table; each row is a dict (read by column name) or a sequence of cells.

    Cells are escaped (`|`, line breaks) so a value can never break the table, and cut at `cell_chars`."""
    def cell(value) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")[:cell_chars]

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        values = [row.get(c) for c in columns] if isinstance(row, dict) else row
        lines.append("| " + " | ".join(cell(v) for v in values) + " |")
    return "\n".join(lines)


def reason_counts(counts: dict[str, int], unit: str) -> str:
    """A quarantine's counts by reason (every room reports them) as a Markdown table."""
    if not counts:
        return "nothing quarantined"
    return table(["reason", unit], sorted(counts.items()))


def preview(data: pa.Table, columns: list[str], cell_chars: int, rows: int = PREVIEW_ROWS) -> str:
    """The first rows of `data` as a Markdown table."""
    first = data.select(columns).slice(0, rows).to_pylist()
    return table(columns, first, cell_chars) if first else "_no rows_"


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
