"""Bad input is recognised with a reason, never parsed into an empty record."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from parsing.errors import BlockedPage, UnparsablePage
from parsing.product import parse_product
from parsing.quarantine import Quarantine, excerpt

REAL = "2024_amazon.com_B0057OC5O8_sainsmart_relay.html"


@pytest.fixture(scope="module")
def real_page(shared_fixtures):
    return (shared_fixtures / "amazon_product_html" / REAL).read_bytes()


def test_captcha_page_is_blocked(shared_fixtures):
    body = (shared_fixtures / "amazon_misc_html" / "2014-2024_amazon.com_robot_check_captcha.html").read_bytes()
    with pytest.raises(BlockedPage) as caught:
        parse_product(body)
    assert caught.value.reason == "captcha"
    with pytest.raises(BlockedPage):
        parse_product(body.decode("utf-8"))  # str input too


@pytest.mark.parametrize("cut", [0.05, 0.5, 0.95])
def test_truncated_page(real_page, cut):
    with pytest.raises(UnparsablePage) as caught:
        parse_product(real_page[: int(len(real_page) * cut)])
    assert caught.value.reason == "truncated"


@pytest.mark.parametrize("body", [b"", b"   \n\t ", ""])
def test_empty_page(body):
    with pytest.raises(UnparsablePage) as caught:
        parse_product(body)
    assert caught.value.reason == "empty"


@pytest.mark.parametrize("body", [
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(256)),  # a gzip body stored unpacked
    b"\x89PNG\r\n\x1a\n" + bytes(200),
    bytes(range(256)) * 4,
])
def test_binary_page(body):
    with pytest.raises(UnparsablePage) as caught:
        parse_product(body)
    assert caught.value.reason == "binary"


def test_page_without_a_product(shared_fixtures):
    body = (shared_fixtures / "amazon_search_html" / "2026_amazon.com_search_portable_charger.html").read_bytes()
    with pytest.raises(UnparsablePage) as caught:
        parse_product(body)
    assert caught.value.reason == "no product title"


def test_whole_page_still_parses(real_page):
    assert parse_product(real_page)["title"] == "SainSmart 4-Channel Relay Module"


def test_quarantine_counts_and_excerpts():
    q = Quarantine()
    q.add("u1", "product", "captcha", b"<html>Robot Check</html>")
    q.add("u2", "product", "binary", b"\x00\x01\x02")
    q.add("u3", "timeline", "captcha", None, "blocked")
    assert q.counts() == {"binary": 1, "captcha": 2}
    table = q.to_table()
    assert table.column_names == ["source", "kind", "reason", "excerpt"]
    assert table.column("source").to_pylist() == ["u1", "u2", "u3"]
    assert excerpt(b"\x00\x01").startswith("binary: 0001")
    assert excerpt("x" * 1000) == "x" * 300


def test_quarantine_frame_and_log_for_source_lines(caplog):
    # the loaders' use: `file:line` as source, the same four columns also when nothing is quarantined
    empty = Quarantine().frame()
    assert list(empty.columns) == ["source", "kind", "reason", "excerpt"] and empty.empty
    q = Quarantine()
    q.add_line(Path("/data/ml-1m/ratings.dat"), 7, "loader/movielens", "bad line", "1::2", "detail")  # the name, not the path
    q.add_line("movies.dat", 3, "loader/movielens", "duplicate MovieID", "3::Title")
    frame = q.frame()
    assert frame["source"].tolist() == ["movies.dat:3", "ratings.dat:7"]
    assert frame["excerpt"].tolist() == ["3::Title", "detail | 1::2"]
    logger = logging.getLogger("quarantine-test")
    with caplog.at_level(logging.INFO, logger="quarantine-test"):
        q.log(logger, "seqrec/ml_1m")
        Quarantine().log(logger, "cf/ml_1m")
    assert [r.levelno for r in caplog.records] == [logging.WARNING, logging.INFO]
    assert "2 lines quarantined: 1 bad line, 1 duplicate MovieID" in caplog.records[0].getMessage()
    assert "0 lines quarantined" in caplog.records[1].getMessage()
