"""One-line errors for every command line of the project.

Inputs come from outside, so a bad one is normal, not a crash: every CLI parses with
`ArgumentParser` (an argparse parser whose errors are one line) and runs its body through
`run_cli`, which turns any exception into `error: <what went wrong>` on stderr and a non-zero
exit. `BLAIR_DEBUG=1` in the environment re-raises instead, for the full traceback.
It lives in `parsing` because that is the room every other room may import.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

USAGE_EXIT = 2  # a bad command line (argparse's own convention)
INPUT_EXIT = 1  # a good command line whose input or work failed
INTERRUPT_EXIT = 130


class CliError(Exception):
    """A bad input the user can fix; the message is the whole story (no traceback)."""

    def __init__(self, message: str, exit_code: int = INPUT_EXIT):
        super().__init__(message)
        self.exit_code = exit_code


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (`prog: error: ...`) instead of usage + error."""

    def error(self, message: str):  # noqa: D401 - argparse's hook
        raise CliError(f"{self.prog}: {message} (see --help)", USAGE_EXIT)


def number(kind: type = int, *, minimum: float | None = None, above: float | None = None,
           maximum: float | None = None) -> Callable[[str], float]:
    """An argparse `type=`: `kind(text)` within the bounds, else a one-line reason."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a {'whole ' if kind is int else ''}number: {text!r}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
        if minimum is not None and value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {text}")
        if above is not None and not value > above:
            raise argparse.ArgumentTypeError(f"must be above {above}, not {text}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}, not {text}")
        return value
    return parse


def one_line(error: BaseException) -> str:
    """The error as a single line: its message with whitespace collapsed, else its type."""
    text = " ".join(str(error).split())
    if isinstance(error, CliError):
        return text
    if isinstance(error, OSError) and error.filename is not None:
        text = f"{error.strerror or type(error).__name__}: {error.filename}"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def run_cli(main: Callable[[Sequence[str] | None], int | None], argv: Sequence[str] | None = None) -> int:
    """Run `main(argv)`; return its exit code, or print one line and return non-zero on error."""
    try:
        return int(main(argv) or 0)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return INTERRUPT_EXIT
    except SystemExit as stop:  # argparse --help and explicit exits keep their code
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else INPUT_EXIT)
    except BaseException as error:  # noqa: BLE001 - the point is that nothing escapes as a traceback
        if os.environ.get("BLAIR_DEBUG") == "1":
            raise
        print(f"error: {one_line(error)}", file=sys.stderr)
        return getattr(error, "exit_code", INPUT_EXIT)
