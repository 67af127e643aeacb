"""Review pages cut off mid-page (issue 16): every review is either exactly the full page's or
quarantined as a "truncated review", never a half record; customer photos in both tile kinds."""
from __future__ import annotations

import random

import pytest

from parsing.links import review_list_page
from perf import hostile_pages

REAL = {
    "2024_amazon.com_B01IPHVFUI_product-reviews.html": "https://www.amazon.com/product-reviews/B01IPHVFUI",
    "2015_amazon.co.uk_B00JXOXLP0_customer-reviews.html": "http://www.amazon.co.uk/product-reviews/B007WSAANA",
}
OFFSETS = 20


def _check_truncations(body: bytes, url: str, seed: int) -> tuple[int, int]:
    full = review_list_page(body, url)
    assert full.reviews and not full.truncated_ids
    by_id = dict(zip(full.review_ids, full.reviews))
    rng = random.Random(seed)
    start, end = body.find(b"data-hook=\"review\""), len(body)
    if start < 0:
        start = body.find(b'<a name="R')
    emitted = quarantined = 0
    for offset in sorted(rng.randrange(start, end) for _ in range(OFFSETS)):
        cut = review_list_page(body[:offset], url)
        for review_id, review in zip(cut.review_ids, cut.reviews):
            assert review == by_id[review_id], (offset, review_id)  # exact, field for field
        assert set(cut.review_ids).isdisjoint(cut.truncated_ids)
        assert len(cut.reviews) + len(cut.truncated_ids) <= len(full.reviews)
        emitted += len(cut.reviews)
        quarantined += len(cut.truncated_ids)
    return emitted, quarantined


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_review_page_cut_at_random_offsets(shared_fixtures, name):
    body = (shared_fixtures / "amazon_review_html" / name).read_bytes()
    emitted, quarantined = _check_truncations(body, REAL[name], seed=16)
    assert emitted > 0 and quarantined > 0  # the offsets hit both whole and cut-through blocks


@pytest.mark.parametrize("layout", ["data-hook", "old"])
def test_built_review_page_cut_at_random_offsets(layout):
    emitted, quarantined = _check_truncations(hostile_pages.review_page(40, layout), hostile_pages.REVIEW_URL, seed=7)
    assert emitted > 0 and quarantined > 0


def test_block_cut_inside_its_body_is_quarantined_not_emitted_empty():
    body = hostile_pages.review_page(3)
    cut = body[:body.rfind(b"Body of review 2") + 4]
    page = review_list_page(cut, hostile_pages.REVIEW_URL)
    assert page.review_ids == ["R000000000X", "R000000001X"] and page.truncated_ids == ["R000000002X"]
    assert page.profile_ids == ["A000000000000", "A000000000001"]  # nor is the cut block's reviewer trusted


def test_block_missing_required_parts_is_quarantined():
    body = hostile_pages.review_page(2).replace(b'<span data-hook="review-body"><span>Body of review 1.</span></span>', b"")
    page = review_list_page(body, hostile_pages.REVIEW_URL)
    assert page.review_ids == ["R000000000X"] and page.truncated_ids == ["R000000001X"]
    assert page.profile_ids == ["A000000000000", "A000000000001"]  # a whole block still names its reviewer


def test_customer_photos_in_both_tile_kinds(shared_fixtures):
    body = (shared_fixtures / "amazon_product_html" / "2024_amazon.es_B01MUGXRT9_window_robot.html").read_bytes()
    images = [image for review in review_list_page(body, "https://www.amazon.es/dp/B01MUGXRT9").reviews
              for image in review["images"]]
    # `cmps-review-image-tile`, lazy-loaded: the photo is in data-src, src holds a grey pixel
    assert len(images) == 4 and images[0]["large_image_url"] == "https://m.media-amazon.com/images/I/71xtpKf6ZZL.jpg"
    assert not any("grey-pixel" in image["small_image_url"] for image in images)


def test_batch_quarantines_a_truncated_timeline_review_and_keeps_the_rest(tmp_path):
    from parsing.batch import parse_archive
    from parsing.settings import ParseSettings
    from parsing_archive_builder import ArchiveWriter, review, timeline_body

    user = "AGKHLEW2SOWHNMFQIJGBECAF7INQ"
    whole = review(user, "B000000001", "B000000001", 1_600_000_000_000)
    cut = {k: v for k, v in review(user, "B000000002", "B000000002", 1_600_000_000_001).items() if k != "text"}
    archive = ArchiveWriter(tmp_path / "crawl")
    archive.add(f"http://x/profilewidget/timeline/visitor?profileId=amzn1.account.{user}", "timeline",
                timeline_body(user, [("R1", whole), ("R2", cut)]))
    result = parse_archive(archive.raw, ParseSettings(page_time_budget_s=None))
    assert [r["asin"] for records in result.reviews.values() for r in records] == ["B000000001"]
    assert result.report["quarantined_by_reason"] == {"truncated review": 1}
    assert result.report["truncated_reviews"] == 1 and result.report["parsed"] == 1 and result.report["yield"] == 1.0
    assert result.quarantine.rows[0]["source"].endswith("#R2")
