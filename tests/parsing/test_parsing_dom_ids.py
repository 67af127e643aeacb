"""`ids_in` (one walk over the page's ids, for trees parsed without libxml2's id table) finds
the same element as the id table (`by_ids`) for every id the product parser looks up."""
from __future__ import annotations

import pytest

from parsing.dom import by_ids, ids_in, parse_document
from parsing.product import _LOOKUP_IDS


def _pages(shared_fixtures):
    return sorted((shared_fixtures / "amazon_product_html").glob("*.html"))


def test_ids_in_matches_the_id_table_on_real_pages(shared_fixtures):
    pages = _pages(shared_fixtures)
    assert pages
    for page in pages:
        body = page.read_bytes()
        with_table = parse_document(body, check_blocked=False)
        without = parse_document(body, check_blocked=False, collect_ids=False)
        expected = by_ids(with_table, sorted(_LOOKUP_IDS))
        found = ids_in(without, _LOOKUP_IDS)
        assert set(found) == set(expected), page.name
        for name, element in found.items():
            assert element.get("id") == name
            assert element.tag == expected[name].tag and element.sourceline == expected[name].sourceline, (page.name, name)
        assert by_ids(without, sorted(_LOOKUP_IDS)) == {}  # no table was built


def test_ids_in_keeps_the_first_of_duplicate_ids():
    root = parse_document(b'<html><body><div id="a" class="one"></div><p id="a" class="two"></p>'
                          b'<span id="b"></span></body></html>', collect_ids=False)
    found = ids_in(root, {"a", "b", "c"})
    assert sorted(found) == ["a", "b"]
    assert found["a"].get("class") == "one"
