"""What could not be parsed: one row per page with its source, kind, reason and an excerpt.

Nothing is dropped silently: every page that yields no record lands here, and the counts
by reason go into the batch's yield report ("312 pages, 3 quarantined: 2 truncated, 1 captcha").
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa

QUARANTINE_SCHEMA = pa.schema([
    ("source", pa.string()),   # the URL (or file) the page came from
    ("kind", pa.string()),     # product | timeline | ... (the manifest's page kind)
    ("reason", pa.string()),   # short and countable: captcha, truncated, empty, binary, ...
    ("excerpt", pa.string()),  # the first characters of the body, or the error's detail
])
EXCERPT_CHARS = 300


def excerpt(body: bytes | str | None, detail: str = "") -> str:
    """A short, printable look at what was there: text as text, binary as hex."""
    if body is None or len(body) == 0:
        return detail
    if isinstance(body, str):
        text = body[:EXCERPT_CHARS]
    elif b"\x00" in body[:1024]:
        text = "binary: " + body[:48].hex()
    else:
        text = body[: EXCERPT_CHARS * 4].decode("utf-8", "replace")[:EXCERPT_CHARS]
    return f"{detail} | {text}" if detail else text


@dataclass
class Quarantine:
    rows: list[dict] = field(default_factory=list)

    def add(self, source: str, kind: str, reason: str, body: bytes | str | None = None, detail: str = "") -> None:
        self.rows.append({"source": source, "kind": kind, "reason": reason, "excerpt": excerpt(body, detail)})

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(row["reason"] for row in self.rows).items()))

    def __len__(self) -> int:
        return len(self.rows)

    def to_table(self) -> pa.Table:
        rows = sorted(self.rows, key=lambda r: (r["source"], r["kind"], r["reason"], r["excerpt"]))
        return pa.Table.from_pylist(rows, schema=QUARANTINE_SCHEMA)
