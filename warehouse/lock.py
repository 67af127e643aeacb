"""One writer per data root: `<root>/.writer.lock`, an fcntl lock that names its holder.

Every step that writes the lake (build, export, catalog refresh) holds it; a second writer fails
at once with a message naming the holder (pid, host, start time) instead of waiting or mixing
its output with the first one's. The kernel drops an flock when its process dies, so the lock of
a killed writer is free again and the next writer simply takes it over (and rewrites the holder
line). Not re-entrant (a second take in the same process, any thread, is busy too): a step
that holds it calls the lock-free part of another (`catalog.write` inside a build).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import socket
from pathlib import Path

from parsing.cli import CliError

LOCK_NAME = ".writer.lock"


class WriterBusy(CliError):
    """Another process is writing this data root."""


def lock_path(root: str | Path) -> Path:
    return Path(root) / LOCK_NAME


def holder(root: str | Path) -> dict:
    """What the lock file says about its (last) holder; {} when unreadable."""
    try:
        return json.loads(lock_path(root).read_text() or "{}")
    except (OSError, ValueError):
        return {}


@contextlib.contextmanager
def writer_lock(root: str | Path, what: str = "write"):
    """Hold the data root's writer lock for the block, or raise WriterBusy at once."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with open(lock_path(root), "a+") as handle:  # closing it releases the flock
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            info = holder(root)
            raise WriterBusy(f"data root {root} is being written by pid {info.get('pid', '?')} on host "
                             f"{info.get('host', '?')} ({info.get('what', 'a writer')} since "
                             f"{info.get('started', '?')}); try again when it has finished") from None
        handle.seek(0)
        handle.truncate()  # the holder line stays after release, as a record of the last writer
        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "what": what,
                                 "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}))
        handle.flush()
        yield
