"""Bad source lines, kept with a reason and a count instead of being dropped silently."""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

EXCERPT_CHARS = 200
COLUMNS = ("source", "line", "reason", "excerpt")


@dataclass
class Quarantine:
    """Collects (source, line number, reason, excerpt) for every line a loader could not use."""

    rows: list[dict] = field(default_factory=list)

    def add(self, source: str, line: int | None, reason: str, excerpt: object = "") -> None:
        self.rows.append({"source": str(source), "line": -1 if line is None else int(line),
                          "reason": reason, "excerpt": str(excerpt)[:EXCERPT_CHARS]})

    def __len__(self) -> int:
        return len(self.rows)

    def counts(self) -> dict[str, int]:
        return dict(Counter(row["reason"] for row in self.rows))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=list(COLUMNS)).astype({"line": "int64"})

    def log(self, logger: logging.Logger, what: str) -> None:
        if self.rows:
            detail = ", ".join(f"{n} {reason}" for reason, n in sorted(self.counts().items()))
            logger.warning("%s: %d lines quarantined: %s", what, len(self.rows), detail)
        else:
            logger.info("%s: 0 lines quarantined", what)
