"""The archive checks itself when a crawl starts on an existing folder (a resume or a later run).

Every body the frontier knows (`bodies`: sha256 → pack, offset, length) is read back from its
pack, its length checked and its sha256 compared (parsing.raw_archive.read_body, the one reader
of the format). A pack is checked once per (size, mtime): packs of ended runs never change, so
a later start rereads only what changed since (a truncated or rewritten pack, a new run's packs).

A damaged or missing body is forgotten (its `bodies` row deleted, so a fetch of the same bytes
stores them anew instead of pointing a new manifest line into the damaged ones) and every URL
whose manifest line points at it is queued again. New bytes always go to the new run's own pack,
so nothing is ever appended after a damaged tail.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from crawler.frontier import Frontier, fingerprint
from parsing.raw_archive import BodyError, iter_manifest, read_body

log = logging.getLogger(__name__)


def check_archive(raw: Path, frontier: Frontier) -> dict[str, int]:
    """Verify every pack that changed since its last check; repair the frontier. Returns counts."""
    damaged: dict[tuple[str, int], str] = {}  # (pack, offset) → sha256
    checked = 0
    for path in frontier.body_packs():
        try:
            st = os.stat(raw / path)
            stamp = [st.st_size, st.st_mtime_ns]
        except FileNotFoundError:
            stamp = None
        key = f"verified:{path}"
        if stamp is not None and frontier.get(key) == stamp:
            continue
        checked += 1
        bad, end = 0, 0
        for sha, offset, length in frontier.bodies_in(path):
            try:
                read_body(raw, {"path": path, "offset": offset, "length": length, "sha256": sha})
                end = max(end, offset + length)
            except BodyError as error:
                damaged[(path, offset)] = sha
                bad += 1
                log.debug("damaged body %s at %s+%d: %s", sha, path, offset, error)
        if stamp is not None and stamp[0] > end:  # a torn member of a killed run: named by no line, never appended to
            log.info("archive pack %s: %d bytes after its last good body are ignored", path, stamp[0] - end)
        if bad:
            log.warning("archive pack %s: %d damaged or missing bodies", path, bad)
        elif stamp is not None:
            frontier.put(key, stamp)
    if not damaged:
        return {"archive/packs_checked": checked} if checked else {}
    urls = {entry["url"] for _, entry in iter_manifest(raw)
            if (entry.get("path"), entry.get("offset")) in damaged}
    frontier.drop_bodies(list(damaged.values()))
    requeued = frontier.requeue_many([fingerprint(url) for url in urls])
    log.warning("archive self-check: %d damaged bodies; %d pages queued to be fetched again", len(damaged), requeued)
    return {"archive/packs_checked": checked, "archive/damaged_bodies": len(damaged), "archive/requeued": requeued}
