"""Real Amazon product pages (../shared/fixtures/amazon_product_html, 2012–2026).

Every expectation (labels/<page>.json, in the format of `parsing.accuracy`) was written by
reading the page (grep / a browser view of the saved HTML): the visible title, the price in the buy box, the star rating and the ratings count,
the byline, the breadcrumb, the bullet list, the keys of the product-information block and
the image block's first (MAIN) image. None was pasted from the parser's output.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsing.accuracy import matches, score, table
from parsing.product import parse_product
from parsing.schemas import validate_records

LABELS = Path(__file__).resolve().parent / "labels"  # one JSON per page: what a careful reader sees on it


@pytest.fixture(scope="module")
def product_dir(shared_fixtures):
    return shared_fixtures / "amazon_product_html"


@pytest.mark.parametrize("name", sorted(p.stem for p in LABELS.glob("*.json")))
def test_real_product_page(product_dir, name):
    labels = json.loads((LABELS / f"{name}.json").read_text(encoding="utf-8"))
    record = parse_product((product_dir / name).read_bytes())

    assert validate_records([record], "meta") == []
    for field, label in labels.items():  # every labelled field, strictly (parsing.accuracy's matcher)
        assert matches(field, record.get(field), label), (field, record.get(field), label)

    for got in record["features"]:
        assert got and "  " not in got
    for key, value in record["details"].items():  # normalised: no marks, no trailing colon
        assert key == key.strip() and not key.endswith(":") and "\u200e" not in key + value and "\u200f" not in key + value
    assert "ASIN" not in record["details"]
    if "author" not in labels:
        assert "author" not in record


def test_accuracy_report_on_the_labelled_pages(product_dir):
    """`python -m parsing accuracy`: 100 % strict on the fields the project tracks (issue 16)."""
    report = score(LABELS, product_dir)
    print("\n" + table(report))
    assert report["pages"] == 14 and report["misses"] == []
    for field in ("title", "price", "store", "average_rating", "rating_number", "categories", "parent_asin"):
        assert report["fields"][field]["strict_pct"] == 100.0


def test_same_item_across_years_keeps_its_identity(product_dir):
    """Layout drift: the 2017 and 2024 captures of one book agree on what did not change."""
    old = parse_product((product_dir / "2017_amazon.co.uk_1849757097_book.html").read_bytes())
    new = parse_product((product_dir / "2024_amazon.co.uk_1849757097_book.html").read_bytes())
    assert old["title"] == new["title"]
    assert old["parent_asin"] == new["parent_asin"] == "1849757097"
    assert old["details"]["ISBN-13"] == new["details"]["ISBN-13"]
    assert old["author"] == new["author"]


def test_prime_video_page_is_not_a_product(shared_fixtures):
    from parsing.errors import UnparsablePage

    body = (shared_fixtures / "amazon_misc_html" / "2020_amazon.com_B07T8K9YSH_prime_video_detail.html").read_bytes()
    with pytest.raises(UnparsablePage) as caught:
        parse_product(body)
    assert caught.value.reason == "no product title"
