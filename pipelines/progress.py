"""Progress lines in the Dagster run log while a long library call runs (crawls, Spark jobs, training).

The call runs in a worker thread; the step's own thread writes one line every `PROGRESS_EVERY_S`
seconds (what the call has done so far, elapsed time), so a watcher never sees a silent step.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
PROGRESS_EVERY_S = 20.0  # under the 30 s a watcher should ever wait for a sign of life


def run_with_progress(work: Callable[[], T], log, what: str, status: Callable[[], str] | None = None,
                      every_s: float = PROGRESS_EVERY_S) -> T:
    """`work()`, logging `what: <status()>, <elapsed> s` every `every_s` seconds until it returns."""
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="blair-step") as pool:
        future = pool.submit(work)
        while True:
            try:
                return future.result(timeout=every_s)
            except TimeoutError:
                detail = _safe(status) if status else "running"
                log.info(f"{what}: {detail}, {time.monotonic() - started:.0f} s so far")


def _safe(status: Callable[[], str]) -> str:
    try:
        return status()
    except Exception as error:  # noqa: BLE001 - a progress line must never fail the step
        return f"running (status unavailable: {type(error).__name__})"


def spark_status(session) -> Callable[[], str]:
    """Tasks done / total of the Spark stages running now."""
    def status() -> str:
        tracker = session.sparkContext.statusTracker()
        stages = [tracker.getStageInfo(s) for s in tracker.getActiveStageIds()]
        stages = [s for s in stages if s is not None]
        if not stages:
            return "Spark between stages"
        done = sum(s.numCompletedTasks for s in stages)
        total = sum(s.numTasks for s in stages)
        return f"Spark stages {', '.join(str(s.stageId) for s in stages)}: {done}/{total} tasks"
    return status
