"""Raw archive → bronze Parquet: dedup rules, categories, quarantine, yield, determinism."""
from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from parsing.batch import parse_archive, run_batch
from parsing.schemas import META_SCHEMA, REVIEW_SCHEMA, from_table
from parsing_archive_builder import ArchiveWriter, product_page, review, timeline_body

BASE = "http://127.0.0.1:8000"


def _meta(parent: str, category: str = "All Beauty", title: str = "A thing") -> dict:
    return {
        "main_category": category, "title": title, "average_rating": 4.5, "rating_number": 1234,
        "features": ["Soft & light", "Two <b>colours</b>"], "description": ["First paragraph.", "Second one."],
        "price": 1299.0, "images": [
            {"thumb": f"https://m.media-amazon.com/images/I/{parent}a._SS40_.jpg",
             "large": f"https://m.media-amazon.com/images/I/{parent}a.jpg", "variant": "MAIN", "hi_res": None},
            {"thumb": f"https://m.media-amazon.com/images/I/{parent}b._SS40_.jpg",
             "large": f"https://m.media-amazon.com/images/I/{parent}b.jpg", "variant": "PT01",
             "hi_res": f"https://m.media-amazon.com/images/I/{parent}c._SL1500_.jpg"}],
        "videos": [{"title": "How to", "url": "https://example.invalid/v.mp4", "user_id": ""}],
        "store": "Howard Products", "categories": ["Beauty", "Skin Care"],
        "details": {"Package Dimensions": "7.1 x 5.5 x 3 inches; 2.38 Pounds", "UPC": "617390882781"},
        "parent_asin": parent, "bought_together": None,
    }


@pytest.fixture
def archive(tmp_path):
    writer = ArchiveWriter(tmp_path / "crawl")
    u1, u2 = "AGKHLEW2SOWHNMFQIJGBECAF7INQ", "AE7FFRCMUK2NASVPPOUV5LSQKBBQ"
    r1 = review(u1, "B000000001", "B000000001", 1588687728923)
    r2 = review(u1, "B000000002", "B00000000P", 1588687728000, rating=3.0)
    r2_again = review(u1, "B000000003", "B00000000P", 1600000000000, rating=1.0, title="second review, same item")
    r3 = review(u2, "B0000000ZZ", "B0000000ZZ", 1500000000000)  # item without a parsed page
    # user 1's timeline: two pages; R2 shows up on both (the timeline shifted between fetches)
    writer.add(f"{BASE}/profilewidget/timeline/visitor?profileId=amzn1.account.{u1}", "timeline",
               timeline_body(u1, [("R1", r1), ("R2", r2)], token="t1"), content_type="application/json")
    writer.add(f"{BASE}/profilewidget/timeline/visitor?profileId=amzn1.account.{u1}&nextPageToken=t1", "timeline",
               timeline_body(u1, [("R2", r2), ("R3", r2_again)]), content_type="application/json")
    writer.add(f"{BASE}/profilewidget/timeline/visitor?profileId=amzn1.account.{u2}", "timeline",
               timeline_body(u2, [("R9", r3)]), content_type="application/json")
    # products: a plain item, and a parent seen through its variant page and its own page
    writer.add(f"{BASE}/dp/B000000001", "product", product_page(_meta("B000000001")))
    writer.add(f"{BASE}/dp/B000000002", "product", product_page(_meta("B00000000P", "Video Games"), page_asin="B000000002"))
    writer.add(f"{BASE}/dp/B00000000P", "product", product_page(_meta("B00000000P", "Video Games"), page_asin="B00000000P"))
    # pages that must be quarantined, each with its reason
    good = product_page(_meta("B0000000T1"))
    writer.add(f"{BASE}/dp/B0000000T1", "product", good[: len(good) // 2])
    writer.add(f"{BASE}/dp/B0000000E1", "product", b"")
    writer.add(f"{BASE}/dp/B0000000B1", "product", b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    writer.add(f"{BASE}/dp/B0000000C1", "product",
               b"<html><body><form action='/errors/validateCaptcha'>Type the characters you see in this image</form></body></html>")
    writer.add(f"{BASE}/dp/B0000000F1", "product", None, status=503, error="retries exhausted")
    # kinds the batch does not turn into records are counted, not parsed
    writer.add(f"{BASE}/robots.txt", "robots", b"User-agent: *\n", content_type="text/plain")
    # a re-fetch: the last manifest line for the URL wins (here: the good body after a captcha)
    writer.add(f"{BASE}/dp/B0000000R1", "product", b"<html><form action='/errors/validateCaptcha'></form></html>")
    writer.add(f"{BASE}/dp/B0000000R1", "product", product_page(_meta("B0000000R1", "All Beauty", "Refetched")))
    return writer


def test_batch_writes_bronze(archive, tmp_path):
    out = tmp_path / "bronze"
    report = run_batch(archive.raw.parent, out)  # the crawl folder; its raw/ is found

    meta_beauty = from_table(pq.read_table(out / "meta" / "category=All_Beauty" / "part-0.parquet"), "meta")
    meta_games = from_table(pq.read_table(out / "meta" / "category=Video_Games" / "part-0.parquet"), "meta")
    assert [m["parent_asin"] for m in meta_beauty] == ["B000000001", "B0000000R1"]
    assert [m["parent_asin"] for m in meta_games] == ["B00000000P"]  # variant + parent page → one record
    assert meta_beauty[0] == _meta("B000000001")  # every field, exactly
    assert pq.read_schema(out / "meta" / "category=All_Beauty" / "part-0.parquet").names == META_SCHEMA.names

    reviews_beauty = from_table(pq.read_table(out / "reviews" / "category=All_Beauty" / "part-0.parquet"), "review")
    reviews_games = from_table(pq.read_table(out / "reviews" / "category=Video_Games" / "part-0.parquet"), "review")
    reviews_unknown = from_table(pq.read_table(out / "reviews" / "category=Unknown" / "part-0.parquet"), "review")
    assert [r["asin"] for r in reviews_beauty] == ["B000000001"]
    # R2 once (seen on two pages), R3 kept: the same user reviewing the same item twice
    assert sorted(r["timestamp"] for r in reviews_games) == [1588687728000, 1600000000000]
    assert [r["parent_asin"] for r in reviews_unknown] == ["B0000000ZZ"]
    assert pq.read_schema(out / "reviews" / "category=Unknown" / "part-0.parquet").names == REVIEW_SCHEMA.names

    quarantine = pq.read_table(out / "quarantine" / "part-0.parquet").to_pylist()
    by_source = {row["source"].rsplit("/", 1)[-1]: row["reason"] for row in quarantine}
    assert by_source == {"B0000000T1": "truncated", "B0000000E1": "empty", "B0000000B1": "binary",
                         "B0000000C1": "captcha", "B0000000F1": "http 503"}
    assert all(row["kind"] == "product" and row["excerpt"] is not None for row in quarantine)

    assert report == json.loads((out / "_yield.json").read_text())
    assert report["pages_seen"] == 13 and report["pages_by_kind"]["robots"] == 1
    assert report["parsed"] == 7 and report["quarantined"] == 5
    assert report["quarantined_by_reason"] == {"binary": 1, "captcha": 1, "empty": 1, "http 503": 1, "truncated": 1}
    assert report["fetch_failed"] == 1
    assert report["yield"] == pytest.approx(7 / 11)  # the 503 page had nothing to parse
    assert report["reviews"] == 4 and report["meta"] == 3


def test_batch_is_deterministic_and_drops_stale_categories(archive, tmp_path):
    out = tmp_path / "bronze"
    run_batch(archive.raw, out)
    first = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*.parquet"))}
    (out / "meta" / "category=Toys_and_Games").mkdir(parents=True)  # left over from an older archive
    (out / "meta" / "category=Toys_and_Games" / "part-0.parquet").write_bytes(b"old")
    run_batch(archive.raw, out)
    second = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*.parquet"))}
    assert first == second
    assert not list(out.rglob("*.tmp"))


def test_parse_archive_survives_a_corrupt_body(archive):
    entry = archive.add(f"{BASE}/dp/B0000000X1", "product", b"<html>fine</html>")
    (archive.raw / entry["path"]).write_bytes(b"not gzip")
    result = parse_archive(archive.raw)
    assert result.quarantine.counts()["corrupt body"] == 1


def test_no_archive_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        parse_archive(tmp_path)


def test_refetched_timeline_page_keeps_reviews_pushed_to_later_pages(tmp_path):
    """An incremental re-crawl refetches page one of a timeline under the same URL; the reviews
    it pushed onto page two (not refetched) must still reach bronze, each once."""
    writer = ArchiveWriter(tmp_path)
    user = "AUSERONE"
    a, b, c = (review(user, f"B00000000{i}", f"B00000000{i}", 1_600_000_000_000 + i) for i in (1, 2, 3))
    url = f"http://shop.test/profilewidget/timeline/visitor?profileId=amzn1.account.{user}"
    writer.add(url, "timeline", timeline_body(user, [("R2", b), ("R1", a)]))  # first crawl: newest first
    writer.add(url, "timeline", timeline_body(user, [("R3", c), ("R2", b)], token="t1"))  # re-crawl: R1 moved on
    writer.add(url, "timeline", timeline_body(user, [("R3", c), ("R2", b)], token="t1"))  # same body again
    result = parse_archive(tmp_path / "raw")
    reviews = [r for rows in result.reviews.values() for r in rows]
    assert sorted(r["asin"] for r in reviews) == ["B000000001", "B000000002", "B000000003"]
    assert result.report["parsed_by_kind"]["timeline"] == 2  # two distinct bodies, the repeat read once
