"""Yelp: the year filter and item text on the real dataset heads; the 5-core on a written file."""
from __future__ import annotations

import json
import random
from collections import Counter
from datetime import datetime, timezone

import pytest

from benchmark.protocol import SEED
from warehouse.settings import CF_SPLIT, MAX_HISTORY
from loaders_reference import assert_k_core, core_rows, dedup_earliest, frame_rows, leave_last_out
from loaders_reference import cf_split as reference_cf_split
from parsing.quarantine import Quarantine
from warehouse.loaders.yelp import K_CORE, YEAR, load_yelp, read_businesses, read_reviews
from warehouse.tasks import SPLITS, read_task, task_dir

BUSINESS = "yelp_academic_dataset_business.first200.json"
REVIEW = "yelp_academic_dataset_review.first500.json"


@pytest.fixture(scope="module")
def yelp(shared_fixtures):
    return shared_fixtures / "yelp_open_dataset_sample"


@pytest.mark.parametrize("year", [YEAR, 2018, 2017])
def test_yelp_year_filter_on_real_reviews(yelp, year):
    lines = [json.loads(line) for line in (yelp / REVIEW).read_text().splitlines()]
    quarantine = Quarantine()
    reviews, other_years = read_reviews(yelp / REVIEW, quarantine, year)
    expected = [r for r in lines if r["date"].startswith(f"{year}-")]
    assert reviews["user_id"].tolist() == [r["user_id"] for r in expected]
    assert other_years == len(lines) - len(expected) and len(quarantine) == 0
    # the fixture head holds no 2019 review at all: the documented filter leaves nothing
    assert (len(reviews) == 0) == (year == YEAR)


def test_yelp_business_text_on_real_businesses(yelp):
    businesses = [json.loads(line) for line in (yelp / BUSINESS).read_text().splitlines()]
    items = read_businesses(yelp / BUSINESS, Quarantine()).set_index("item_id")
    assert len(items) == len(businesses)
    for record in businesses:
        text = items.loc[record["business_id"], "title"]
        assert text == items.loc[record["business_id"], "text_full"]
        assert text.startswith(" ".join(record["name"].split()))
        assert f"Stars: {record['stars']}. Review count: {record['review_count']}. City: " in text
        assert f"State: {record['state']}" in text
        assert ("Hours: " in text) == bool(record["hours"])
        assert ("Attributes: " in text) == bool(record["attributes"])
        if record["hours"]:
            day, hours = next(iter(record["hours"].items()))
            assert f"Hours: {day}: {hours}" in text


def write_yelp(source):
    """40 businesses (and a broken line), reviews of 80 users over 2018-2020 (and 3 bad lines);
    returns the (user, business, ms) rows of 2019."""
    rng = random.Random(3)
    businesses = [f"b{n:03d}" for n in range(40)]
    source.mkdir()
    with open(source / "business.json", "w") as out:
        for business in businesses:
            out.write(json.dumps({"business_id": business, "name": f"Cafe &amp; {business}", "city": "Reno",
                                  "state": "NV", "stars": 4.0, "review_count": 9, "attributes": None,
                                  "categories": "Coffee & Tea, Food", "hours": {"Monday": "7:0-15:0"}}) + "\n")
        out.write('{"business_id": "broken"\n')
    rows, lines = [], []
    for user in range(80):
        for business in rng.choices(businesses, [(r + 1) ** -0.7 for r in range(40)], k=rng.randint(3, 22)):
            year = rng.choice([2018, 2019, 2019, 2019, 2020])
            date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 2):02d} 10:00:00"   # ties happen
            lines.append(json.dumps({"review_id": f"r{len(lines)}", "user_id": f"u{user}",
                                     "business_id": business, "stars": 5.0, "date": date, "text": "ok"}))
            if year == YEAR:
                ts = int(datetime.strptime(date, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp()) * 1000
                rows.append((f"u{user}", business, ts))
    lines += ["not json", json.dumps({"user_id": "u1", "business_id": "b001", "date": "2019/01/01"}),
              json.dumps({"user_id": "u1", "date": "2019-01-01 00:00:00"})]
    (source / "review.json").write_text("\n".join(lines) + "\n")
    return rows


def test_yelp_2019_5core_leave_last_out(tmp_path):
    source = tmp_path / "yelp"
    rows = write_yelp(source)

    frames = load_yelp(source, root=tmp_path / "data")
    kept = core_rows(dedup_earliest(rows), K_CORE)
    assert 0 < len(kept) < len(rows)
    assert len({u for u, _, _ in kept}) < len({u for u, _, _ in rows})
    assert_k_core([u for u, _, _ in kept], [b for _, b, _ in kept], K_CORE)
    expected = leave_last_out(kept, MAX_HISTORY)
    for split in ("train", "valid", "test"):
        assert frame_rows(frames[split]) == expected[split]
    assert Counter(frames["quarantine"]["reason"]) == {
        "invalid JSON": 2, "date is not YYYY-MM-DD HH:MM:SS": 1, "missing user_id or business_id": 1}
    back = read_task(tmp_path / "data", "seqrec", "yelp")
    assert set(back["items"]["item_id"]) == {b for _, b, _ in kept}
    assert back["items"]["title"].iloc[0].startswith("Cafe & b")
    assert frame_rows(back["valid"]) == expected["valid"]


def test_yelp_cf_433_split_of_the_2019_5core(tmp_path):
    source = tmp_path / "yelp"
    rows = write_yelp(source)
    frames = load_yelp(source, root=tmp_path / "data", task="cf")
    pairs = [(u, b) for u, b, _ in core_rows(dedup_earliest(rows), K_CORE)]
    n = len(set(pairs))
    expected = reference_cf_split(pairs, SEED, CF_SPLIT)
    assert [len(expected[s]) for s in SPLITS] == [n * 4 // 10, n * 3 // 10, n - n * 4 // 10 - n * 3 // 10]
    back = read_task(tmp_path / "data", "cf", "yelp")
    for split in SPLITS:
        assert list(zip(frames[split].user_id, frames[split].item_id)) == expected[split]
        assert list(zip(back[split].user_id, back[split].item_id)) == expected[split]
    assert set(back["items"]["item_id"]) == {b for _, b in pairs}
    assert not task_dir(tmp_path / "data", "seqrec", "yelp").exists()
    # the task is checked before the source is read
    with pytest.raises(ValueError, match="task must be 'seqrec' or 'cf'"):
        load_yelp(tmp_path / "nowhere", task="search")
