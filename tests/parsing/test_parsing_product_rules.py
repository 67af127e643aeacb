"""Single rules of the product parser on small hand-written pages: the store in the byline,
which price of the buy box counts, and which detail rows are facts."""
from __future__ import annotations

import pytest

from parsing.product import parse_product


def _page(body: str) -> bytes:
    return (f'<html><body><span id="productTitle"> A product </span>{body}'
            '<input type="hidden" id="ASIN" value="B000000001"></body></html>').encode()


@pytest.mark.parametrize("byline, store", [
    ("Visit the Nordic Bloom Store", "Nordic Bloom"),
    ("Visit the Nordic Bloom Store Store", "Nordic Bloom Store"),
    ("Visit the Store", "Store"),
    ("Besuche den Acme-Store", "Acme"),
    ("Visita la tienda de Acme", "Acme"),
    ("Visit the Acme Shop", "Acme"),
    ("Brand: Acme", "Acme"),
    ("Acme", "Acme"),
])
def test_store_from_the_byline(byline, store):
    assert parse_product(_page(f'<a id="bylineInfo" href="/s">{byline}</a>'))["store"] == store


def _price_span(classes: str, text: str) -> str:
    return f'<span class="a-price {classes}"><span class="a-offscreen">{text}</span></span>'


@pytest.mark.parametrize("spans, price", [
    # the price to pay wins over a list price before it
    (_price_span("a-text-price", "$20.00") + _price_span("", "$15.00") + _price_span("priceToPay", "$12.00"), 12.0),
    # else the first price that is not struck through
    (_price_span("a-text-price", "$20.00") + _price_span("", "$15.00"), 15.0),
    # else a struck-through one
    (_price_span("a-text-price", "$20.00"), 20.0),
    # a price span without screen-reader text: its visible whole and fraction parts
    ('<span class="a-price"><span class="a-price-whole">8.</span><span class="a-price-fraction">99</span></span>', 8.99),
])
def test_buy_box_price(spans, price):
    page = _page(f'<div id="corePriceDisplay_desktop_feature_div"><div>{spans}</div></div>')
    assert parse_product(page)["price"] == price


def test_detail_bullets_keep_facts_and_drop_widgets():
    bullets = (
        '<div id="detailBullets_feature_div"><ul>'
        '<li><span class="a-list-item"><span class="a-text-bold">Manufacturer \u200f : \u200e </span>'
        '<span>Acme</span></span></li>'
        '<li><span class="a-list-item"><span class="a-text-bold">ASIN \u200f : \u200e </span><span>B000000001</span></span></li>'
        '<li id="SalesRank"><b>Rank:</b> 3</li>'
        '<li><span class="a-list-item"><span class="a-text-bold">Best Sellers Rank:</span> #1 in '
        '<a href="/gp/bestsellers/beauty">Beauty</a><ul><li><span>#2 in Soap</span></li></ul></span></li>'
        '<li><span class="a-list-item"><span class="a-text-bold">Item Weight:</span> 1 pound '
        '<a href="/help">(help)</a></span></li>'
        '<li><b>Shipping Weight:</b> 2 pounds</li>'
        '</ul></div>'
    )
    details = parse_product(_page(bullets))["details"]
    assert details == {"Manufacturer": "Acme", "Item Weight": "1 pound (help)", "Shipping Weight": "2 pounds"}


def test_detail_tables_nested_in_their_container_are_read_once():
    table = ('<table id="productDetails_techSpec_section_1" class="prodDetTable">'
             '<tr><th>Brand</th><td>\u200eAcme</td></tr><tr><th>Size</th><td>3 oz</td></tr></table>')
    page = _page(f'<div id="productDetails_feature_div"><div>{table}</div></div>')
    assert parse_product(page)["details"] == {"Brand": "Acme", "Size": "3 oz"}


def test_pre_2013_stars_block():
    page = _page('<div class="crAvgStars"><span title="4.5 out of 5 stars">*</span> 1,234 customer reviews</div>')
    record = parse_product(page)
    assert (record["average_rating"], record["rating_number"]) == (4.5, 1234)
