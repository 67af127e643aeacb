"""Reading the crawler's raw archive (CONTRACTS §3) without importing the crawler.

    <raw>/bodies/pack-<run>-<n>.gz            gzip members back to back; a line's body is the
                                              member at its `offset`, `length` bytes long
    <raw>/bodies/<sha256[:2]>/<sha256>.gz     (archives written before packs) one file per body
    <raw>/manifest/part-<run>-<n>.jsonl       one line per fetch; the last line for a URL wins
                                              (timelines: every successful fetch, see entries_to_parse)
"""
from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path
from typing import Iterator

from isal import igzip, isal_zlib

RAW_DIR = "raw"  # the archive's folder in a crawl's output folder (and in the data root)


class BodyError(Exception):
    """The manifest points at a body that is missing, corrupt, or not the bytes it hashed."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


def resolve_raw_dir(path: str | Path) -> Path:
    """Accept the crawl's output folder or its `raw/` folder; return the one with `manifest/`."""
    path = Path(path)
    for candidate in (path, path / RAW_DIR):
        if (candidate / "manifest").is_dir():
            return candidate
    raise FileNotFoundError(f"no raw archive (a manifest/ folder) in {path} or {path / RAW_DIR}")


# A manifest line's fields and the types they may have (None: absent); CONTRACTS §3.
_FIELD_TYPES = {"url": (str,), "kind": (str, type(None)), "path": (str, type(None)), "status": (int, type(None)),
                "sha256": (str, type(None)), "content_type": (str, type(None)), "fetched_at": (str, type(None)),
                "final_url": (str, type(None))}  # offset and length: checked by read_body


def manifest_problem(entry) -> str | None:
    """Why a parsed manifest line cannot be used (a field of the wrong type), or None."""
    if not isinstance(entry, dict):
        return "not a JSON object"
    if not entry.get("url"):
        return "no url"
    for name, types in _FIELD_TYPES.items():
        value = entry.get(name)
        if not isinstance(value, types) or isinstance(value, bool):
            return f"{name} is {type(value).__name__}, not {types[0].__name__}"
    return None


def iter_manifest(raw: Path, rejected: list | None = None) -> Iterator[tuple[int, dict]]:
    """(line number across parts, entry) in write order; torn or garbled lines are skipped
    (a killed crawl may leave half a last line). A whole JSON line with fields of the wrong
    type is skipped too, and appended to `rejected` as (line number, reason, the line's text)."""
    number = 0
    for part in sorted((raw / "manifest").glob("part-*.jsonl")):
        with part.open("rb") as handle:
            for line in handle:
                number += 1
                if not line.endswith(b"\n"):
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                problem = manifest_problem(entry)
                if problem is None:
                    yield number, entry
                elif rejected is not None:
                    rejected.append((number, problem, line.decode("utf-8", "replace").strip()))


def latest_entries(raw: Path) -> list[dict]:
    """The last manifest line for each URL, sorted by URL (a deterministic order)."""
    latest: dict[str, dict] = {}
    for _, entry in iter_manifest(raw):
        latest[entry["url"]] = entry
    return [latest[url] for url in sorted(latest)]


def entries_to_parse(raw: Path, every_success_kinds: tuple[str, ...] = ("timeline",),
                     rejected: list | None = None) -> list[dict]:
    """The manifest lines a batch parses, in a deterministic order.

    For most kinds the last line for a URL wins. For `every_success_kinds` (timelines),
    every successful fetch with a distinct body is kept: an incremental re-crawl refetches a
    timeline's first page under the same URL, and the reviews it pushed to later pages must
    not be lost; contribution ids dedupe what two fetches both hold. A timeline URL that never
    succeeded keeps its last line, so its failure is quarantined. Unusable lines go to `rejected`
    (see `iter_manifest`).
    """
    latest: dict[str, dict] = {}
    successes: dict[str, dict[str, dict]] = {}
    for _, entry in iter_manifest(raw, rejected):
        url = entry["url"]
        latest[url] = entry
        ok = entry.get("status") == 200 and not entry.get("error") and entry.get("path")
        if entry.get("kind") in every_success_kinds and ok:
            successes.setdefault(url, {})[entry.get("sha256") or entry["path"]] = entry
    chosen: list[dict] = []
    for url in sorted(latest):
        kept = successes.get(url)
        if kept:
            chosen.extend(sorted(kept.values(), key=lambda e: (e.get("fetched_at") or "", e["path"], e.get("offset") or 0)))
        else:
            chosen.append(latest[url])
    return chosen


def read_body(raw: Path, entry: dict) -> bytes:
    rel = entry.get("path")
    if not rel:
        raise BodyError("no body", "the manifest line names no body")
    target = (raw / rel).resolve()
    if raw.resolve() not in target.parents:
        raise BodyError("bad path", rel)
    offset, length = entry.get("offset"), entry.get("length")
    if offset is not None and not (isinstance(offset, int) and isinstance(length, int) and offset >= 0 and length > 0):
        raise BodyError("bad path", f"{rel} at offset {offset!r}, length {length!r}")
    try:
        with target.open("rb") as handle:
            if offset is None:  # a file of its own
                packed = handle.read()
            else:
                handle.seek(offset)
                packed = handle.read(length)
    except FileNotFoundError as error:
        raise BodyError("missing body", rel) from error
    if offset is not None and len(packed) != length:
        raise BodyError("missing body", f"{rel} ends before byte {offset + length}")
    try:
        body = igzip.decompress(packed)  # ISA-L: the same gzip, decoded in a fraction of zlib's time
    except (OSError, EOFError, zlib.error, isal_zlib.error) as error:
        raise BodyError("corrupt body", f"{rel}: {error}") from error
    sha = entry.get("sha256")
    if sha and hashlib.sha256(body).hexdigest() != sha:
        raise BodyError("checksum mismatch", rel)
    return body
