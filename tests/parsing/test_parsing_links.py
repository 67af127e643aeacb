"""What the crawler reads from pages (CONTRACTS §2), on real saved pages.

Expectations come from reading the pages: result slots and their ASINs, review blocks,
reviewer links, dates, helpful-vote lines, pagination links.
"""
from __future__ import annotations

import json

import pytest

from parsing.errors import BlockedPage, UnparsablePage
from parsing.links import is_blocked, next_page_url, product_links, review_list_page, timeline_page
from parsing.schemas import REVIEW_SCHEMA, validate_records


def _day_ms(year, month, day):
    import datetime as dt

    return int(dt.datetime(year, month, day, tzinfo=dt.timezone.utc).timestamp() * 1000)


def test_search_2026_result_slots(shared_fixtures):
    body = (shared_fixtures / "amazon_search_html" / "2026_amazon.com_search_portable_charger.html").read_bytes()
    links = product_links(body, "https://www.amazon.com/s?k=portable+charger")
    assert all(link.startswith("https://www.amazon.com/dp/") and len(link) == len("https://www.amazon.com/dp/") + 10
               for link in links)
    assert len(links) == len(set(links))
    # the page's own product (the power bank of the product fixtures) is one of the results
    assert "https://www.amazon.com/dp/B0DR8G428S" in links
    assert "https://www.amazon.com/dp/B0CB1FW5FC" in links  # INIU, first organic title link
    assert next_page_url(body, "https://www.amazon.com/s?k=portable+charger").startswith(
        "https://www.amazon.com/s?k=portable+charger&page=2")


def test_search_2021_india(shared_fixtures):
    body = (shared_fixtures / "amazon_search_html" / "2021_amazon.in_search_realme6.html").read_bytes()
    links = product_links(body, "https://www.amazon.in/s?k=Realme+6")
    assert links[0] == "https://www.amazon.in/dp/B08DF9F814"  # "Realme-Comet-Blue-64-RAM", sr_1_1
    assert 10 <= len(links) <= 17


def test_search_2014_old_result_layout(shared_fixtures):
    body = (shared_fixtures / "amazon_search_html" / "2014_amazon.cn_search.html").read_bytes()
    links = product_links(body, "https://www.amazon.cn/s?rh=n")
    assert links[:3] == ["https://www.amazon.cn/dp/B007K5HW68", "https://www.amazon.cn/dp/B009PG7D64",
                         "https://www.amazon.cn/dp/B00DU6RRZ2"]  # #result_0.. name="<ASIN>"
    assert next_page_url(body, "https://www.amazon.cn/s?rh=n").startswith("https://www.amazon.cn/s/ref=sr_pg_2?")


def test_review_list_data_hook_layout(shared_fixtures):
    body = (shared_fixtures / "amazon_review_html" / "2024_amazon.com_B01IPHVFUI_product-reviews.html").read_bytes()
    page = review_list_page(body, "https://www.amazon.com/product-reviews/B01IPHVFUI")
    assert len(page.reviews) == 10 and len(page.review_ids) == 10
    assert page.review_ids[0] == "R2IWYAXSM40X0F"
    first = page.reviews[0]
    assert list(first) == REVIEW_SCHEMA.names
    assert first["rating"] == 3.0
    assert first["title"] == "Randomly cuts off"  # not the star icon's "3.0 out of 5 stars"
    assert first["text"].startswith("This is a pretty standard monitor")
    assert first["timestamp"] == _day_ms(2024, 1, 6)
    assert first["user_id"] == "AG77SLKLMKE2J36KC75YGQIIL5TQ"
    assert first["asin"] == "B01IPHVFUI" and first["verified_purchase"] is True
    assert [r["timestamp"] for r in page.reviews[:3]] == [_day_ms(2024, 1, 6), _day_ms(2024, 1, 1), _day_ms(2023, 12, 26)]
    # "One person found this helpful", "3 people ...", "One person ...", "12 people ..."
    assert sorted(r["helpful_vote"] for r in page.reviews if r["helpful_vote"]) == [1, 1, 3, 12]
    assert sum(r["verified_purchase"] for r in page.reviews) == 9
    assert sum(len(r["images"]) for r in page.reviews) == 3
    assert page.profile_ids[0] == "AG77SLKLMKE2J36KC75YGQIIL5TQ" and len(page.profile_ids) == 10
    # page 2 sits behind a sign-in link; the real target is its `openid.return_to`
    assert page.next_url.startswith("https://www.amazon.com/Samsung-27-inch-Business-C27F390FHN-LED-Lit/product-reviews/B01IPHVFUI")
    assert "pageNumber=2" in page.next_url


def test_review_list_old_2015_layout(shared_fixtures):
    body = (shared_fixtures / "amazon_review_html" / "2015_amazon.co.uk_B00JXOXLP0_customer-reviews.html").read_bytes()
    page = review_list_page(body, "http://www.amazon.co.uk/product-reviews/B007WSAANA?pageNumber=2")
    assert page.review_ids[:2] == ["R3C2WPFHC2V87N", "R1KJWI9L3V16L1"] and len(page.reviews) == 10
    first = page.reviews[0]
    assert first["title"] == "Good toothbrush" and first["rating"] == 5.0
    assert first["text"].startswith("This is a nice toothbrush.")
    assert first["timestamp"] == _day_ms(2013, 4, 7)  # "7 April 2013"
    assert page.reviews[2]["timestamp"] == _day_ms(2012, 12, 14)  # "14 Dec. 2012"
    assert first["user_id"] == "A3BAD6PJTXW7NN" and first["helpful_vote"] == 1 and first["verified_purchase"]
    assert sorted(r["helpful_vote"] for r in page.reviews) == [0, 0, 1, 1, 1, 1, 4, 5, 8, 9]
    assert sum(r["verified_purchase"] for r in page.reviews) == 6
    assert all(r["asin"] == "B007WSAANA" for r in page.reviews)
    assert page.next_url.startswith("http://www.amazon.co.uk/product-reviews/B007WSAANA/") and "pageNumber=3" in page.next_url
    # without the URL, the ASIN comes from the page's own review links
    assert review_list_page(body, "http://www.amazon.co.uk/").asin == "B007WSAANA"


def test_captcha_page_is_blocked(shared_fixtures):
    body = (shared_fixtures / "amazon_misc_html" / "2014-2024_amazon.com_robot_check_captcha.html").read_bytes()
    assert is_blocked(body)
    with pytest.raises(BlockedPage):
        review_list_page(body, "https://www.amazon.com/product-reviews/B01IPHVFUI")
    for name in ("2024_amazon.com_B0057OC5O8_sainsmart_relay.html", "2017_amazon.es_B01MUGXRT9_robot_vacuum.html"):
        assert not is_blocked((shared_fixtures / "amazon_product_html" / name).read_bytes())


def _timeline(reviews, token=None, user="AGKHLEW2SOWHNMFQIJGBECAF7INQ"):
    return json.dumps({
        "profileId": f"amzn1.account.{user}",
        "contributions": [{"id": f"R{i}", "type": "productreview",
                           "product": {"asin": r["asin"], "parentAsin": r["parent_asin"], "url": f"/dp/{r['asin']}"},
                           "review": r} for i, r in enumerate(reviews)],
        "nextPageToken": token,
    }).encode()


def test_timeline_page_gives_complete_records(shared_fixtures):
    official = json.loads((shared_fixtures / "amazon-reviews-2023.github.io" / "All_Beauty.review_sample.jsonl").read_text().splitlines()[0])
    shuffled = dict(reversed(list(official.items())))  # key order on the wire does not matter
    page = timeline_page(_timeline([shuffled], token="abc"))
    assert page.user_id == "AGKHLEW2SOWHNMFQIJGBECAF7INQ"
    assert page.reviews == [official] and list(page.reviews[0]) == REVIEW_SCHEMA.names
    assert page.next_token == "abc" and page.review_ids == ["R0"]
    assert validate_records(page.reviews, "review") == []
    assert timeline_page(_timeline([official])).next_token is None


@pytest.mark.parametrize("body, reason", [
    (b"", "empty"), (b'{"profileId": "amzn1.account.X", "contributions": [', "truncated"),
    (b"\x1f\x8b\x08\x00binary", "binary"), (b"<html>nope</html>", "not json"),
    (b'{"profileId": "amzn1.account.X", "contributions": [{"id": "R1", "review": "five stars"}]}', "bad contribution"),
])
def test_bad_timeline_pages_are_unparsable(body, reason):
    with pytest.raises(UnparsablePage) as caught:
        timeline_page(body)
    assert caught.value.reason == reason


def test_timeline_review_missing_a_field_is_left_out_not_half_emitted(shared_fixtures):
    official = json.loads((shared_fixtures / "amazon-reviews-2023.github.io" / "All_Beauty.review_sample.jsonl").read_text().splitlines()[0])
    cut = {name: value for name, value in official.items() if name not in ("helpful_vote", "verified_purchase")}
    page = timeline_page(_timeline([official, cut]))
    assert page.reviews == [official] and page.review_ids == ["R0"] and page.truncated_ids == ["R1"]
