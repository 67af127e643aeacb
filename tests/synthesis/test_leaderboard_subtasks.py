"""The leaderboard's four subtask columns (seqrec, CF, short search, complex search)."""
from __future__ import annotations

import pytest

from benchmark.leaderboard import TASK_AVERAGE, aggregate, scores_frame, subtask, write_report

METRIC = {"seqrec": "ndcg@10", "cf": "ndcg@20", "search": "ndcg@100"}
# (task, dataset): {encoder: main score}. Two encoders; the complex sets are recognised by name.
SCORES = {
    ("seqrec", "Video_Games"): {"E1": 0.030, "E2": 0.020},
    ("seqrec", "ml_1m"): {"E1": 0.150, "E2": 0.170},
    ("cf", "Books"): {"E1": 0.040, "E2": 0.030},
    ("search", "esci"): {"E1": 0.200, "E2": 0.100},
    ("search", "amazon_c4"): {"E1": 0.120, "E2": 0.200},
    ("search", "reddit_movies"): {"E1": 0.040, "E2": 0.060},
}


def results():
    for (task, dataset), scores in SCORES.items():
        for encoder, score in scores.items():
            yield {"task": task, "dataset": dataset, "encoder": encoder,
                   "test": {METRIC[task]: score, "recall@100": min(1.0, score * 3)}}


def test_subtask_of_a_result():
    assert subtask({"task": "search", "dataset": "esci"}) == "search_short"
    assert subtask({"task": "search", "dataset": "sandbox"}) == "search_short"
    assert subtask({"task": "search", "dataset": "amazon_c4_sandbox"}) == "search_complex"
    assert subtask({"task": "search", "dataset": "reddit_movies"}) == "search_complex"
    assert subtask({"task": "search", "dataset": "mine", "subtask": "search_complex"}) == "search_complex"
    assert subtask({"task": "cf", "dataset": "amazon_c4"}) == "cf"


def test_average_of_tasks_weighs_four_subtasks_equally():
    table = aggregate(scores_frame(results()))
    groups = [c[0] for c in table.columns if c[1] == "avg"]
    assert groups == ["seqrec", "cf", "search_short", "search_complex"]
    # By hand: E1 = mean(seqrec (0.03+0.15)/2, cf 0.04, short 0.2, complex (0.12+0.04)/2) = mean(0.09, 0.04, 0.2, 0.08)
    assert table.loc["E1", ("all", TASK_AVERAGE)] == pytest.approx((0.09 + 0.04 + 0.20 + 0.08) / 4)
    assert table.loc["E2", ("all", TASK_AVERAGE)] == pytest.approx((0.095 + 0.03 + 0.10 + 0.13) / 4)
    # Had search been one column, E1 would average (0.09, 0.04, 0.12): the split changes the number.
    assert table.loc["E1", ("all", TASK_AVERAGE)] != pytest.approx((0.09 + 0.04 + 0.12) / 3)


def test_report_has_subtask_headers_and_search_detail(tmp_path):
    report = write_report(list(results()), tmp_path)
    markdown = (tmp_path / "leaderboard.md").read_text()
    for header in ("Short search: esci", "Complex search: amazon_c4", "Complex search avg", "Short search avg"):
        assert header in report["markdown"]
    assert "## Search sets" in markdown
    assert "| Complex search: reddit_movies | E2 | 6.00 | 18.00 |" in markdown  # NDCG@100 and Recall@100 ×100
    pairs = {frozenset((p["a"], p["b"])) for p in report["pearson"]}  # every pair of search sets, both kinds
    assert pairs == {frozenset(("esci", "amazon_c4")), frozenset(("esci", "reddit_movies")),
                     frozenset(("amazon_c4", "reddit_movies"))}
