"""`python -m parsing accuracy LABELS_DIR PAGES_DIR`: parser output against hand labels, per field,
strict and after normalisation (issue 16)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from parsing.accuracy import matches, normalise, score
from perf import hostile_pages

REPO = Path(__file__).resolve().parents[2]


def test_matchers_refuse_what_differs():
    assert matches("title", "A b", "A b") and not matches("title", "A b", "a B")
    assert matches("title", "A  b!", "a B", normalise)  # spelling only: a normalised hit
    assert matches("features", ["x", "y"], [None, "y"]) and not matches("features", ["x"], [None, "y"])
    assert not matches("features", ["", "y"], [None, "y"])  # a wildcard still needs text
    details = {"Brand": "Acme", "Weight": "1 kg"}
    assert matches("details", details, {"keys": ["Brand", "Weight"], "values": {"Weight": "1 kg"}})
    assert not matches("details", details, {"keys": ["Weight", "Brand"]})
    assert not matches("details", details, {"values": {"Weight": "2 kg"}})
    assert matches("videos", [], {"count": 0}) and not matches("videos", [{"url": "u"}], {"count": 0})
    assert not matches("images", [{"large": "a"}], {"count": 1, "first": {"large": "b"}})
    assert matches("price", 9.99, 9.99) and not matches("price", None, 9.99)


def test_accuracy_command_scores_each_field(tmp_path):
    pages, labels = tmp_path / "pages", tmp_path / "labels"
    pages.mkdir()
    labels.mkdir()
    (pages / "lamp.html").write_bytes(hostile_pages.product_page("Desk Lamp, Black").encode())
    (labels / "lamp.html.json").write_text(json.dumps(
        {"title": "desk lamp black", "price": 9.99, "store": "Acme", "videos": {"count": 0}, "main_category": "Lamps"}))
    report = score(labels, pages)
    fields = report["fields"]
    assert fields["price"]["strict_pct"] == 100.0 and fields["store"]["strict_pct"] == 100.0
    assert fields["title"]["strict_pct"] == 0.0 and fields["title"]["normalised_pct"] == 100.0
    assert fields["main_category"]["normalised_pct"] == 0.0
    assert {miss["field"] for miss in report["misses"]} == {"title", "main_category"}
    done = subprocess.run([sys.executable, "-m", "parsing", "accuracy", str(labels), str(pages)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1 pages, 2 strict misses" in done.stdout
    assert any(line.split()[:2] == ["title", "1"] and line.split()[2:] == ["0.0", "100.0"] for line in done.stdout.splitlines())
