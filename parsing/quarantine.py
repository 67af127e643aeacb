"""What could not be used: one row per page or source line with its source, kind, reason and an excerpt.

Nothing is dropped silently: every page that yields no record lands here, and the counts
by reason go into the batch's yield report ("312 pages, 3 quarantined: 2 truncated, 1 captcha").
The one shape for every room: the parser (source = URL), the release import and the dataset
loaders (source = `file:line`, kind = `reviews`/`meta` or `loader/<name>`).
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:  # pandas only for the loaders' frames: the parser's CLI does not pay its import
    import pandas as pd

QUARANTINE_SCHEMA = pa.schema([
    ("source", pa.string()),   # the URL the page came from, or `file:line` for a source line
    ("kind", pa.string()),     # product | timeline | ... (the manifest's page kind), reviews | meta, loader/<name>
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

    def add_line(self, file: str | PurePath, line: int, kind: str, reason: str, body: bytes | str | None = None,
                 detail: str = "") -> None:
        """A source line that could not be used: its source is `<file name>:<line>` (the name, not the path)."""
        self.add(f"{PurePath(file).name}:{line}", kind, reason, body, detail)

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(row["reason"] for row in self.rows).items()))

    def __len__(self) -> int:
        return len(self.rows)

    def to_table(self) -> pa.Table:
        rows = sorted(self.rows, key=lambda r: (r["source"], r["kind"], r["reason"], r["excerpt"]))
        return pa.Table.from_pylist(rows, schema=QUARANTINE_SCHEMA)

    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame with the schema's columns (also when empty)."""
        return self.to_table().to_pandas()

    def log(self, logger: logging.Logger, what: str) -> None:
        """One line with the counts by reason: a warning when anything was quarantined."""
        if self.rows:
            detail = ", ".join(f"{n} {reason}" for reason, n in self.counts().items())
            logger.warning("%s: %d lines quarantined: %s", what, len(self.rows), detail)
        else:
            logger.info("%s: 0 lines quarantined", what)
