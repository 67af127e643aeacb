"""The outside-dataset asset: real RecBole ML-100K files → task inputs, metadata, the blocking check."""
from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest

from pipelines.assets.datasets import CHECK_NAME, loader_partitions, outside_task_inputs, source_env_var
from pipelines.resources import DataRoot
from warehouse.loaders import LOADERS
from warehouse.tasks import FILES, task_dir


def run_config(**config) -> dict:
    return {"ops": {"outside_task_inputs": {"config": config}}}


def materialize(tmp_path, partition: str, config: dict, raise_on_error: bool = True):
    return dg.materialize([outside_task_inputs], partition_key=partition,
                          resources={"data_root": DataRoot(path=str(tmp_path))},
                          run_config=run_config(**config), raise_on_error=raise_on_error)


def materialization(result) -> dict:
    (event,) = result.asset_materializations_for_node("outside_task_inputs")
    return {key: entry.value for key, entry in event.metadata.items()}


@pytest.fixture(scope="module")
def ml100k(shared_fixtures):
    return shared_fixtures / "movielens_ml100k_recbole"


def test_partitions_are_the_loaders():
    assert loader_partitions.get_partition_keys() == sorted(LOADERS)


def test_recbole_cf_lands_with_row_counts_of_the_files(ml100k, tmp_path):
    result = materialize(tmp_path, "recbole", {"source": str(ml100k), "task": "cf"})
    assert result.success
    meta = materialization(result)
    folder = task_dir(tmp_path, "cf", "ml_100k")
    assert meta["task"] == "cf" and meta["dataset"] == "ml_100k"
    assert meta["path"] == str(folder)
    for name in FILES["cf"]:
        frame = pd.read_parquet(folder / f"{name}.parquet")
        assert meta[f"rows/{name}"] == len(frame) > 0
    # the .inter file's 100,000 ratings, all kept, split 4:3:3 between train, valid and test
    assert sum(meta[f"rows/{s}"] for s in ("train", "valid", "test")) == 100_000
    items = pd.read_parquet(folder / "items.parquet")
    assert items["item_id"].iloc[0] in meta["items_preview"]
    assert meta["items_preview"].splitlines()[0] == "| " + " | ".join(items.columns) + " |"
    assert items["title"].iloc[0][:40] in meta["items_preview"]
    assert pd.read_parquet(folder / "train.parquet")["user_id"].iloc[0] in meta["train_preview"]
    # nothing bad in RecBole's own file; the (empty) quarantine file is still written
    assert meta["quarantined"] == 0 and meta["quarantine_by_reason"] == {} and meta["quarantine"] == "nothing quarantined"
    assert pd.read_parquet(meta["quarantine_path"]).empty
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == CHECK_NAME and check.passed


def test_source_from_env_and_quarantine_counted(ml100k, tmp_path, monkeypatch):
    # a RecBole folder with one line of the wrong width and one unknown item
    folder = tmp_path / "src"
    folder.mkdir()
    items = ["item_id:token\tmovie_title:token_seq"] + [f"{i}\tMovie {i}" for i in range(1, 6)]
    (folder / "toy.item").write_text("\n".join(items) + "\n")
    lines = ["user_id:token\titem_id:token\ttimestamp:float"]
    lines += [f"u{u}\t{i}\t{10 * u + i}" for u in range(1, 4) for i in range(1, 6)]
    lines += ["u9\t1", "u9\t99\t5"]
    (folder / "toy.inter").write_text("\n".join(lines) + "\n")
    monkeypatch.setenv(source_env_var("recbole"), str(folder))
    result = materialize(tmp_path / "lake", "recbole", {"options": {"max_history": "2"}})
    meta = materialization(result)
    train = pd.read_parquet(task_dir(tmp_path / "lake", "seqrec", "toy") / "train.parquet")
    assert train["history"].map(len).max() == 2  # the loader keyword passed through `options`
    assert meta["task"] == "seqrec" and meta["dataset"] == "toy" and meta["source"] == str(folder)
    assert meta["rows/test"] == 3  # one test row per user
    quarantined = pd.read_parquet(meta["quarantine_path"])
    assert meta["quarantined"] == len(quarantined) >= 1
    assert meta["quarantine_by_reason"] == quarantined["reason"].value_counts().to_dict()
    assert set(quarantined["kind"]) == {"loader/recbole"}
    assert set(quarantined["source"].str.rsplit(":", n=1).str[0]) <= {"toy.inter", "toy.item"}  # file:line
    assert quarantined["source"].str.rsplit(":", n=1).str[1].str.isdigit().all()
    for reason, n in meta["quarantine_by_reason"].items():  # the Markdown table shows the same counts
        assert f"| {reason} | {n} |" in meta["quarantine"]


def test_missing_source_fails_saying_what_to_set(tmp_path, monkeypatch):
    monkeypatch.delenv(source_env_var("movielens"), raising=False)
    result = materialize(tmp_path, "movielens", {}, raise_on_error=False)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = str(failure.step_failure_data.error.message)
    assert "BLAIR_SOURCE_MOVIELENS" in message and "config.source" in message
    assert not (tmp_path / "gold").exists()


def test_nonexistent_source_and_unknown_keyword_fail_clearly(tmp_path):
    result = materialize(tmp_path, "yelp", {"source": str(tmp_path / "nowhere")}, raise_on_error=False)
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "does not exist" in failure.step_failure_data.error.message
    result = materialize(tmp_path, "esci", {"source": str(tmp_path), "task": "cf"}, raise_on_error=False)
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "esci takes no keyword task" in failure.step_failure_data.error.message


def test_empty_split_fails_the_blocking_check(tmp_path):
    # two items each rated once by one user: seqrec makes a test row, but no train rows
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "one.item").write_text("item_id:token\ttitle:token_seq\n1\tAlpha\n2\tBeta\n")
    (folder / "one.inter").write_text("user_id:token\titem_id:token\ttimestamp:float\nu\t1\t1\nu\t2\t2\n")
    result = materialize(tmp_path / "lake", "recbole", {"source": str(folder)}, raise_on_error=False)
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert "train" in check.description
    meta = materialization(result)
    assert meta["rows/train"] == 0


def test_definitions_load_with_the_asset_and_its_check():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    key = dg.AssetKey("outside_task_inputs")
    assert key in graph.get_all_asset_keys()
    assert dg.AssetCheckKey(key, CHECK_NAME) in graph.asset_check_keys
    assert graph.get(key).group_name == "datasets"
