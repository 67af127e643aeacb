"""The official Amazon Reviews 2023 record schemas: the single source of truth.

Field names, types and order follow the published release (DESIGN §3). Every stage
imports these; nobody redeclares a field list.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

import pyarrow as pa

REVIEW_IMAGE = pa.struct(
    [
        ("small_image_url", pa.string()),
        ("medium_image_url", pa.string()),
        ("large_image_url", pa.string()),
        ("attachment_type", pa.string()),
    ]
)

REVIEW_SCHEMA = pa.schema(
    [
        ("rating", pa.float64()),
        ("title", pa.string()),
        ("text", pa.string()),
        ("images", pa.list_(REVIEW_IMAGE)),
        ("asin", pa.string()),
        ("parent_asin", pa.string()),
        ("user_id", pa.string()),
        ("timestamp", pa.int64()),  # Unix milliseconds
        ("helpful_vote", pa.int64()),
        ("verified_purchase", pa.bool_()),
    ]
)

# Key order as in the official meta JSONL: thumb, large, variant, hi_res.
META_IMAGE = pa.struct(
    [
        ("thumb", pa.string()),
        ("large", pa.string()),
        ("variant", pa.string()),
        ("hi_res", pa.string()),
    ]
)
META_VIDEO = pa.struct([("title", pa.string()), ("url", pa.string()), ("user_id", pa.string())])

META_SCHEMA = pa.schema(
    [
        ("main_category", pa.string()),
        ("title", pa.string()),
        ("average_rating", pa.float64()),
        ("rating_number", pa.int64()),
        ("features", pa.list_(pa.string())),
        ("description", pa.list_(pa.string())),
        ("price", pa.float64()),
        ("images", pa.list_(META_IMAGE)),
        ("videos", pa.list_(META_VIDEO)),
        ("store", pa.string()),
        ("categories", pa.list_(pa.string())),
        ("details", pa.map_(pa.string(), pa.string())),
        ("parent_asin", pa.string()),
        ("bought_together", pa.list_(pa.string())),
        ("subtitle", pa.string()),
        ("author", pa.string()),
    ]
)

# Fields a record may omit (the release writes them only for books and media).
OPTIONAL_META_FIELDS = frozenset({"subtitle", "author"})
# Fields that may be null in a record that is otherwise valid.
NULLABLE = {
    "review": frozenset(),
    "meta": frozenset({"price", "bought_together", "subtitle", "author", "store", "main_category",
                       "average_rating", "rating_number", "title"}),
}
NULLABLE_STRUCT_FIELDS = frozenset({"hi_res", "user_id", "title", "attachment_type",
                                    "small_image_url", "medium_image_url", "large_image_url"})

SCHEMAS = {"review": REVIEW_SCHEMA, "meta": META_SCHEMA}


@dataclass(frozen=True)
class Violation:
    """One thing wrong with one record: which record, which field, and why."""

    record: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"record {self.record}: {self.field}: {self.reason}"


class SchemaViolation(ValueError):
    """Raised by `ensure_valid` with every violation found, not just the first."""

    def __init__(self, violations: list[Violation]):
        self.violations = violations
        shown = "; ".join(str(v) for v in violations[:10])
        more = f" (+{len(violations) - 10} more)" if len(violations) > 10 else ""
        super().__init__(f"{len(violations)} schema violation(s): {shown}{more}")


def _check_value(value: Any, dtype: pa.DataType, path: str, nullable: bool, out: list[tuple[str, str]]):
    if value is None:
        if not nullable:
            out.append((path, "is null"))
        return
    if pa.types.is_string(dtype):
        if not isinstance(value, str):
            out.append((path, f"expected str, got {type(value).__name__}"))
    elif pa.types.is_floating(dtype):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.append((path, f"expected float, got {type(value).__name__}"))
        elif isinstance(value, float) and math.isnan(value):
            out.append((path, "is NaN"))
    elif pa.types.is_integer(dtype):
        if isinstance(value, bool) or not isinstance(value, int):
            out.append((path, f"expected int, got {type(value).__name__}"))
    elif pa.types.is_boolean(dtype):
        if not isinstance(value, bool):
            out.append((path, f"expected bool, got {type(value).__name__}"))
    elif pa.types.is_map(dtype):
        if not isinstance(value, dict):
            out.append((path, f"expected object, got {type(value).__name__}"))
            return
        for k, v in value.items():
            if not isinstance(k, str) or not isinstance(v, str):
                out.append((f"{path}[{k!r}]", "map keys and values must be str"))
    elif pa.types.is_list(dtype):
        if not isinstance(value, list):
            out.append((path, f"expected list, got {type(value).__name__}"))
            return
        for i, item in enumerate(value):
            _check_value(item, dtype.value_type, f"{path}[{i}]", False, out)
    elif pa.types.is_struct(dtype):
        if not isinstance(value, dict):
            out.append((path, f"expected object, got {type(value).__name__}"))
            return
        names = {f.name for f in dtype}
        for extra in sorted(set(value) - names):
            out.append((f"{path}.{extra}", "unknown field"))
        for f in dtype:
            if f.name not in value:
                out.append((f"{path}.{f.name}", "missing"))
            else:
                _check_value(value[f.name], f.type, f"{path}.{f.name}", f.name in NULLABLE_STRUCT_FIELDS, out)


def validate_records(records: Iterable[dict], kind: str) -> list[Violation]:
    """Check records against the official schema (`kind` is "review" or "meta").

    Reports every violation as (record index, field path, reason) instead of stopping
    at the first, so a batch can be quarantined with precise reasons.
    """
    schema = SCHEMAS[kind]
    names = set(schema.names)
    violations: list[Violation] = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            violations.append(Violation(index, "<record>", f"expected object, got {type(record).__name__}"))
            continue
        found: list[tuple[str, str]] = []
        for extra in sorted(set(record) - names):
            found.append((extra, "unknown field"))
        for f in schema:
            if f.name not in record:
                if not (kind == "meta" and f.name in OPTIONAL_META_FIELDS):
                    found.append((f.name, "missing"))
                continue
            _check_value(record[f.name], f.type, f.name, f.name in NULLABLE[kind], found)
        violations.extend(Violation(index, field, reason) for field, reason in found)
    return violations


def ensure_valid(records: list[dict], kind: str) -> None:
    violations = validate_records(records, kind)
    if violations:
        raise SchemaViolation(violations)


def _to_arrow_value(record: dict, kind: str) -> dict:
    if kind == "meta":
        out = {name: record.get(name) for name in META_SCHEMA.names}
        details = out.get("details")
        if isinstance(details, dict):
            out["details"] = list(details.items())
        return out
    return {name: record.get(name) for name in REVIEW_SCHEMA.names}


def to_table(records: list[dict], kind: str) -> pa.Table:
    """Records (dicts as in the official JSONL) → an Arrow table in the official schema."""
    schema = SCHEMAS[kind]
    return pa.Table.from_pylist([_to_arrow_value(r, kind) for r in records], schema=schema)


def from_table(table: pa.Table, kind: str) -> list[dict]:
    """An Arrow table → records as in the official JSONL (details as an object).

    Meta records omit `subtitle`/`author` when null, as the release does.
    """
    records = table.select(SCHEMAS[kind].names).to_pylist()
    if kind == "meta":
        for record in records:
            if record.get("details") is not None:
                record["details"] = dict(record["details"])
            for name in OPTIONAL_META_FIELDS:
                if record.get(name) is None:
                    record.pop(name, None)
    return records
