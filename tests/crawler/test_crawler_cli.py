"""`python -m crawler` with bad command lines, run as a user runs it (a subprocess): each exits
non-zero with exactly one line on stderr and no traceback, before any work (nothing is made)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

OUT = "{tmp}/out"

BAD = [
    # base URL
    (["crawl", "--out", OUT, "--base-url", "ftp://example.org/"], "--base-url"),
    (["crawl", "--out", OUT, "--base-url", "file:///etc/passwd"], "--base-url"),
    (["crawl", "--out", OUT, "--base-url", "http://"], "--base-url"),
    (["crawl", "--out", OUT, "--base-url", ""], "--base-url"),
    (["crawl", "--out", OUT, "--base-url", "example.org"], "--base-url"),
    (["crawl", "--out", OUT, "--base-url", "javascript:alert(1)"], "--base-url"),
    # the reviewer pool
    (["crawl", "--out", OUT, "--users", "0"], "--users"),
    (["crawl", "--out", OUT, "--users", "-1"], "--users"),
    (["crawl", "--out", OUT, "--users", "ten"], "--users"),
    # the output folder
    (["crawl"], "--out"),
    (["crawl", "--out", ""], "--out"),
    (["crawl", "--out", "/etc/passwd"], "not a folder"),
    (["crawl", "--out", "/etc/passwd/crawl"], "is a file"),
    # numeric settings
    (["crawl", "--out", OUT, "--min-delay-s", "-1"], "--min-delay-s"),
    (["crawl", "--out", OUT, "--min-delay-s", "nan"], "--min-delay-s"),
    (["crawl", "--out", OUT, "--concurrency", "0"], "--concurrency"),
    (["crawl", "--out", OUT, "--max-body-bytes", "0"], "--max-body-bytes"),
    (["crawl", "--out", OUT, "--max-pages-per-host", "-5"], "--max-pages-per-host"),
    (["crawl", "--out", OUT, "--read-timeout-s", "inf"], "--read-timeout-s"),
    (["crawl", "--out", OUT, "--jitter", "x"], "--jitter"),
    (["crawl", "--out", OUT, "--categories", "../etc"], "--categories"),
    # the sandbox
    (["crawl", "--out", OUT, "--sandbox", "{tmp}"], "not a generated sandbox"),
    (["crawl", "--out", OUT, "--sandbox", "{tmp}/missing"], "not a generated sandbox"),
    # stats
    (["stats", "--out", "{tmp}"], "holds no crawl"),
    (["stats", "--out", "{tmp}/missing"], "holds no crawl"),
    (["stats", "--out", "{tmp}/notacrawl"], "not a crawl"),
    (["stats"], "--out"),
    (["stats", "--out", ""], "--out"),
    # the command itself
    ([], "command"),
    (["fetch", "--out", OUT], "invalid choice"),
    (["crawl", "--out", OUT, "--no-such-option", "1"], "unrecognized"),
]


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    # In a scratch folder: a relative path a bug might fall back to lands there, not in the repository.
    return subprocess.run([sys.executable, "-m", "crawler", *argv], capture_output=True, text=True, timeout=60, cwd=cwd)


@pytest.mark.parametrize("argv, says", BAD, ids=[" ".join(a) or "(nothing)" for a, _ in BAD])
def test_a_bad_command_line_is_one_line_and_non_zero(tmp_path, argv, says):
    (tmp_path / "notacrawl" / "raw").mkdir(parents=True)
    (tmp_path / "notacrawl" / "raw" / "crawl.sqlite").write_bytes(b"this is not a database" * 100)
    done = run([a.format(tmp=tmp_path) for a in argv], tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in done.stderr, done.stderr
    assert says in lines[0]
    assert not (tmp_path / "out").exists()  # checked before any work: nothing was made


def test_a_crawl_of_an_unreachable_site_exits_non_zero(tmp_path):
    # A closed port: every request fails, so the crawl stored nothing and must not exit 0.
    done = run(["crawl", "--out", str(tmp_path / "out"), "--base-url", "http://127.0.0.1:9", "--no-progress",
                "--max-retries", "0", "--connect-timeout-s", "2"], tmp_path)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[-1].startswith("error: the crawl stored no page")
    assert "Traceback" not in done.stderr
    assert Path(tmp_path / "out" / "raw" / "crawl.sqlite").is_file()  # its failures are recorded
