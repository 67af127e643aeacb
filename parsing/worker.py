"""A function run in a worker process under a wall-clock budget per call.

A parser stuck in C (libxml2, Lexbor) cannot be interrupted from Python: no signal handler
runs until the C call returns. So `parsing batch` hands each page to a worker process and waits
at most the page's budget; a page that runs past it is reported as `PageError("time budget")`
and the worker is killed and replaced, so one page can never stall a batch.
"""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable

from parsing.errors import PageError

_START_TIMEOUT_S = 120.0  # a fresh interpreter importing the parsers; not part of any page's budget


def _serve(conn, function) -> None:
    conn.send(("ready", None))
    while True:
        try:
            args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", function(*args)))
        except PageError as error:
            conn.send(("page", (error.reason, error.detail)))
        except Exception as error:  # noqa: BLE001 - reported to the caller, who quarantines the page
            conn.send(("bug", f"{type(error).__name__}: {error}"))


class BudgetedWorker:
    """`worker.call(*args)` runs `function(*args)` in a child process, at most `budget_s` seconds.

    `function` must be importable by name (it is sent to a spawned interpreter). PageErrors come
    back as PageErrors, other exceptions as `PageError("parser error")`; a call past the budget
    raises `PageError("time budget")`, a dead worker `PageError("parser crash")`.
    """

    def __init__(self, function: Callable, budget_s: float):
        self.function = function
        self.budget_s = budget_s
        self._process = None
        self._conn = None

    def __enter__(self) -> "BudgetedWorker":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")  # no inherited threads or locks (Dagster, Spark)
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, self.function), daemon=True,
                                        name="parsing-worker")
        self._process.start()
        child.close()
        if not self._conn.poll(_START_TIMEOUT_S):
            self.stop()
            raise RuntimeError("the parsing worker process did not start")
        self._conn.recv()

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join()
            self._conn.close()
        self._process = self._conn = None

    def call(self, *args):
        if self._process is None:
            self._start()
        try:
            self._conn.send(args)
            if not self._conn.poll(self.budget_s):
                self.stop()
                raise PageError("time budget", f"parsing ran past the page budget of {self.budget_s:g} s")
            status, value = self._conn.recv()
        except (EOFError, OSError) as error:  # BrokenPipeError is an OSError
            self.stop()
            raise PageError("parser crash", f"the worker process died ({type(error).__name__})") from error
        if status == "ok":
            return value
        if status == "page":
            raise PageError(*value)
        raise PageError("parser error", value)
