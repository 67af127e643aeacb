"""Result files: one JSON per run key at `<root>/results/<task>/<dataset>/<encoder>--<key>.json`.

A run's key (`settings_key`) hashes everything that changes its numbers: the task, the dataset
and a fingerprint of its content, the encoder's settings and revision, the item text, the
adaptor and width, the learning-rate grid, the epoch cap, the other task options, the seed and
the protocol version. Runs whose keys differ never share a file; an identical key is served
from the cache (`cached_result`). Each file holds those settings, the chosen learning rate,
validation and test metrics, timings, library versions and the git revision. A search result
has its per-query top-k beside it (`rankings_path`).
"""
from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from benchmark.embeddings import path_name
from parsing.atomic import atomic_path, write_parquet
from warehouse import layout

REPO = Path(__file__).resolve().parents[1]
TASKS = ("seqrec", "cf", "search")
KEY_SEPARATOR = "--"  # <encoder>--<key>.json (warehouse.catalog reads the names from the JSON, not the file name)


def settings_key(settings: dict) -> str:
    """A short, stable hash of a run's settings (JSON-able; key order does not matter)."""
    blob = json.dumps(settings, sort_keys=True, default=_jsonable, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def dataset_fingerprint(frames: dict[str, pd.DataFrame]) -> str:
    """A hash of a task dataset's content (every frame's columns, types and rows, in order): a
    rebuilt or edited dataset gets a new run key, whatever SPEC named it."""
    digest = hashlib.sha256()
    for name in sorted(frames):
        frame = frames[name]
        digest.update(json.dumps([name, list(map(str, frame.columns)), list(map(str, frame.dtypes))]).encode())
        # List cells (seqrec histories) are not hashable: hash their joined text instead.
        flat = frame.assign(**{c: frame[c].map(_flat) for c in frame.columns if frame[c].dtype == object})
        digest.update(pd.util.hash_pandas_object(flat, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def _flat(value):
    if isinstance(value, (list, tuple, np.ndarray)):
        return "\x1f".join(map(str, value))
    return value


def result_path(root: str | Path, task: str, dataset: str, encoder: str, key: str | None) -> Path:
    """The result file of a run key; without a key (numbers imported from elsewhere, e.g. a
    paper's tables) `<encoder>.json`."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {TASKS}")
    name = path_name(encoder) + (f"{KEY_SEPARATOR}{key}" if key else "")
    return layout.results(root) / task / path_name(dataset) / f"{name}.json"


def path_of(root: str | Path, result: dict) -> Path:
    """Where `result` (with task, dataset, encoder and, for a run, its key) is filed."""
    return result_path(root, result["task"], result["dataset"], result["encoder"], result.get("key"))


def rankings_path(result_file: Path) -> Path:
    """The per-query rankings beside a search result file."""
    return result_file.with_name(result_file.name.removesuffix(".json") + ".rankings.parquet")


def cached_result(root: str | Path, task: str, dataset: str, encoder: str, key: str) -> dict | None:
    path = result_path(root, task, dataset, encoder, key)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        return None  # an unreadable file is recomputed (writes are atomic, so this is rare)


def write_result(root: str | Path, result: dict, rankings: pa.Table | None = None) -> Path:
    """Write `result` (needs task, dataset, encoder; a run also its key) atomically, and its rankings first
    when given (a result file present means its rankings are too); returns the result's path."""
    path = path_of(root, result)
    if rankings is not None:
        write_parquet(rankings, rankings_path(path))
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(result, indent=2, sort_keys=True, default=_jsonable) + "\n")
    return path


def _jsonable(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def git_revision() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def environment() -> dict:
    """Library versions and the code revision that produced a result."""
    import numpy
    import torch
    import transformers

    return {"python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "numpy": numpy.__version__,
            "platform": platform.platform(), "git": git_revision()}


def iter_results(root: str | Path) -> Iterator[dict]:
    """Every result JSON under `<root>/results` (a results folder itself is accepted too)."""
    base = Path(root)
    if layout.results(base).is_dir():
        base = layout.results(base)
    for path in sorted(base.glob("*/*/*.json")):
        try:
            yield json.loads(path.read_text())
        except json.JSONDecodeError:
            continue
