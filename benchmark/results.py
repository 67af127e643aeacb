"""Result files: one JSON per (task, dataset, encoder) at `<root>/results/<task>/<dataset>/<encoder>.json`.

Each holds the config, seed, chosen learning rate, validation and test metrics, timings,
library versions and the git revision. `cached_result` lets a re-run skip what exists.
"""
from __future__ import annotations

import json
import platform
import subprocess
from collections.abc import Iterator
from pathlib import Path

from benchmark.embeddings import path_name
from warehouse.atomic import atomic_path

REPO = Path(__file__).resolve().parents[1]
TASKS = ("seqrec", "cf", "search")


def result_path(root: str | Path, task: str, dataset: str, encoder: str) -> Path:
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {TASKS}")
    return Path(root) / "results" / task / path_name(dataset) / f"{path_name(encoder)}.json"


def cached_result(root: str | Path, task: str, dataset: str, encoder: str) -> dict | None:
    path = result_path(root, task, dataset, encoder)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        return None  # an unreadable file is recomputed (writes are atomic, so this is rare)


def write_result(root: str | Path, result: dict) -> Path:
    """Write `result` (needs task, dataset, encoder) atomically; returns the path."""
    path = result_path(root, result["task"], result["dataset"], result["encoder"])
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
    if (base / "results").is_dir():
        base = base / "results"
    for path in sorted(base.glob("*/*/*.json")):
        try:
            yield json.loads(path.read_text())
        except json.JSONDecodeError:
            continue
