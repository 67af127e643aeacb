"""Table 3 per task dataset (`benchmark_stats`), on task inputs written here with known figures."""
from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture()
def root(tmp_path):
    from warehouse.tasks import write_task

    items = pd.DataFrame({"item_id": ["a", "b", "c"], "title": ["A", "B", "C"], "text_full": ["abcd", "ab", "é"]})
    rows = lambda users: pd.DataFrame({"user_id": users, "history": [["a"]] * len(users),  # noqa: E731
                                       "target": ["b"] * len(users), "timestamp": list(range(len(users)))})
    write_task(tmp_path, "seqrec", "Toys", {"items": items, "train": rows(["u1", "u1", "u2"]),
                                           "valid": rows(["u1"]), "test": rows(["u3"])})
    write_task(tmp_path, "search", "ESCI", {
        "items": items, "queries": pd.DataFrame({"query_id": ["q1", "q2"], "query": ["red shoe", "ball"]}),
        "qrels": pd.DataFrame({"query_id": ["q1", "q1", "q2"], "item_id": ["a", "b", "c"], "relevance": [1.0] * 3})})
    return tmp_path


def test_table3_figures(root):
    from warehouse.stats import compute_benchmark_stats

    rows = {(r["task"], r["dataset"]): r for r in compute_benchmark_stats(root).to_pylist()}
    assert set(rows) == {("seqrec", "Toys"), ("search", "ESCI")}
    seqrec = rows["seqrec", "Toys"]
    assert (seqrec["items"], seqrec["train"], seqrec["valid"], seqrec["test"]) == (3, 3, 1, 1)
    assert seqrec["items_per_user"] == round(5 / 3, 4)  # 5 interactions, users u1 u2 u3
    assert seqrec["meta_chars"] == round((4 + 2 + 1) / 3, 2)  # characters, not bytes ("é" is one)
    assert seqrec["queries"] is None and seqrec["query_chars"] is None
    search = rows["search", "ESCI"]
    assert (search["items"], search["queries"], search["test"]) == (3, 2, 3)
    assert search["query_chars"] == 6.0 and search["train"] is None


def test_table3_is_a_duckdb_view(root):
    from warehouse import catalog
    from warehouse.stats import compute_benchmark_stats

    compute_benchmark_stats(root)
    catalog.refresh(root)
    got = catalog.query(root, "SELECT task, dataset, items FROM benchmark_stats ORDER BY task")
    assert got.to_dict("records") == [{"task": "search", "dataset": "ESCI", "items": 3},
                                      {"task": "seqrec", "dataset": "Toys", "items": 3}]
