"""Field accuracy of the product parser against hand labels: `python -m parsing accuracy
LABELS_DIR PAGES_DIR`.

A label file `<page file name>.json` in LABELS_DIR holds, for the metadata fields a person checked
by reading the page (the others are not scored), what the record must hold:

    a plain JSON value                exactly that value (`null`: the page does not show it)
    features: [text | null, ...]      that many bullets; `null`: any non-empty text
    details: {"keys": [...], "values": {...}}   keys in page order, and these key → value pairs
    images / videos: {"count": n, "first": {...}}   n entries, the first holding these pairs
    description: {"first_starts": "..."}            the first paragraph starts so

Each field is scored strictly and after normalisation (Unicode NFKC, case, punctuation and
whitespace folded, numbers to cents), so a miss that is only spelling shows as such.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

from parsing.errors import PageError
from parsing.product import parse_product

_PUNCTUATION = re.compile(r"[^\w\s]")


def normalise(value):
    """The form two values are compared in after normalisation."""
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).casefold()
        return " ".join(_PUNCTUATION.sub(" ", text).split())
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        return {normalise(k): normalise(v) for k, v in value.items()}
    return value


def matches(field: str, got, label, norm=lambda v: v) -> bool:
    """Whether a record's `field` value `got` agrees with its label (see the module's doc)."""
    if field == "features" and isinstance(label, list):
        return isinstance(got, list) and len(got) == len(label) and all(
            bool(g) if want is None else norm(g) == norm(want) for g, want in zip(got, label))
    if field == "details" and isinstance(label, dict) and set(label) <= {"keys", "values"}:
        got = got or {}
        keys_ok = "keys" not in label or norm(list(got)) == norm(label["keys"])
        return keys_ok and all(norm(got.get(k)) == norm(v) for k, v in label.get("values", {}).items())
    if field in ("images", "videos") and isinstance(label, dict):
        got = got or []
        first = label.get("first", {})
        return len(got) == label.get("count", len(got)) and (
            not first or bool(got) and all(norm(got[0].get(k)) == norm(v) for k, v in first.items()))
    if field == "description" and isinstance(label, dict):
        return bool(got) and norm(got[0]).startswith(norm(label["first_starts"]))
    return norm(got) == norm(label)


def score(labels_dir: str | Path, pages_dir: str | Path) -> dict:
    """{"pages": n, "fields": {field: {"labelled", "strict", "normalised", ...}}, "misses": [...]}."""
    labels_dir, pages_dir = Path(labels_dir), Path(pages_dir)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"labelled": 0, "strict": 0, "normalised": 0})
    misses, pages = [], 0
    for label_file in sorted(labels_dir.glob("*.json")):
        page = pages_dir / label_file.stem
        if not page.is_file():
            raise FileNotFoundError(f"{label_file.name} labels {page.name}, which is not in {pages_dir}")
        labels = json.loads(label_file.read_text(encoding="utf-8"))
        try:
            record = parse_product(page.read_bytes())
        except PageError as error:
            record = {}
            misses.append({"page": page.name, "field": "*", "error": str(error)})
        pages += 1
        for field, label in labels.items():
            got = record.get(field)
            strict, loose = matches(field, got, label), matches(field, got, label, normalise)
            tally = counts[field]
            tally["labelled"] += 1
            tally["strict"] += strict
            tally["normalised"] += loose
            if not strict:
                misses.append({"page": page.name, "field": field, "got": got, "label": label})
    fields = {}
    for field, tally in sorted(counts.items()):
        fields[field] = {**tally, "strict_pct": round(100 * tally["strict"] / tally["labelled"], 1),
                         "normalised_pct": round(100 * tally["normalised"] / tally["labelled"], 1)}
    return {"pages": pages, "fields": fields, "misses": misses}


def table(report: dict) -> str:
    """The report as an aligned text table, one line per field."""
    lines = [f"{'field':<16}{'labelled':>9}{'strict %':>10}{'normalised %':>14}"]
    for field, row in report["fields"].items():
        lines.append(f"{field:<16}{row['labelled']:>9}{row['strict_pct']:>10}{row['normalised_pct']:>14}")
    return "\n".join(lines) + f"\n{report['pages']} pages, {len(report['misses'])} strict misses"
