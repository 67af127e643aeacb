"""Issue 18: a result is keyed by every setting that changes it, capped runs are marked, CF
searches the lr grid, search keeps per-query rankings, `explain` and the ablation commands."""
from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from benchmark import protocol
from benchmark.__main__ import main
from benchmark.leaderboard import write_report
from benchmark.results import iter_results, path_of, rankings_path
from benchmark.runner import run_one
from benchmark.tasks import synthetic
from warehouse.tasks import write_task


@pytest.fixture(scope="module")
def cf_frames() -> dict[str, pd.DataFrame]:
    frames, _ = synthetic.cf_frames(n_users=60, n_items=80, dim=16, seed=2)
    return frames


def cf_run(root, frames, **kwargs) -> dict:
    options = {"max_epochs": 2, "lr_grid": (1e-3,)} | kwargs.pop("options", {})
    return run_one("random", "cf", ("toy", frames), root, task_options=options, progress=False, device="cpu", **kwargs)


def trained(caplog) -> list[str]:
    """The epoch lines `benchmark.training.fit` logs: one per epoch it trains."""
    return [r.getMessage() for r in caplog.records if r.name == "benchmark.training" and " epoch " in r.getMessage()]


def test_every_setting_is_in_the_key_and_an_unchanged_run_is_cached(tmp_path, cf_frames, caplog):
    caplog.set_level(logging.INFO)
    pca = cf_run(tmp_path, cf_frames, adaptor="pca")
    assert len(trained(caplog)) == 2  # two epochs at one lr
    mrl = cf_run(tmp_path, cf_frames, adaptor="matryoshka")
    epochs = cf_run(tmp_path, cf_frames, adaptor="pca", options={"max_epochs": 3})
    lr = cf_run(tmp_path, cf_frames, adaptor="pca", options={"lr_grid": (3e-4,)})
    width = cf_run(tmp_path, cf_frames, adaptor="pca", width=8)
    runs = [pca, mrl, epochs, lr, width]
    assert len({r["key"] for r in runs}) == 5
    assert len({path_of(tmp_path, r) for r in runs}) == 5 and all(path_of(tmp_path, r).exists() for r in runs)
    # Each is labelled with what it ran.
    assert (pca["adaptor"]["adaptor"], mrl["adaptor"]["adaptor"]) == ("pca-whiten", "matryoshka")
    assert (pca["settings"]["adaptor"], mrl["settings"]["adaptor"]) == ("pca", "matryoshka")
    assert (pca["config"]["max_epochs"], epochs["config"]["max_epochs"], epochs["epochs"]) == (2, 3, 3)
    assert (pca["lr"], lr["lr"]) == (1e-3, 3e-4) and width["adaptor"]["width"] == 8
    # The random encoder is no Matryoshka model: PCA is its default, the others are variants.
    assert (pca["variant"], mrl["variant"], width["variant"]) == ([], ["adaptor=matryoshka"], ["width=8"])
    assert all(r["protocol"] == "capped" for r in runs)
    assert pca["deviations"] == ["max_epochs 2 < protocol 500", "lr grid [0.001] instead of protocol [0.001, 0.0003, 0.0001]"]

    # The same run again is served from the cache: no epoch trained, the file untouched.
    written = path_of(tmp_path, pca).stat().st_mtime_ns
    caplog.clear()
    again = cf_run(tmp_path, cf_frames, adaptor="pca")
    assert trained(caplog) == [] and path_of(tmp_path, pca).stat().st_mtime_ns == written
    assert (again["key"], again["created_at"], again["test"]) == (pca["key"], pca["created_at"], pca["test"])
    assert sum(1 for _ in iter_results(tmp_path)) == 5
    # "auto" resolves to the same adaptor as naming it: the same key.
    assert cf_run(tmp_path, cf_frames, adaptor="auto")["key"] == pca["key"] and trained(caplog) == []
    # Other data under the same name is another run, not the cached one.
    edited = cf_frames | {"train": cf_frames["train"].iloc[1:]}
    assert cf_run(tmp_path, edited, adaptor="pca")["key"] != pca["key"] and trained(caplog)


@pytest.mark.slow
def test_cf_on_ml100k_searches_the_lr_grid(shared_fixtures, tmp_path, caplog):
    """One epoch per rate (a capped run), but the protocol's whole grid, each rate's valid score kept."""
    caplog.set_level(logging.INFO)
    source = shared_fixtures / "movielens_ml100k_recbole"
    result = run_one("random", "cf", str(source), tmp_path, task_options={"max_epochs": 1, "context": False},
                     progress=False, device="cpu")
    grid = [repr(x) for x in protocol.CF_LR_GRID]
    assert result["dataset"] == "ml_100k" and sorted(result["per_lr"]) == sorted(grid)
    assert all(0 <= v <= 1 for v in result["per_lr"].values()) and result["valid_metric"] == "recall@20"
    assert result["per_lr"][repr(result["lr"])] == max(result["per_lr"].values())
    assert result["config"]["lr_grid"] == list(protocol.CF_LR_GRID)
    assert {m.split(" epoch")[0] for m in trained(caplog)} == {f"cf alpharec lr={x:g}" for x in protocol.CF_LR_GRID}
    assert result["deviations"] == ["max_epochs 1 < protocol 500"]  # the grid is the protocol's
    assert result["variant"] == [] and "context" not in result  # leaving out the context baselines changes no score


def big_pool(n_items: int = 150) -> dict[str, pd.DataFrame]:
    words = ["red", "blue", "green", "wool", "cotton", "shirt", "scarf", "hat", "sock", "glove"]
    rng = np.random.default_rng(0)
    titles = [" ".join(rng.choice(words, size=3)) + f" model {i}" for i in range(n_items)]
    items = pd.DataFrame({"item_id": [f"P{i:04d}" for i in range(n_items)], "title": titles}).assign(text_full=lambda f: f["title"])
    queries = pd.DataFrame({"query_id": ["a", "b"], "query": ["red wool scarf", "cotton sock"]})
    qrels = pd.DataFrame({"query_id": ["a", "b"], "item_id": ["P0003", "P0100"], "relevance": [1.0, 1.0]})
    return {"items": items, "queries": queries, "qrels": qrels}


def test_search_keeps_the_top_100_of_every_query(tmp_path):
    frames = big_pool()
    for name in ("random", "bm25"):
        result = run_one(name, "search", ("pool", frames), tmp_path, progress=False, device="cpu")
        rankings = pq.read_table(rankings_path(path_of(tmp_path, result))).to_pandas()
        assert rankings.groupby("query_id")["rank"].apply(list).to_dict() == {q: list(range(1, 101)) for q in ("a", "b")}
        assert rankings["item_id"].isin(frames["items"]["item_id"]).all()
        for _, ranks in rankings.groupby("query_id"):
            assert ranks.sort_values("rank")["score"].is_monotonic_decreasing  # best first
        assert result["protocol"] == "full" and result["variant"] == []  # no training: always the full protocol


def test_explain_shows_the_query_its_relevant_items_and_each_encoders_top_3(tmp_path, search_frames, capsys):
    write_task(tmp_path, "search", "tiny", search_frames)
    for args in (["--encoder", "minilm"], ["--baseline", "bm25"]):
        assert main(["run", *args, "--task", "search", "--dataset", "tiny", "--out", str(tmp_path), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["explain", "--results", str(tmp_path), "--dataset", "tiny", "--query", "q3"]) == 0
    out = capsys.readouterr().out
    assert "## Query q3: shoes for jogging" in out
    assert "- A4 (2) Running shoes for men, lightweight" in out and "- A5 (0.5) Yoga mat" in out
    rows = {line.split(" | ")[0].strip("| "): line for line in out.splitlines() if line.startswith(("| minilm", "| bm25"))}
    assert set(rows) == {"minilm", "bm25"} and all(row.count(" | ") == 3 for row in rows.values())  # 3 items each
    assert rows["minilm"].startswith("| minilm | ✓ A4 Running shoes")  # MiniLM ranks the relevant item first
    # Without --query: the first scored queries (q4 has no relevant item in the pool).
    assert main(["explain", "--results", str(tmp_path), "--dataset", "tiny", "--n", "5"]) == 0
    assert [l for l in capsys.readouterr().out.splitlines() if l.startswith("## Query")] == [
        "## Query q1: headphones for a long flight", "## Query q2: something to cut vegetables",
        "## Query q3: shoes for jogging"]


def test_explain_and_ablation_errors_are_one_line(tmp_path, search_frames, capsys):
    from parsing.cli import run_cli as guarded

    write_task(tmp_path, "search", "tiny", search_frames)
    assert guarded(main, ["explain", "--results", str(tmp_path), "--dataset", "tiny"]) != 0
    assert "no search result with rankings" in capsys.readouterr().err
    assert guarded(main, ["ablation", "table7", "--encoder", "random", "--task", "search", "--dataset", "tiny",
                          "--out", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    assert err.startswith("error: table7 compares adaptors") and err.count("\n") == 1


def test_ablations_are_one_command_each_and_sit_side_by_side_in_the_report(tmp_path, cf_frames, capsys):
    write_task(tmp_path, "cf", "toy", cf_frames)
    common = ["--encoder", "random", "--task", "cf", "--dataset", "toy", "--out", str(tmp_path), "--max-epochs", "1",
              "--lr", "1e-3", "--quiet"]
    assert main(["ablation", "table7", *common]) == 0
    table7 = capsys.readouterr().out
    assert "| Encoder | Task | Dataset | Width | PCA | MRL | Δ (MRL − PCA) | Protocol |" in table7
    assert "| random | cf | toy | 128 |" in table7 and table7.rstrip().endswith("| capped |")
    assert main(["ablation", "fig3", *common]) == 0
    assert "| title | title + description |" in capsys.readouterr().out
    results = list(iter_results(tmp_path))
    assert len(results) == 3  # the PCA/title arm is shared by both ablations: computed once
    report = write_report(results, tmp_path / "report")
    markdown = (tmp_path / "report" / "leaderboard.md").read_text()
    assert "## Ablation — Table 7" in markdown and "## Ablation — Fig. 3" in markdown
    assert "## Variants (not ranked)" in markdown and "adaptor=matryoshka" in markdown
    # Every run here is capped: nothing in the ranked table, the default arm in the capped one.
    assert report["table"].empty and list(report["capped"].index) == ["random", "random+full"]
    assert report["markdown"].startswith("No full-protocol run with the default settings yet.\n\nCapped runs")
