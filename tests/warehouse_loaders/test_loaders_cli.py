"""`python -m warehouse.loaders NAME SOURCE --root DATA_ROOT` writes the task the contract describes."""
from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

from warehouse.loaders import LOADERS
from warehouse.tasks import FILES, read_task, task_dir

REPO = Path(__file__).resolve().parents[2]


def run(*args):
    return subprocess.run([sys.executable, "-m", "warehouse.loaders", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_cli_recbole_cf(shared_fixtures, tmp_path):
    done = run("recbole", shared_fixtures / "movielens_ml100k_recbole", "--root", tmp_path, "--task", "cf")
    assert done.returncode == 0, done.stderr
    frames = read_task(tmp_path, "cf", "ml_100k")
    assert sorted(frames) == sorted(FILES["cf"])
    assert f"train={len(frames['train'])}" in done.stdout
    assert "0 lines quarantined" in done.stderr


def test_cli_movielens_and_yelp_cf(shared_fixtures, tmp_path):
    ml1m = tmp_path / "ml-1m"          # the real ML-1M movie list; 30 users who rate the first 40 movies
    ml1m.mkdir()
    lines = (shared_fixtures / "movielens_ml1m_items_llmrank" / "ml-1m.item").read_text("utf-8").splitlines()[1:]
    movies = [line.split("\t") for line in lines]
    (ml1m / "movies.dat").write_text("".join(f"{m}::{t} ({y})::{g.replace(' ', '|')}\n" for m, t, y, g in movies),
                                     encoding="latin-1")
    (ml1m / "ratings.dat").write_text("".join(f"{u}::{m}::4::{978300000 + n}\n" for u in range(1, 31)
                                              for n, (m, *_rest) in enumerate(movies[:40])))
    done = run("movielens", ml1m, "--root", tmp_path / "data", "--task", "cf")
    assert done.returncode == 0, done.stderr
    assert "train=480, valid=360, test=360" in done.stdout          # 1,200 unique pairs, 4:3:3
    assert len(read_task(tmp_path / "data", "cf", "ml_1m")["items"]) == 40

    yelp = shared_fixtures / "yelp_open_dataset_sample"
    done = run("yelp", yelp, "--root", tmp_path / "data", "--task", "cf", "--set", "year=2017", "--set", "k=1",
               "--set", "business_file=yelp_academic_dataset_business.first200.json",
               "--set", "review_file=yelp_academic_dataset_review.first500.json")
    assert done.returncode == 0, done.stderr
    frames = read_task(tmp_path / "data", "cf", "yelp")
    total = sum(len(frames[split]) for split in ("train", "valid", "test"))
    assert total > 0 and len(frames["train"]) == total * 4 // 10 and len(frames["valid"]) == total * 3 // 10
    bad = run("yelp", yelp, "--root", tmp_path / "data", "--task", "search")
    assert bad.returncode == 1 and "task must be 'seqrec' or 'cf'" in bad.stderr


def test_cli_refuses_options_a_loader_lacks(tmp_path):
    done = run("esci", tmp_path, "--root", tmp_path, "--task", "cf")
    assert done.returncode == 2 and "esci takes no keyword task" in done.stderr
    assert not task_dir(tmp_path, "search", "esci").exists()


def test_every_loader_is_documented_and_takes_root():
    for name, loader in LOADERS.items():
        parameters = list(inspect.signature(loader).parameters)
        assert parameters[:2] == ["source_path", "root"], name
        assert loader.__doc__ and loader.__module__.startswith("warehouse.loaders."), name


def test_cli_passes_loader_keywords(shared_fixtures, tmp_path):
    yelp = shared_fixtures / "yelp_open_dataset_sample"
    done = run("yelp", yelp, "--root", tmp_path, "--dataset", "yelp_head", "--set", "year=2018", "--set", "k=1",
               "--set", "business_file=yelp_academic_dataset_business.first200.json",
               "--set", "review_file=yelp_academic_dataset_review.first500.json")
    assert done.returncode == 0, done.stderr
    assert "reviews of 2018 kept" in done.stderr
    assert task_dir(tmp_path, "seqrec", "yelp_head").is_dir()
    bad = run("yelp", yelp, "--root", tmp_path, "--set", "colour=red")
    assert bad.returncode == 2 and "yelp takes no keyword colour" in bad.stderr
