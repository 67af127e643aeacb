"""Shared fixtures: paths to ../shared/fixtures (skip cleanly when absent), one Spark session."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """The real public data in ../shared/fixtures; tests that need it skip when it is absent."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip("../shared/fixtures is absent (a fresh clone does not have it)")
    return SHARED_FIXTURES


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the whole test run (each JVM start costs seconds)."""
    from warehouse.spark import get_spark

    session = get_spark(master="local[2]", app_name="tests")
    yield session
    session.stop()
