"""The shared one-line error wrapper: usage errors, input errors and bugs all end in one line."""
from __future__ import annotations

import pytest

from parsing.cli import ArgumentParser, CliError, run_cli


def _main(argv):
    parser = ArgumentParser(prog="tool")
    parser.add_argument("--n", type=int, required=True)
    args = parser.parse_args(argv)
    if args.n < 0:
        raise CliError("--n must be >= 0")
    if args.n == 1:
        open("/nonexistent/file")
    if args.n == 2:
        raise RuntimeError("line one\nline two")
    return 0


@pytest.mark.parametrize("argv, code, message", [
    (["--n", "x"], 2, "error: tool: argument --n: invalid int value: 'x' (see --help)"),
    ([], 2, "error: tool: the following arguments are required: --n (see --help)"),
    (["--n", "-1"], 1, "error: --n must be >= 0"),
    (["--n", "1"], 1, "error: FileNotFoundError: No such file or directory: /nonexistent/file"),
    (["--n", "2"], 1, "error: RuntimeError: line one line two"),
])
def test_every_failure_is_one_line(capsys, monkeypatch, argv, code, message):
    monkeypatch.delenv("BLAIR_DEBUG", raising=False)
    assert run_cli(_main, argv) == code
    err = capsys.readouterr().err
    assert err.splitlines() == [message]


def test_success_and_debug(monkeypatch):
    assert run_cli(_main, ["--n", "0"]) == 0
    monkeypatch.setenv("BLAIR_DEBUG", "1")
    with pytest.raises(RuntimeError):
        run_cli(_main, ["--n", "2"])
