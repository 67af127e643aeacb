"""Numbers, ratings, counts and dates in the storefronts' local forms."""
from __future__ import annotations

import datetime as dt

import pytest

from parsing.text import parse_count, parse_day, parse_number, parse_price, parse_rating


@pytest.mark.parametrize("text, value", [
    ("$1,299.00", 1299.0), ("1.234,56 €", 1234.56), ("£12.99", 12.99), ("EUR 12,99", 12.99),
    ("1 234,56 €", 1234.56), ("1\u202f234,56\u00a0€", 1234.56), ("¥1,200", 1200.0), ("$8.99", 8.99),
    ("139,00 €", 139.0), ("$10.99 - $24.99", 10.99), ("1.234.567", 1234567.0), ("free", None), ("", None),
])
def test_prices(text, value):
    assert parse_price(text) == value


@pytest.mark.parametrize("text, value", [
    ("4.5 out of 5 stars", 4.5), ("4,5 de 5 estrellas", 4.5), ("4,1 de 5 estrellas", 4.1),
    ("4.3 de un máximo de 5 estrellas", 4.3), ("4,6 von 5 Sternen", 4.6), ("5.0 out of 5 stars", 5.0), ("", None),
])
def test_ratings(text, value):
    assert parse_rating(text) == value


@pytest.mark.parametrize("text, value", [
    ("1,234 ratings", 1234), ("1.234 valoraciones", 1234), ("(22)", 22), ("5.182 valoraciones", 5182),
    ("One person found this helpful", 1), ("12 people found this helpful", 12),
    ("Una persona encontró esto útil", 1), ("1.058 opiniones de clientes", 1058), ("no ratings", None), ("(1.2K)", 1200), ("1 234 évaluations", 1234), ("12 people", 12), ("3,4 M valoraciones", 3400000),
])
def test_counts(text, value):
    assert parse_count(text) == value


def _ms(y, m, d):
    return int(dt.datetime(y, m, d, tzinfo=dt.timezone.utc).timestamp() * 1000)


@pytest.mark.parametrize("text, value", [
    ("Reviewed in the United States on January 6, 2024", _ms(2024, 1, 6)),
    ("7 April 2013", _ms(2013, 4, 7)), ("14 Dec. 2012", _ms(2012, 12, 14)), ("20 Sept. 2014", _ms(2014, 9, 20)),
    ("Revisado en España el 6 de enero de 2024", _ms(2024, 1, 6)),
    ("Rezension aus Deutschland vom 3. März 2021", _ms(2021, 3, 3)),
    ("Commenté en France le 1 août 2022", _ms(2022, 8, 1)),
    ("Recensito in Italia il 12 maggio 2020", _ms(2020, 5, 12)),
    ("2019-02-28", _ms(2019, 2, 28)), ("2024年1月6日に日本でレビュー済み", _ms(2024, 1, 6)), ("no date here", None), ("February 30, 2020", None),
])
def test_days(text, value):
    assert parse_day(text) == value


def test_plain_numbers():
    assert parse_number("12") == 12.0 and parse_number("4,5") == 4.5 and parse_number(None) is None
