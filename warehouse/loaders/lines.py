"""Reading JSON-lines sources: every line an object, or quarantined with the reason."""
from __future__ import annotations

import json
from pathlib import Path

from parsing.quarantine import Quarantine


def json_lines(path: Path, quarantine: Quarantine, kind: str):
    """(line number, object) for every line that is a JSON object; others are quarantined."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                quarantine.add_line(path, number, kind, "invalid JSON", line, error.msg)
                continue
            if not isinstance(record, dict):
                quarantine.add_line(path, number, kind, "not a JSON object", line)
                continue
            yield number, record
