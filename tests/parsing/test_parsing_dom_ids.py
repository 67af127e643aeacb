"""The product parser's id lookup on its Lexbor tree (`parsing.lexbor_dom.ids_in`) finds the
element libxml2 finds first for every id it looks up, and the page's text reads the same."""
from __future__ import annotations

from lxml import etree

from parsing.dom import parse_document, text_of as lxml_text_of
from parsing.lexbor_dom import ids_in, parse_page, text_of
from parsing.product import _LOOKUP_IDS

_FIRST_WITH_ID = etree.XPath("(//*[@id=$name])[1]")


def _pages(shared_fixtures):
    return sorted((shared_fixtures / "amazon_product_html").glob("*.html"))


def test_ids_in_matches_libxml2_on_real_pages(shared_fixtures):
    pages = _pages(shared_fixtures)
    assert pages
    for page in pages:
        body = page.read_bytes()
        tree = parse_document(body, check_blocked=False)
        found = ids_in(parse_page(body), _LOOKUP_IDS)
        for name in sorted(_LOOKUP_IDS):
            expected = _FIRST_WITH_ID(tree, name=name)
            assert (name in found) == bool(expected), (page.name, name)
            if expected:
                assert found[name].id == name and found[name].tag == expected[0].tag, (page.name, name)
                assert text_of(found[name]) == lxml_text_of(expected[0]), (page.name, name)


def test_ids_in_keeps_the_first_of_duplicate_ids():
    root = parse_page(b'<html><body><div id="a" class="one"></div><p id="a" class="two"></p>'
                      b'<span id="b"></span></body></html>')
    found = ids_in(root, {"a", "b", "c"})
    assert sorted(found) == ["a", "b"]
    assert found["a"].attrs.get("class") == "one"


def test_text_reads_breaks_as_spaces_and_skips_scripts():
    root = parse_page(b"<html><body><p id='t'>one<br>two<script>var x = 1;</script><style>p{}</style>"
                      b" three</p></body></html>")
    assert text_of(ids_in(root, {"t"})["t"]) == "one two three"
