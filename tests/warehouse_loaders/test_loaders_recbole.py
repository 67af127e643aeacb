"""RecBole atomic files (real ML-100K from RecBole's repository, and a written file with faults)."""
from __future__ import annotations

from collections import Counter

import pytest

from benchmark.protocol import SEED
from warehouse.settings import CF_SPLIT, MAX_HISTORY
from loaders_reference import cf_split as reference_cf_split
from loaders_reference import frame_rows, leave_last_out
from parsing.quarantine import Quarantine
from warehouse.loaders.recbole import load_recbole, read_items
from warehouse.tasks import read_task


def read_inter(path):
    lines = path.read_text().splitlines()[1:]
    return [(u, i, int(float(t) * 1000)) for u, i, _, t in (line.split("\t") for line in lines)]


@pytest.fixture(scope="module")
def ml100k(shared_fixtures):
    return shared_fixtures / "movielens_ml100k_recbole"


def test_recbole_seqrec_matches_reference_and_round_trips(ml100k, tmp_path):
    frames = load_recbole(ml100k, root=tmp_path)
    expected = leave_last_out(read_inter(ml100k / "ml-100k.inter"), MAX_HISTORY)
    for split in ("train", "valid", "test"):
        assert frame_rows(frames[split]) == expected[split]
    assert frames["train"]["history"].map(len).max() == MAX_HISTORY
    # every user of ML-100K has ≥ 20 ratings: one valid and one test row each
    assert len(frames["test"]) == len(frames["valid"]) == 943
    assert frames["quarantine"].empty
    back = read_task(tmp_path, "seqrec", "ml_100k")
    assert back["items"]["item_id"].tolist() == sorted(back["items"]["item_id"])
    assert frame_rows(back["test"]) == expected["test"]
    assert back["train"]["timestamp"].dtype == "int64"


def test_recbole_item_text(ml100k):
    items = read_items(ml100k / "ml-100k.item", Quarantine()).set_index("item_id")
    assert items.loc["1", "title"] == "Toy Story (1995)"
    assert items.loc["1", "text_full"] == "Toy Story (1995). Animation Children's Comedy"
    assert len(items) == 1682


def test_recbole_cf_split(ml100k, tmp_path):
    frames = load_recbole(ml100k, root=tmp_path, task="cf")
    expected = reference_cf_split([(u, i) for u, i, _ in read_inter(ml100k / "ml-100k.inter")], SEED, CF_SPLIT)
    for split in ("train", "valid", "test"):
        assert list(zip(frames[split].user_id, frames[split].item_id)) == expected[split]
    assert [len(expected[s]) for s in ("train", "valid", "test")] == [40_000, 30_000, 30_000]
    assert read_task(tmp_path, "cf", "ml_100k")["valid"].equals(frames["valid"])


def test_recbole_quarantine_and_filters(tmp_path):
    folder = tmp_path / "toy"
    folder.mkdir()
    (folder / "toy.item").write_text(
        "item_id:token\ttitle:token_seq\tcategories:token_seq\n"
        "a\tAlpha &amp; <b>Co</b>\tx y\nb\tBeta\tz\nc\tGamma\tz\n"
        "broken line without tabs\n"
        "d\t\tno title\n")
    (folder / "toy.inter").write_text(
        "user_id:token\titem_id:token\ttimestamp:float\n"
        "u1\ta\t3\nu1\tb\t1\nu1\tc\t2\n"
        "u1\ta\t5\n"        # duplicate (u1, a): the earliest (t=3) wins
        "u1\tzz\t4\n"       # item without text: dropped
        "u2\ta\tsoon\n"     # bad timestamp: quarantined
        "u2\tb\t1\tx\n"     # too many fields: quarantined
        "u2\tb\t7\nu2\tc\t7\n")  # equal timestamps: file order
    frames = load_recbole(folder, root=tmp_path / "data")
    reasons = Counter(frames["quarantine"]["reason"])
    assert reasons == {"expected 3 fields, got 1": 1, "empty item_id or title": 1,
                       "timestamp is not a number": 1, "expected 3 fields, got 4": 1}
    assert frame_rows(frames["test"]) == [("u1", ["b", "c"], "a", 3000), ("u2", ["b"], "c", 7000)]
    assert frame_rows(frames["valid"]) == [("u1", ["b"], "c", 2000)]
    assert frames["train"].empty
    items = frames["items"].set_index("item_id")
    assert items.loc["a", "title"] == "Alpha & Co"
    assert items.loc["a", "text_full"] == "Alpha & Co. x y"
    assert "zz" not in items.index
