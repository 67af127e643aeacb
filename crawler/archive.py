"""The raw archive (CONTRACTS §3): gzip bodies appended to pack files, and a JSONL manifest.

    <raw>/bodies/pack-<run>-<n>.gz         gzip members back to back, one per distinct body
    <raw>/manifest/part-<run>-<n>.jsonl    one line per request outcome; the last line for a URL wins

A body is the member at [offset, offset + length) of its pack, named by its manifest line.
Packs are append-only and each run writes its own, so a killed run can leave at most a torn
member at the end of its last pack, which no manifest line names. Appending to one open file
costs a write; a file per body cost a create and a rename (~150 µs of kernel time a page).
Which bodies are already stored (dedup by sha256) is the frontier's `bodies` table. Reading the
archive back is the parser's job: `parsing.raw_archive` is the one reader.

A manifest line is written with one os.write on an O_APPEND descriptor, so a killed process
leaves whole lines; readers still skip a torn last line rather than fail.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from isal import isal_zlib

KEPT_HEADERS = ("etag", "last-modified", "retry-after", "content-length")
COMPRESS_LEVEL = 1  # ISA-L level 1: about zlib level 6's ratio on HTML at a fifth of zlib level 3's CPU
GZIP_WBITS = 31  # a gzip member (header mtime 0: the same body always gives the same bytes)
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # one encoder, not one per line


class BodyLocation(NamedTuple):
    """Where a stored body lives: the manifest line's `path`, `offset` and `length`."""

    path: str  # relative to raw/
    offset: int
    length: int  # gzip bytes


def iso_utc(unix: float) -> str:
    return datetime.fromtimestamp(unix, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Archive:
    def __init__(self, raw_dir: Path, run_id: str, part_lines: int = 100_000, pack_bytes: int = 1 << 30):
        self.root = Path(raw_dir)
        self.run_id = run_id
        self.part_lines = part_lines
        self.pack_bytes = pack_bytes
        (self.root / "bodies").mkdir(parents=True, exist_ok=True)
        (self.root / "manifest").mkdir(parents=True, exist_ok=True)
        self._part = 0
        self._lines = 0
        self._fd: int | None = None
        self._pack = 0
        self._pack_fd: int | None = None
        self._pack_rel = ""
        self._pack_size = 0

    # -- bodies -------------------------------------------------------------------------
    @staticmethod
    def compress(body: bytes) -> bytes:
        """The gzip member of a body (releases the GIL: large bodies are compressed on a thread)."""
        return isal_zlib.compress(body, COMPRESS_LEVEL, wbits=GZIP_WBITS)

    def append_member(self, member: bytes) -> BodyLocation:
        """Append one compressed body to the open pack. Event-loop only: offsets are handed out in order."""
        if self._pack_fd is None or self._pack_size >= self.pack_bytes:
            self._open_next_pack()
        offset = self._pack_size
        view = memoryview(member)
        while view:  # a regular file takes it in one write; a short write is finished, not lost
            view = view[os.write(self._pack_fd, view):]
        self._pack_size += len(member)
        return BodyLocation(self._pack_rel, offset, len(member))

    def _open_next_pack(self) -> None:
        if self._pack_fd is not None:
            os.close(self._pack_fd)
        self._pack += 1
        self._pack_rel = f"bodies/pack-{self.run_id}-{self._pack:05d}.gz"
        self._pack_fd = os.open(self.root / self._pack_rel, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._pack_size = os.fstat(self._pack_fd).st_size

    # -- manifest -----------------------------------------------------------------------
    def append(self, entry: dict) -> None:
        if self._fd is None or self._lines >= self.part_lines:
            self._open_next_part()
        line = (_to_json(entry) + "\n").encode()
        os.write(self._fd, line)
        self._lines += 1

    def _open_next_part(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        self._part += 1
        path = self.root / "manifest" / f"part-{self.run_id}-{self._part:05d}.jsonl"
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._lines = 0

    def close(self) -> None:
        for name in ("_fd", "_pack_fd"):
            if getattr(self, name) is not None:
                os.close(getattr(self, name))
                setattr(self, name, None)

