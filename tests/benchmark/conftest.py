"""Fixtures for the benchmark tests: the offline MiniLM encoder, loaded once per session."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def minilm():
    from benchmark.encoders import get_encoder

    return get_encoder("minilm", device="cpu", progress=False)
