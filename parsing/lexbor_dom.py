"""Product-page bytes → a Lexbor tree (selectolax), and the small helpers the extractors use.

Product pages are parsed with Lexbor rather than libxml2: it builds the tree in about half the
time, which is most of the cost of a page. The rules stay those of `parsing.dom`: the page's own
charset, the depth limit, scripts and styles dropped (their data is read from the raw bytes), a `<br>` read as a
space, blocks found by id in one pass, an element's text all its text nodes, normalised.
Helpers take a node and mirror the XPath axes the rules were written with: `descendants`
(`.//*`, the node itself excluded), `ancestors` (`ancestor::*`), `get` (`@name`, "" for a bare
attribute).
"""
from __future__ import annotations

import ctypes

from selectolax.lexbor import LexborHTMLParser

from parsing.dom import first, prepare_body  # noqa: F401 (`first` is shared)
from parsing.text import normalize_space


def _keep_freed_heap(limit: int = 64 << 20) -> None:
    """Lexbor allocates a few hundred KB per document and frees them together; with glibc's
    default 128 KB trim threshold the freed top of the heap goes back to the OS and the next page
    faults it in again (up to half the parse of a small page, depending on the heap's history).
    Keep up to `limit` freed bytes instead. glibc only; elsewhere nothing changes."""
    try:
        ctypes.CDLL(None).mallopt(-1, limit)  # -1: M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


_keep_freed_heap()


def parse_page(body: bytes, content_type: str | None = None):
    """The page's root element; raise UnparsablePage for empty, binary or too deeply nested input."""
    return lexbor_root(prepare_body(body, content_type))


def lexbor_root(body: bytes):
    """The root element of a page already through `parsing.dom.prepare_body` (checked, UTF-8)."""
    tree = LexborHTMLParser(body)
    tree.strip_tags(["script", "style"])
    for br in tree.css("br"):
        br.insert_after(" ")
    return tree.root


def ids_in(root, wanted) -> dict:
    """{id: the first element with that id} for the ids in `wanted` (a set)."""
    found = {}
    for node in root.css("[id]"):
        value = node.id
        if value in wanted and value not in found:  # most ids are not wanted
            found[value] = node
    return found


def text_of(node) -> str:
    """All text under a node, normalised."""
    if node is None:
        return ""
    text = node.text(deep=True)
    if not text:
        return ""
    return " ".join(text.split()) if text.isascii() else normalize_space(text)  # the common case inline


def get(node, name: str, default=None):
    """An attribute's value as lxml gives it: "" for one written without a value."""
    attributes = node.attrs  # one attribute at a time: `.attributes` builds a dict of them all
    value = attributes.get(name)
    if value is None:
        return "" if name in attributes else default
    return value


def classes(node) -> str:
    return node.attrs.get("class") or ""


def walk(node):
    """`node` and the elements under it, in page order (`descendant-or-self::*`; comments skipped:
    the lxml tree had none)."""
    return (found for found in node.traverse() if found.is_element_node)


def descendants(node):
    """The elements under `node` in page order (`.//*`)."""
    elements = walk(node)
    next(elements)  # the node itself
    return elements


def ancestors(node):
    """The elements above `node`, nearest first (`ancestor::*`)."""
    parent = node.parent
    while parent is not None and parent.is_element_node:
        yield parent
        parent = parent.parent


def select_below(node, selector: str) -> list:
    """`node.css(selector)` without the node itself (`.//*[...]`)."""
    own = node.mem_id
    return [found for found in node.css(selector) if found.mem_id != own]

