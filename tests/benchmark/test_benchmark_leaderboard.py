"""Aggregation against hand-computed values: averages, Borda with ties, correlations; the report."""
from __future__ import annotations

import numpy as np
import pytest

from benchmark.leaderboard import AVERAGE, BORDA, COVERAGE, TASK_AVERAGE, aggregate, borda, scores_frame, search_pearson, \
    spearman_with, write_report
from benchmark.results import iter_results, write_result

SCORES = {  # (task, dataset): {encoder: main score}
    ("seqrec", "ds1"): {"A": 0.10, "B": 0.20, "C": 0.20},
    ("seqrec", "ds2"): {"A": 0.30, "B": 0.10},
    ("cf", "ds3"): {"A": 0.05, "B": 0.05, "C": 0.01},
    ("search", "ds4"): {"A": 0.40, "B": 0.20, "C": 0.30},
    ("search", "ds5"): {"A": 0.50, "B": 0.30, "C": 0.10},
}
METRIC = {"seqrec": "ndcg@10", "cf": "ndcg@20", "search": "ndcg@100"}


def results():
    for (task, dataset), by_encoder in SCORES.items():
        for encoder, score in by_encoder.items():
            yield {"task": task, "dataset": dataset, "encoder": encoder,
                   "test": {METRIC[task]: score, "recall@50": 0.99}}


def test_borda_with_ties_by_hand():
    points = borda(scores_frame(results()))
    # ds1: A 0, B and C tie above A → share places 1 and 2 → 1.5 each; ds2: A 1, B 0;
    # ds3: A and B tie above C → 1.5 each; ds4: A 2, C 1, B 0; ds5: A 2, B 1, C 0.
    assert points.to_dict() == {"A": 6.5, "B": 4.0, "C": 2.5}


def test_averages_by_hand():
    table = aggregate(scores_frame(results()))
    assert list(table.index) == ["A", "B", "C"]  # sorted by the average of task averages
    a, c = table.loc["A"], table.loc["C"]
    assert a[("seqrec", "avg")] == pytest.approx(0.2) and a[("search_short", "avg")] == pytest.approx(0.45)
    assert a[("all", AVERAGE)] == pytest.approx((0.1 + 0.3 + 0.05 + 0.4 + 0.5) / 5)
    assert a[("all", TASK_AVERAGE)] == pytest.approx((0.2 + 0.05 + 0.45) / 3)
    assert c[("seqrec", "avg")] == pytest.approx(0.2)  # C has only ds1
    assert c[("all", AVERAGE)] == pytest.approx((0.2 + 0.01 + 0.3 + 0.1) / 4)
    assert c[("all", BORDA)] == 2.5
    assert table[("all", COVERAGE)].to_dict() == {"A": 5, "B": 5, "C": 4}


def test_correlations():
    scores = scores_frame(results())
    table = aggregate(scores)
    # MTEB ranks A > C > B; the benchmark ranks A > B > C: d = (0, 1, 1) → ρ = 1 − 6·2/(3·8) = 0.5.
    assert spearman_with(table, {"A": 60, "B": 50, "C": 55, "Z": 70})["rho"] == pytest.approx(0.5)
    [pair] = search_pearson(scores)
    assert (pair["a"], pair["b"], pair["n"]) == ("ds4", "ds5", 3)
    assert pair["r"] == pytest.approx(np.corrcoef([0.4, 0.2, 0.3], [0.5, 0.3, 0.1])[0, 1])


def test_report_files_from_result_json(tmp_path):
    for result in results():
        write_result(tmp_path, result)
    assert (tmp_path / "results/search/ds4/A.json").exists()
    read = list(iter_results(tmp_path))
    assert len(read) == sum(len(v) for v in SCORES.values()) == 14
    report = write_report(read, tmp_path / "report", reference={"A": 60, "B": 50, "C": 55})
    markdown = (tmp_path / "report/leaderboard.md").read_text()
    assert "| A |" in markdown and "6.5" in markdown and "Spearman" in markdown
    assert "Short search: ds4" in report["markdown"] and "40.00" in report["markdown"]
    for name in ("leaderboard.html", "leaderboard.png", "mteb.png"):
        assert (tmp_path / "report" / name).stat().st_size > 500
