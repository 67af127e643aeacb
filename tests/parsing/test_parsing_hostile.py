"""Hostile pages (issue 12): many review blocks, deep nesting, a page that outruns its budget,
and pages in other encodings. Timings live in `python -m perf parse`; these check behaviour."""
from __future__ import annotations

import pytest

from parsing.batch import parse_archive
from parsing.dom import markup_depth, sniff_encoding
from parsing.errors import UnparsablePage
from parsing.links import review_list_page
from parsing.product import parse_product
from parsing.settings import ParseSettings
from parsing_archive_builder import ArchiveWriter
from perf import hostile_pages

TITLE = "Crème brûlée à la française, très élégant"


@pytest.mark.parametrize("layout", ["data-hook", "old"])
def test_every_review_block_of_a_long_page_is_read(layout):
    page = review_list_page(hostile_pages.review_page(3000, layout), hostile_pages.REVIEW_URL)
    assert len(page.reviews) == 3000 and len(page.profile_ids) == 3000
    assert page.review_ids[-1] == "R000002999X"
    last = page.reviews[-1]
    assert last["text"] == "Body of review 2999." and last["title"] == "Title 2999"
    assert last["rating"] == 4.0 and last["verified_purchase"] is True and last["asin"] == "B000000001"


def test_nested_page_is_refused_before_parsing():
    page = hostile_pages.nested_page(200_000)
    assert 4_000_000 < len(page) < 8 << 20  # the 4.3 MB page, under the crawler's body cap
    for parse in (lambda: parse_product(page), lambda: review_list_page(page, hostile_pages.REVIEW_URL)):
        with pytest.raises(UnparsablePage) as caught:
            parse()
        assert caught.value.reason == "too deep" and "200002" in caught.value.detail


def test_depth_limit_is_a_setting_and_real_depths_pass():
    page = hostile_pages.nested_page(600)
    assert markup_depth(page) == 602  # html, body, 600 divs
    assert parse_product(page)["title"] == "Deep page"  # under the default limit of 1024 (Lexbor)
    with pytest.raises(UnparsablePage, match="too deep"):
        review_list_page(page, hostile_pages.REVIEW_URL)  # libxml2 would silently drop what is below 256


@pytest.mark.slow
@pytest.mark.timeout(120)  # without the budget the second page alone takes about a minute
def test_batch_quarantines_deep_and_slow_pages_and_goes_on(tmp_path):
    archive = ArchiveWriter(tmp_path / "crawl")
    archive.add("http://x/dp/B000000001", "product", hostile_pages.nested_page(200_000))
    archive.add("http://x/dp/B000000002", "product", hostile_pages.stray_close_page(60_000))  # ~40 s in Lexbor
    archive.add("http://x/dp/B000000003", "product", hostile_pages.product_page("Fine").encode())
    result = parse_archive(archive.raw, ParseSettings(page_time_budget_s=2.0))
    assert result.report["quarantined_by_reason"] == {"time budget": 1, "too deep": 1}
    reasons = {row["source"]: row["reason"] for row in result.quarantine.rows}
    assert reasons == {"http://x/dp/B000000001": "too deep", "http://x/dp/B000000002": "time budget"}
    assert [record["title"] for records in result.meta.values() for record in records] == ["Fine"]


def test_undeclared_latin1_page_decodes_right():
    body = hostile_pages.product_page(TITLE, charset=None).encode("latin-1")
    assert sniff_encoding(body) == "cp1252"
    assert parse_product(body)["title"] == TITLE


def test_utf16_page_with_bom_is_parsed_not_binary():
    for codec in ("utf-16-le", "utf-16-be"):
        body = "\ufeff".encode(codec) + hostile_pages.product_page(TITLE + " — 東京", charset="utf-16").encode(codec)
        record = parse_product(body)
        assert record["title"] == TITLE + " — 東京" and record["price"] == 9.99 and record["store"] == "Acme"


def test_declared_charsets_in_browser_order():
    cyrillic = "Чайник электрический"
    body = hostile_pages.product_page(cyrillic, charset="windows-1251").encode("cp1251")
    assert parse_product(body)["title"] == cyrillic  # <meta charset>
    undeclared = hostile_pages.product_page(TITLE, charset=None).encode("latin-1")
    assert parse_product(undeclared, content_type="text/html; charset=ISO-8859-1")["title"] == TITLE  # HTTP header
    # the header beats the page's own <meta>, and a BOM beats both
    mislabelled = hostile_pages.product_page(cyrillic, charset="iso-8859-1").encode("cp1251")
    assert parse_product(mislabelled, content_type="text/html; charset=windows-1251")["title"] == cyrillic
    assert sniff_encoding(b"\xef\xbb\xbf<html>", "text/html; charset=iso-8859-1") == "utf-8"


def test_batch_decodes_by_the_archived_content_type(tmp_path):
    archive = ArchiveWriter(tmp_path / "crawl")
    archive.add("http://x/dp/B000000001", "product", hostile_pages.product_page(TITLE, charset=None).encode("latin-1"),
                content_type="text/html;charset=ISO-8859-1")
    result = parse_archive(archive.raw, ParseSettings(page_time_budget_s=None))  # in process: same rules
    assert [r["title"] for records in result.meta.values() for r in records] == [TITLE]
