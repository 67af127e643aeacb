"""Fixtures for the synthesis tests: a small silver lake (see `synthesis_lake`)."""
from __future__ import annotations

from pathlib import Path

import pytest

from synthesis_lake import write_lake


@pytest.fixture
def lake(tmp_path) -> tuple[Path, dict[int, tuple[str, str]]]:
    root = tmp_path / "lake"
    return root, write_lake(root)
