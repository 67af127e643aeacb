"""Every lake output equals the independent plain-Python reference (lake_reference.py), row for row."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import lake_reference as ref
from lake_data import CATEGORY

pytestmark = pytest.mark.spark


def _reference(lake_sources, category):
    rows, bad = ref.read_reviews(lake_sources[category]["reviews"])
    meta = ref.meta_items(lake_sources[category]["meta"])
    return rows, bad, meta


def _silver(root, category):
    from warehouse import layout

    files = layout.parquet_files(layout.partition(layout.silver(root, "reviews"), category))
    table = pa.concat_tables([pq.read_table(p) for p in files])
    return table.sort_by([("user_seq", "ascending"), ("timestamp", "ascending"), ("seq", "ascending")]).to_pylist()


@pytest.fixture(scope="module")
def exported(lake, tmp_path_factory):
    from warehouse.export import export_all

    out = tmp_path_factory.mktemp("exports")
    export_all(lake, out)
    return out


def test_the_lake_holds_every_source(lake, lake_sources):
    from warehouse import layout

    assert layout.categories_in(layout.silver(lake, "reviews")) == sorted(lake_sources)


def test_silver_is_the_reference_dedup(lake, lake_sources):
    for category in lake_sources:
        rows, _, _ = _reference(lake_sources, category)
        silver = _silver(lake, category)
        got = [(r["user_id"], r["parent_asin"], r["rating"], r["timestamp"]) for r in silver]
        assert got == ref.dedup(rows), category
        if category in (CATEGORY, "All_Beauty"):
            assert len(silver) < len(rows)  # these sources hold repeated (user, item) pairs


def test_gold_csv_exports_equal_the_reference(exported, lake_sources):
    checked = 0
    for category in lake_sources:
        rows, _, _ = _reference(lake_sources, category)
        for k in (0, 5):
            core = ref.k_core(ref.dedup(rows), k)
            if not core:  # an empty k-core has no files, as in the official release
                assert not list(exported.glob(f"{k}core/*/{category}.*")), (category, k)
                continue
            text = (exported / f"{k}core" / "rating_only" / f"{category}.csv").read_text().splitlines()
            assert text == ["user_id,parent_asin,rating,timestamp"] + [ref.line(x) for x in core], (category, k)
            for variant, by_split in ref.splits(core).items():
                header = "user_id,parent_asin,rating,timestamp" + (",history" if variant.endswith("_w_his") else "")
                for split, lines in by_split.items():
                    got = (exported / f"{k}core" / variant / f"{category}.{split}.csv").read_text().splitlines()
                    assert got == [header] + lines, (category, k, variant, split)
                    checked += len(lines)
    assert checked > 10_000


def test_the_five_core_is_not_trivial(lake_sources):
    rows, _, _ = _reference(lake_sources, CATEGORY)
    zero, five = ref.dedup(rows), ref.k_core(ref.dedup(rows), 5)
    assert 0 < len(five) < len(zero)
    assert {s for s, lines in ref.splits(zero)["timestamp"].items() if lines} == {"train", "valid", "test"}


def test_task_inputs_equal_the_reference(lake, lake_sources):
    from parsing.text import clean_item_text
    from warehouse.tasks import read_task

    non_empty = 0
    for category in lake_sources:
        rows, _, meta = _reference(lake_sources, category)
        zero = ref.dedup(rows)
        seq = read_task(lake, "seqrec", category)
        want = ref.seqrec(zero, meta)
        for split in ("train", "valid", "test"):
            frame = seq[split]
            got = [(u, tuple(h), t, int(ts)) for u, h, t, ts in
                   zip(frame["user_id"], frame["history"], frame["target"], frame["timestamp"])]
            assert got == want[split], (category, split)
            non_empty += bool(got)
        used = sorted({r[2] for s in want.values() for r in s} | {h for s in want.values() for r in s for h in r[1]})
        assert list(seq["items"]["item_id"]) == used
        assert list(seq["items"]["title"]) == [clean_item_text(meta[i]) for i in used]
        cf = read_task(lake, "cf", category)
        want_cf = ref.cf(zero, meta)
        for split in ("train", "valid", "test"):
            assert list(zip(cf[split]["user_id"], cf[split]["item_id"])) == want_cf[split], (category, split)
        assert list(cf["items"]["item_id"]) == sorted({i for s in want_cf.values() for _, i in s})
    assert non_empty >= 4  # synthetic and sandbox (and 2018 Gift_Cards) give real rows


def test_quarantine_and_flags(lake, lake_sources):
    from warehouse.catalog import query

    _, bad, _ = _reference(lake_sources, CATEGORY)
    assert bad == 4
    reasons = query(lake, f"SELECT reason FROM quarantine WHERE source LIKE '{CATEGORY}.jsonl:%' ORDER BY source")
    assert len(reasons) == bad
    assert sum(r.startswith("not json") for r in reasons["reason"]) == 1
    flagged = query(lake, f"SELECT parent_asin, flags FROM reviews WHERE category = '{CATEGORY}' AND len(flags) > 0 "
                          "ORDER BY parent_asin")
    got = {p: sorted(f) for p, f in zip(flagged["parent_asin"], flagged["flags"])}
    assert got == {"I04": ["timestamp_in_future"], "I06": ["timestamp_before_launch"],
                   "I07": ["rating_out_of_range", "timestamp_negative"], "I08": ["rating_out_of_range"]}


def test_stats_equal_the_reference(lake, lake_sources):
    from warehouse.stats import read_stats

    stats = {r["category"]: r for r in read_stats(lake).to_pylist()}
    all_users = set()
    total = 0
    for category in lake_sources:
        rows, _, _ = _reference(lake_sources, category)
        kept = ref.dedup(rows)
        firsts = {}
        for r in rows:  # the kept review's text: earliest, ties by input order
            key = (r["user_id"], r["parent_asin"])
            if key not in firsts or r["timestamp"] < firsts[key]["timestamp"]:
                firsts[key] = r
        row = stats[category]
        assert row["reviews"] == len(kept)
        assert row["users"] == len({x[0] for x in kept})
        assert row["items"] == len({x[1] for x in kept})
        assert row["review_tokens"] == sum(ref.tokens(r["title"] + " " + r["text"]) for r in firsts.values())
        assert row["core5_reviews"] == len(ref.k_core(kept, 5))
        all_users |= {x[0] for x in kept}
        total += len(kept)
    assert stats["ALL"]["users"] == len(all_users) and stats["ALL"]["reviews"] == total


def test_exports_have_the_official_format(exported, shared_fixtures):
    official = shared_fixtures / "amazon-reviews-2023.github.io"
    ours = (exported / "0core" / "rating_only" / "All_Beauty.csv").read_text().splitlines()
    theirs = (official / "All_Beauty.0core_rating_only.head5.csv").read_text().splitlines()
    assert ours[0] == theirs[0]
    assert "AGKHLEW2SOWHNMFQIJGBECAF7INQ,B00YQ6X8EO,5.0,1588687728923" in theirs
    assert "AGKHLEW2SOWHNMFQIJGBECAF7INQ,B00YQ6X8EO,5.0,1588687728923" in ours
    for split in ("train", "valid", "test"):
        head = (official / f"All_Beauty.0core_timestamp_w_his.{split}.head5.csv").read_text().splitlines()[0]
        assert (exported / "0core" / "timestamp_w_his" / f"All_Beauty.{split}.csv").read_text().splitlines()[0] == head
    jsonl = (exported / "jsonl" / "All_Beauty.jsonl").read_text().splitlines()
    sample = (official / "All_Beauty.review_sample.jsonl").read_text().strip()
    assert sample in jsonl  # the 2023 record comes back byte for byte


def test_spark_and_driver_k_core_agree_with_the_reference(lake, lake_sources, spark):
    from warehouse import jobs, layout

    categories = sorted(lake_sources)  # every source, the sandbox truth included
    want = set()
    for category in categories:
        rows, _, _ = _reference(lake_sources, category)
        want |= {(category, u, i) for u, i, _, _ in ref.k_core(ref.dedup(rows), 5)}
    base = jobs.read_table(spark, layout.silver(lake, "reviews"), categories).select("category", "user_id", "parent_asin")
    for driver_max_rows in (0, 10**9):  # the Spark rounds, then the driver peeling
        core = jobs.k_core(base, 5, driver_max_rows).select("category", "user_id", "parent_asin")
        got = {tuple(r) for r in core.collect()}
        assert got == want, driver_max_rows


def test_every_lake_file_is_written_in_the_official_order(lake):
    """Within each file rows are in (user_seq, timestamp, seq) order: readers and exports can stream them."""
    checked = 0
    for top in ("silver/reviews", "gold/benchmark"):
        for path in sorted((lake / top).rglob("*.parquet")):
            table = pq.read_table(path, columns=["user_seq", "timestamp", "seq"])
            keys = list(zip(*(table.column(c).to_pylist() for c in ("user_seq", "timestamp", "seq"))))
            assert keys == sorted(keys), path
            checked += len(keys)
    assert checked > 10_000


def test_key_ids_move_to_the_next_salt_on_a_collision(spark, monkeypatch):
    """A hash collision would merge two users: the ids are checked, and the next salt is used."""
    from pyspark.sql import functions as F

    from warehouse import jobs

    frame = spark.createDataFrame([("c", "u1"), ("c", "u2"), ("c", "u2")], "category string, user_id string")
    real = F.xxhash64
    # Salt 0 maps every key to one id (a forced collision); other salts hash normally.
    monkeypatch.setattr(jobs.F, "xxhash64", lambda salt, *cols: F.lit(7).cast("long")
                        if salt._jc.toString() == "0" else real(salt, *cols))
    ids = jobs._key_ids(frame, ["category", "user_id"])
    monkeypatch.setattr(jobs.F, "xxhash64", real)
    assert frame.select(ids.alias("id")).distinct().count() == 2
