"""Move Spark's staged output into the lake one category at a time, and record a build manifest.

Spark writes a table to `<root>/.staging/<build>/...`; each finished `category=<Cat>` folder is
then renamed onto the table (parsing.atomic.replace_dir), replacing that category only. In a
build, `<root>` is the version being built (warehouse.versions): readers see none of it until
the whole version is published.
Spark's file names carry a random id and parquet-mr's footers vary between JVMs; files are
renamed to `part-<task>.parquet` and re-encoded by pyarrow, so the same inputs give the same
file names and bytes.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from parsing.atomic import atomic_path, replace_dir
from warehouse import layout

_SPARK_PART = re.compile(r"^part-(\d+)-.*\.parquet$")
REPO = Path(__file__).resolve().parents[1]


def _rewrite(path: Path, target: Path) -> None:
    """Re-encode a Spark Parquet file with pyarrow: parquet-mr writes each column's encodings from a
    hash set whose order changes from one JVM to the next, so its bytes are not reproducible."""
    source = pq.ParquetFile(path)
    tmp = target.with_name(f".{target.name}.tmp")
    with pq.ParquetWriter(tmp, source.schema_arrow, compression="zstd") as writer:
        for batch in source.iter_batches(batch_size=1 << 20):
            writer.write_table(pa.Table.from_batches([batch], schema=source.schema_arrow))
    os.replace(tmp, target)
    if path != target:
        path.unlink()


def _tidy(folder: Path) -> None:
    """Drop Spark's marker/checksum files; give data files deterministic names and bytes.
    Files are re-encoded in parallel: pyarrow releases the GIL while it decodes and compresses."""
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            match = _SPARK_PART.match(path.name)
            if match:
                parts.append((path, path.with_name(f"part-{int(match.group(1)):05d}.parquet")))
            elif not path.name.endswith(".parquet"):
                path.unlink()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(lambda pair: _rewrite(*pair), parts))


def publish_table(staged: Path, final: Path, categories: list[str]) -> None:
    """Swap each category partition of `staged` onto `final`; a category with no rows becomes empty."""
    for category in categories:
        src = layout.partition(staged, category)
        if not src.exists():
            src.mkdir(parents=True)
        _tidy(src)
        replace_dir(src, layout.partition(final, category))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_entries(root: Path, folders: list[Path]) -> list[dict]:
    """Path, rows, bytes and sha256 of every Parquet file under `folders`. Paths are relative to
    `root` (`silver/...` in a version folder, as in the data root), else to the data root."""
    entries = []
    base = layout.data_root(root)
    for folder in folders:
        for path in layout.parquet_files(folder):
            name = (path.relative_to(root).as_posix() if path.is_relative_to(root)
                    else path.relative_to(base).as_posix() if path.is_relative_to(base) else str(path))
            entries.append({"path": name, "rows": pq.ParquetFile(path).metadata.num_rows,
                            "bytes": path.stat().st_size, "sha256": sha256_file(path)})
    return entries


def code_version() -> str:
    """`git describe` of the checkout when there is one, else the installed package version."""
    try:
        out = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty", "--tags"],
                             capture_output=True, text=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("amazon-reviews-blair")
    except PackageNotFoundError:
        return "unknown"


def new_build_id() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"


def write_manifest(root: str | Path, build_id: str, step: str, categories: list[str],
                   inputs: list[Path], outputs: list[Path], settings: dict, counts: dict) -> Path:
    """`<data root>/manifests/<build>/<step>.json`: inputs and outputs (files, rows, sha256), code version."""
    root = Path(root)
    manifest = {
        "build_id": build_id, "step": step, "categories": categories,
        "written_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "code_version": code_version(), "settings": settings, "counts": counts,
        "inputs": file_entries(root, inputs),
        "outputs": file_entries(root, outputs),
    }
    path = layout.manifests(root) / build_id / f"{step}.json"
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True, default=str))
    return path


def clear_staging(staged: Path) -> None:
    shutil.rmtree(staged, ignore_errors=True)


def _lock_free(lock: Path) -> bool:
    """True when no live process holds `lock` (an flock dies with its process, so a killed build frees it)."""
    try:
        with open(lock, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
    except BlockingIOError:
        return False
    except OSError:
        return True


@contextlib.contextmanager
def claim_staging(root: str | Path, build_id: str):
    """Hold `<root>/.staging/<build_id>.lock` while a build runs, and first remove the staging
    folders of older builds whose lock nobody holds: what a killed build left behind."""
    staging = layout.staging(root)
    staging.mkdir(parents=True, exist_ok=True)
    lock = staging / f"{build_id}.lock"
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        for path in sorted(staging.iterdir()):
            name = path.name.removesuffix(".lock")
            # Build ids start with a UTC time: only older ones; a running build holds its lock.
            if name < build_id and _lock_free(staging / f"{name}.lock"):
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        try:
            yield staging / build_id
        finally:
            shutil.rmtree(staging / build_id, ignore_errors=True)
            lock.unlink(missing_ok=True)
