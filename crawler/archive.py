"""The raw archive (CONTRACTS §3): gzip bodies addressed by sha256, and a JSONL manifest.

    <raw>/bodies/<sha[:2]>/<sha>.gz        written aside, then os.replace: never half a file
    <raw>/manifest/part-<run>-<n>.jsonl    one line per request outcome; the last line for a URL wins

A manifest line is written with one os.write on an O_APPEND descriptor, so a killed process
leaves whole lines; readers still skip a torn last line rather than fail.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from isal import isal_zlib

from parsing import raw_archive

KEPT_HEADERS = ("etag", "last-modified", "retry-after", "content-length")
COMPRESS_LEVEL = 1  # ISA-L level 1: about zlib level 6's ratio on HTML at a fifth of zlib level 3's CPU
GZIP_WBITS = 31  # a gzip member (header mtime 0: the same body always gives the same bytes)
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # one encoder, not one per line


def body_path(sha: str) -> str:
    return f"bodies/{sha[:2]}/{sha}.gz"


def iso_utc(unix: float) -> str:
    return datetime.fromtimestamp(unix, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Archive:
    def __init__(self, raw_dir: Path, run_id: str, part_lines: int = 100_000):
        self.root = Path(raw_dir)
        self.run_id = run_id
        self.part_lines = part_lines
        (self.root / "bodies").mkdir(parents=True, exist_ok=True)
        (self.root / "manifest").mkdir(parents=True, exist_ok=True)
        self._root = str(self.root)
        self._folders: set[str] = set()
        self._part = 0
        self._lines = 0
        self._fd: int | None = None

    # -- bodies -------------------------------------------------------------------------
    def store_body(self, body: bytes, sha: str | None = None) -> tuple[str, str]:
        """Store a body once; returns (sha256, path relative to raw/). Safe to call from a thread."""
        sha = sha or hashlib.sha256(body).hexdigest()
        rel = body_path(sha)
        target = os.path.join(self._root, rel)
        if not os.path.exists(target):
            folder = os.path.dirname(target)
            if folder not in self._folders:  # one mkdir per fan-out folder, not one per body
                os.makedirs(folder, exist_ok=True)
                self._folders.add(folder)
            tmp = os.path.join(folder, f".{sha}.{os.getpid()}.{threading.get_ident()}.tmp")
            with open(tmp, "wb") as f:
                f.write(isal_zlib.compress(body, COMPRESS_LEVEL, wbits=GZIP_WBITS))
            os.replace(tmp, target)
        return sha, rel

    def has(self, sha: str) -> bool:
        return (self.root / body_path(sha)).exists()

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
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


# Reading the archive is the parser's job (parsing.raw_archive); these adapt it to the
# crawler's shapes so there is one reader of the format.
def read_body(raw_dir: Path, rel: str) -> bytes:
    return raw_archive.read_body(Path(raw_dir), {"path": rel})


def iter_manifest(raw_dir: Path) -> Iterator[dict]:
    """Every manifest line in write order (parts sorted by name: run ids sort by time)."""
    return (entry for _, entry in raw_archive.iter_manifest(Path(raw_dir)))


def latest_entries(raw_dir: Path) -> dict[str, dict]:
    """URL → its last manifest line (for tests and small archives; the parsing batch streams)."""
    return {entry["url"]: entry for entry in raw_archive.latest_entries(Path(raw_dir))}
