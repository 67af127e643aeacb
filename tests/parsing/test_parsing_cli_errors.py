"""Bad command lines for `python -m parsing`: each exits non-zero with exactly one line on stderr
and no traceback (issue 12). Every case is a real subprocess, as a user would run it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from parsing_archive_builder import ArchiveWriter
from perf import hostile_pages

REPO = Path(__file__).resolve().parents[2]


def _files(tmp: Path) -> dict[str, Path]:
    """The bad inputs, built once per test: name → path."""
    files = {
        "empty": b"",
        "blank": b"  \n\t ",
        "binary": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        "gzip": b"\x1f\x8b\x08\x00" + b"\x00" * 64,
        "not_product": b"<html><head><title>Help</title></head><body><p>Contact us</p></body></html>",
        "captcha": b"<html><head><title>Robot Check</title></head><body>Type the characters you see in this image"
                   b" <form action='/errors/validateCaptcha'></form></body></html>",
        "nested": hostile_pages.nested_page(5_000),
        "timeline_other_schema": json.dumps({"reviews": [1, 2]}).encode(),
        "timeline_truncated": b'{"profileId": "amzn1.account.A1", "contributions": [{"id": "R1", ',
        "timeline_missing_field": json.dumps({"contributions": [{"id": "R1", "review": {"rating": 5}}]}).encode(),
    }
    paths = {}
    for name, body in files.items():
        path = tmp / f"{name}.html"
        path.write_bytes(body)
        paths[name] = path
    (tmp / "folder").mkdir()
    paths["folder"] = tmp / "folder"
    (tmp / "not_archive").mkdir()
    (tmp / "not_archive" / "notes.txt").write_text("hello")
    paths["not_archive"] = tmp / "not_archive"
    paths["missing"] = tmp / "no-such-file.html"
    (tmp / "labels").mkdir()
    (tmp / "labels" / "lamp.html.json").write_text('{"title": "Lamp"}')
    paths["labels"] = tmp / "labels"
    archive = ArchiveWriter(tmp / "crawl")
    archive.add("http://x/dp/B000000001", "product", hostile_pages.product_page("Fine").encode())
    paths["archive"] = archive.raw
    return paths


# (name, argv with {placeholders} from _files, a word the one error line must contain)
CASES = [
    ("no command", [], "required"),
    ("unknown command", ["frobnicate"], "invalid choice"),
    ("unknown option", ["product", "{not_product}", "--nope"], "unrecognized"),
    ("product without file", ["product"], "file"),
    ("product --url without value", ["product", "{not_product}", "--url"], "--url"),
    ("product missing file", ["product", "{missing}"], "no such file"),
    ("product on a directory", ["product", "{folder}"], "directory"),
    ("product empty file", ["product", "{empty}"], "empty"),
    ("product whitespace file", ["product", "{blank}"], "empty"),
    ("product binary file", ["product", "{binary}"], "binary"),
    ("product gzip file", ["product", "{gzip}"], "binary"),
    ("product not a product page", ["product", "{not_product}"], "no product title"),
    ("product captcha", ["product", "{captcha}"], "captcha"),
    ("product nested too deep", ["product", "{nested}"], "too deep"),
    ("reviews missing file", ["reviews", "{missing}"], "no such file"),
    ("reviews on a directory", ["reviews", "{folder}"], "directory"),
    ("reviews empty file", ["reviews", "{empty}"], "empty"),
    ("reviews binary file", ["reviews", "{binary}"], "binary"),
    ("reviews on a non-review page", ["reviews", "{not_product}"], "not a review page"),
    ("reviews timeline of another schema", ["reviews", "{timeline_other_schema}"], "not a timeline"),
    ("reviews truncated timeline", ["reviews", "{timeline_truncated}"], "truncated"),
    ("reviews timeline missing a field", ["reviews", "{timeline_missing_field}"], "truncated review"),
    ("batch with one argument", ["batch", "{archive}"], "out_dir"),
    ("batch missing raw dir", ["batch", "{missing}", "{folder}"], "not a folder"),
    ("batch raw dir is a file", ["batch", "{not_product}", "{folder}"], "not a folder"),
    ("batch raw dir not an archive", ["batch", "{not_archive}", "{folder}"], "not a raw archive"),
    ("batch out dir is a file", ["batch", "{archive}", "{not_product}"], "not a folder"),
    ("accuracy missing labels dir", ["accuracy", "{missing}", "{folder}"], "not a folder"),
    ("accuracy without label files", ["accuracy", "{folder}", "{folder}"], "no label files"),
    ("accuracy label for a missing page", ["accuracy", "{labels}", "{folder}"], "not in"),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return _files(tmp_path_factory.mktemp("cli"))


@pytest.mark.parametrize("name,argv,word", CASES, ids=[c[0] for c in CASES])
def test_bad_command_line_is_one_line_error(files, name, argv, word):
    args = [part.format(**files) for part in argv]
    done = subprocess.run([sys.executable, "-m", "parsing", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=120)
    lines = done.stderr.splitlines()
    assert done.returncode != 0, (name, done.stdout[:300])
    assert len(lines) == 1, (name, done.stderr)
    assert "Traceback" not in done.stderr and lines[0].startswith("error: "), (name, done.stderr)
    assert word.lower() in lines[0].lower(), (name, lines[0])
    assert done.stdout == "", (name, done.stdout[:300])  # no half output before the error


def test_bad_manifest_line_is_quarantined_not_a_crash(tmp_path):
    archive = ArchiveWriter(tmp_path / "crawl")
    archive.add("http://x/dp/B000000001", "product", hostile_pages.product_page("Fine").encode())
    with archive.manifest.open("a") as handle:
        handle.write('{"url": 5}\n{"url": "http://x/dp/B000000002", "kind": "product", "status": "200"}\n')
    done = subprocess.run([sys.executable, "-m", "parsing", "batch", str(archive.raw), str(tmp_path / "bronze")],
                          capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["quarantined_by_reason"] == {"bad manifest line": 2}
    assert report["bad_manifest_lines"] == 2 and report["meta"] == 1 and report["yield"] == 1.0


def test_reviews_of_a_cut_off_page_exit_non_zero_after_the_whole_ones(tmp_path):
    body = hostile_pages.review_page(3)
    page = tmp_path / "cut.html"
    page.write_bytes(body[:body.rfind(b"Body of review 2") + 4])
    done = subprocess.run([sys.executable, "-m", "parsing", "reviews", str(page), "--url", hostile_pages.REVIEW_URL],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert "truncated review" in done.stderr and "R000000002X" in done.stderr
    assert [json.loads(line)["text"] for line in done.stdout.splitlines()] == ["Body of review 0.", "Body of review 1."]
