"""Long steps write a progress line at a steady beat, return the call's result and pass on its error."""
from __future__ import annotations

import time

import pytest

from pipelines.assets.crawl import crawl_status
from pipelines.progress import run_with_progress


class Log:
    def __init__(self):
        self.lines: list[str] = []

    def info(self, line: str) -> None:
        self.lines.append(line)


def test_a_slow_call_logs_progress_until_it_returns():
    log, calls = Log(), []

    def status() -> str:
        calls.append(1)
        return f"{len(calls)} checks"

    assert run_with_progress(lambda: time.sleep(0.35) or 42, log, "slow step", status, every_s=0.1) == 42
    assert len(log.lines) >= 2
    assert log.lines[0].startswith("slow step: 1 checks, ") and log.lines[-1].endswith(" s so far")


def test_a_fast_call_is_silent_and_errors_pass_through():
    log = Log()
    assert run_with_progress(lambda: "done", log, "quick", every_s=5) == "done" and log.lines == []

    def fail():
        time.sleep(0.15)
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        run_with_progress(fail, log, "failing", every_s=0.05)
    assert log.lines and all(line.startswith("failing: running") for line in log.lines)


def test_a_broken_status_never_fails_the_step():
    log = Log()
    assert run_with_progress(lambda: time.sleep(0.15) or 1, log, "x", lambda: 1 / 0, every_s=0.05) == 1
    assert "status unavailable: ZeroDivisionError" in log.lines[0]


def test_crawl_status_reads_this_runs_counters():
    from crawler.stats import Stats

    stats = Stats()
    stats.inc("downloader/request_count", 7)
    stats.inc("response/ok", 5)
    stats.inc("failure/reason_count/http_503", 2)
    stats.inc("item_scraped_count/reviews", 30)
    assert crawl_status(stats)() == "7 requests, 5 pages stored, 2 failed, 30 reviews seen"
