"""`python -m benchmark run/report` on tiny data: a lake search set and a RecBole folder."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmark.__main__ import main
from benchmark.results import path_of
from warehouse.tasks import write_task

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def lake(tmp_path, search_frames):
    write_task(tmp_path, "search", "tiny", search_frames)
    return tmp_path


def run_cli(capsys, *args) -> dict:
    assert main(["run", *args, "--quiet"]) == 0
    return json.loads(capsys.readouterr().out)


def test_search_run_is_cached(lake, capsys):
    args = ["--encoder", "random", "--task", "search", "--dataset", "tiny", "--out", str(lake)]
    first = run_cli(capsys, *args)
    assert first["encoder"] == "random" and first["dataset"] == "tiny" and first["seed"] == 2024
    assert 0 <= first["test"]["ndcg@100"] <= 1 and first["n_queries"] == 3
    assert set(first["versions"]) >= {"torch", "transformers", "numpy", "python", "git"}
    assert path_of(lake, first).exists() and path_of(lake, first).name == f"random--{first['key']}.json"
    again = run_cli(capsys, *args)
    assert again["created_at"] == first["created_at"]  # read from the cache, not recomputed
    forced = run_cli(capsys, *args, "--force")
    assert forced["test"] == first["test"]  # same inputs and seed, same numbers
    bm25 = run_cli(capsys, "--baseline", "bm25", "--task", "search", "--dataset", "tiny", "--out", str(lake))
    assert bm25["encoder"] == "bm25" and bm25["test"]["ndcg@100"] > 0


def write_recbole(folder: Path, n_users: int = 40, n_items: int = 24) -> Path:
    rng = np.random.default_rng(0)
    folder.mkdir()
    lines = ["user_id:token\titem_id:token\trating:float\ttimestamp:float"]
    for user in range(n_users):
        for step, item in enumerate(rng.choice(n_items, size=8, replace=False)):
            lines.append(f"u{user}\tm{item}\t4\t{1_000_000 + 100 * step + user}")
    (folder / "toy.inter").write_text("\n".join(lines) + "\n")
    genres = ["Drama", "Comedy", "Action", "Horror"]
    items = ["item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq"]
    items += [f"m{i}\tMovie number {i}\t{1990 + i}\t{genres[i % 4]}" for i in range(n_items)]
    (folder / "toy.item").write_text("\n".join(items) + "\n")
    return folder


def test_cf_on_a_recbole_folder_then_report(tmp_path, capsys):
    source = write_recbole(tmp_path / "toy_recbole")
    out = tmp_path / "out"
    result = run_cli(capsys, "--encoder", "random", "--task", "cf", "--dataset", str(source), "--out", str(out),
                     "--max-epochs", "2", "--lr", "1e-3")
    assert result["dataset"] == "toy" and result["lr"] > 0
    assert set(result["test"]) >= {"ndcg@20"} and set(result["valid"]) >= {"recall@20"}
    assert result["adaptor"]["adaptor"] == "pca-whiten" and result["adaptor"]["width"] == 23  # 24 items → rank 23
    assert result["embeddings"]["encoded"] == 24
    assert (out / "embeddings/encoder=random/dataset=toy/part-0.parquet").exists()

    report = subprocess.run([sys.executable, "-m", "benchmark", "report", "--results", str(out)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert report.returncode == 0, report.stderr
    # A 2-epoch run is capped: shown under its own heading, never as a full-protocol number.
    assert result["protocol"] == "capped" and result["deviations"][0] == "max_epochs 2 < protocol 500"
    assert "Capped runs" in report.stdout and "| random |" in report.stdout.split("Capped runs")[1]
    assert "CF: toy" in report.stdout
    assert (out / "leaderboard.html").exists() and (out / "leaderboard.png").exists()


def test_bad_specs_are_clear_errors(tmp_path, capsys):
    from parsing.cli import run_cli as guarded

    assert guarded(main, ["run", "--encoder", "random", "--task", "search", "--dataset", "nowhere", "--out", str(tmp_path)]) != 0
    assert "nowhere" in capsys.readouterr().err
    assert guarded(main, ["run", "--baseline", "bm25", "--task", "cf", "--dataset", "x", "--out", str(tmp_path)]) != 0
    assert "only applies to the search task" in capsys.readouterr().err


@pytest.mark.slow
def test_seqrec_text_model_and_id_only_sasrec(tmp_path, capsys):
    source = write_recbole(tmp_path / "toy_recbole")
    out = tmp_path / "out"
    common = ["--task", "seqrec", "--dataset", str(source), "--out", str(out), "--max-epochs", "1", "--lr", "1e-3"]
    text = run_cli(capsys, "--encoder", "random", "--text", "full", *common)
    ids = run_cli(capsys, "--baseline", "sasrec", *common)
    assert text["encoder"] == "random+full" and text["model"] == "unisrec" and text["lr"] == 1e-3
    assert ids["encoder"] == "sasrec" and ids["model"] == "sasrec" and "embeddings" not in ids
    assert set(text["test"]) == set(ids["test"]) >= {"ndcg@10", "recall@10", "recall@50"}
    assert (out / "embeddings/encoder=random/dataset=toy_full/part-0.parquet").exists()
    assert path_of(out, text).name.startswith("random_full--") and path_of(out, ids).name.startswith("sasrec--")
    assert path_of(out, text).exists() and path_of(out, ids).exists()


def test_loader_specs(tmp_path, capsys):
    from benchmark.datasets import UnknownDataset, resolve

    source = write_recbole(tmp_path / "toy_recbole")
    name, frames = resolve(f"recbole:{source}", "cf", tmp_path)
    assert name == "toy_recbole"  # the loader has no default name: the source's
    assert set(frames) >= {"items", "train", "valid", "test"} and len(frames["items"]) == 24
    with pytest.raises(UnknownDataset, match="not a search set"):
        resolve(str(source), "search", tmp_path)
    with pytest.raises(UnknownDataset, match="no loader"):
        resolve("nosuchloader:/x", "search", tmp_path)
