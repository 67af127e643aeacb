"""Fixtures for the benchmark tests: the offline MiniLM encoder, loaded once per session."""
from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def minilm():
    from benchmark.encoders import get_encoder

    return get_encoder("minilm", device="cpu", progress=False)


@pytest.fixture
def search_frames() -> dict[str, pd.DataFrame]:
    """A five-item search set with real product titles; q4's only relevant item is not in the pool."""
    return {
        "items": pd.DataFrame({
            "item_id": ["A1", "A2", "A3", "A4", "A5"],
            "title": ["Wireless noise cancelling headphones", "Stainless steel chef knife", "Organic green tea bags",
                      "Running shoes for men, lightweight", "Yoga mat with carrying strap"],
        }).assign(text_full=lambda f: f["title"]),
        "queries": pd.DataFrame({"query_id": ["q1", "q2", "q3", "q4"],
                                 "query": ["headphones for a long flight", "something to cut vegetables",
                                           "shoes for jogging", "a query whose item left the pool"]}),
        "qrels": pd.DataFrame({"query_id": ["q1", "q2", "q3", "q3", "q4", "q1"],
                               "item_id": ["A1", "A2", "A4", "A5", "GONE", "A3"],
                               "relevance": [1.0, 1.0, 2.0, 0.5, 1.0, 0.0]}),
    }
