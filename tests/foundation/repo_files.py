"""The repository's files, for tests that read the source: git's list in a checkout, else a walk of
the tree (an exported copy) without build outputs, data and hidden folders."""
from __future__ import annotations

import fnmatch
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SKIP = {".venv", "data", "dagster_home", "__pycache__", "node_modules"}


def tracked(*patterns: str) -> list[Path]:
    """Files matching any of `patterns` (by name: `*.py`, `Makefile`)."""
    done = subprocess.run(["git", "ls-files", "--", *patterns], cwd=REPO, capture_output=True, text=True)
    if done.returncode == 0 and done.stdout:
        return [REPO / p for p in done.stdout.split() if (REPO / p).is_file()]
    return sorted(p for p in REPO.rglob("*") if p.is_file()
                  and not any(part in SKIP or part.startswith(".") for part in p.relative_to(REPO).parts)
                  and any(fnmatch.fnmatch(p.name, pattern) for pattern in patterns))
