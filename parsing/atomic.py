"""Atomic writes: write aside, then rename, so a killed run never leaves a half file that looks
whole (DESIGN §3). The one writer of every room (parsing imports nothing of ours, so it lives here)."""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


@contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary sibling path; on success rename it onto `path` (file or folder)."""
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)) / final.name
    try:
        yield tmp
        if final.is_dir() and not final.is_symlink():
            # Swap folders: move the old one aside first, so readers see old or new, never a mix.
            old = final.parent / f".{final.name}.old-{os.getpid()}"
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp.parent, ignore_errors=True)


def write_parquet(table: pa.Table, path: str | os.PathLike) -> Path:
    """Write one Parquet file atomically with deterministic settings (same data → same bytes)."""
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", write_statistics=True)
    return Path(path)


def write_text(text: str, path: str | os.PathLike) -> Path:
    """Write one UTF-8 text file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def replace_dir(src: str | os.PathLike, final: str | os.PathLike) -> Path:
    """Move a finished folder onto `final` (same filesystem): readers see the old or the new one."""
    src, final = Path(src), Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.is_dir() and not final.is_symlink():
        old = final.parent / f".{final.name}.old-{os.getpid()}"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
        os.replace(src, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(src, final)
    # A swap killed between its two renames left `.<name>.old-<pid>` behind: the new folder is in now.
    for stale in final.parent.glob(f".{final.name}.old-*"):
        shutil.rmtree(stale, ignore_errors=True)
    return final
