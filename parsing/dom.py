"""Bytes → an lxml tree, once, with the page's own encoding; the page checks (captcha, binary,
truncated, charset) and the text helpers over the tree.

Review and listing pages are read from this tree with small relative XPaths (product pages use
the Lexbor tree of `parsing.lexbor_dom`, with the same checks); an element's text is its `.text`
(a leaf) or one `tostring(method="text")` call, since scripts and styles are dropped at parse time
(the extractors read script data from the raw bytes instead).
"""
from __future__ import annotations

import re

from lxml import etree

from parsing.errors import BlockedPage, UnparsablePage
from parsing.text import normalize_space

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# Plain etree parsers: lxml.html's element classes cost a Python call per element touched.
_PARSERS: dict[tuple[str, bool], etree.HTMLParser] = {}
# What a Robot Check page says, in the forms Amazon has used since 2014.
_BLOCK_MARKS = (
    b"/errors/validateCaptcha",
    b"opfcaptcha.amazon",
    b"api-services-support@amazon.com",
    b"Type the characters you see in this image",
    b"Enter the characters you see below",
    b"<title>Robot Check</title>",
    b"<title dir=\"ltr\">Robot Check</title>",
)


_NON_SPACE = re.compile(rb"\S")


def as_bytes(html: bytes | str) -> bytes:
    if isinstance(html, bytes):
        return html
    return html.encode("utf-8") if isinstance(html, str) else bytes(html)


def _parser(encoding: str) -> etree.HTMLParser:
    parser = _PARSERS.get(encoding)
    if parser is None:
        # No id table: no rule uses XPath `id()`, and building it costs about a sixth of the parse.
        parser = _PARSERS[encoding] = etree.HTMLParser(
            encoding=encoding, remove_comments=True, remove_pis=True, collect_ids=False)
    return parser


def sniff_encoding(body: bytes) -> str:
    """The charset a page declares in its first few KB; UTF-8 when it declares none."""
    match = _CHARSET.search(body, 0, 4096)
    name = match.group(1).decode("ascii", "replace").lower() if match else "utf-8"
    if name in ("utf8", "utf-8"):
        return "utf-8"
    try:  # pages saved as UTF-8 that still declare latin-1 (Amazon's 2012 pages do)
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        import codecs

        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def is_blocked(html: bytes | str) -> bool:
    """A Robot Check / captcha interstitial (served with status 200, like a real page)."""
    body = as_bytes(html)
    if len(body) > 200_000:  # captcha pages are small; a product page may quote none of it
        return False
    if b"aptcha" not in body and b"Robot Check" not in body and b"characters you see" not in body:
        return False  # every form of the page names its captcha or says one of these
    for mark in _BLOCK_MARKS:
        if mark in body:
            return True
    return False


def is_binary(body: bytes) -> bool:
    """Not text: NUL bytes or a gzip/zip/image magic number at the start."""
    head = body[:4096]
    return b"\x00" in head or head.startswith((b"\x1f\x8b", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8"))


def check_document(body: bytes) -> None:
    """Raise UnparsablePage for empty, whitespace-only or binary input."""
    if not _NON_SPACE.search(body):
        raise UnparsablePage("empty", "no bytes" if not body else "only whitespace")
    if is_binary(body):
        raise UnparsablePage("binary", "not a text document")


def parse_document(html: bytes | str, *, check_blocked: bool = True) -> etree._Element:
    """Parse a page; raise BlockedPage for a captcha, UnparsablePage for empty/binary input."""
    body = as_bytes(html)
    check_document(body)
    if check_blocked and is_blocked(body):
        raise BlockedPage("captcha", "Robot Check page")
    try:
        root = etree.fromstring(body, _parser(sniff_encoding(body)))
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as error:
        raise UnparsablePage("malformed", str(error)[:200]) from error
    if root is None:
        raise UnparsablePage("malformed", "no document element")
    _prepare_text(root)
    return root


def _prepare_text(root) -> None:
    """Make the tree's text what a reader sees, once, so `text_of` is one C call per element:
    scripts and styles go (their data is read from the raw bytes), a `<br>` reads as a space."""
    etree.strip_elements(root, "script", "style", with_tail=False)
    for br in root.iter("br"):
        br.tail = " " + br.tail if br.tail else " "


def is_truncated(body: bytes) -> bool:
    """The body stops before the closing </html> tag a whole page ends with."""
    start = max(0, len(body) - 65536)  # rfind: the closing tag sits at the very end
    return body.rfind(b"</html", start) < 0 and body.rfind(b"</HTML", start) < 0 and body.rfind(b"</Html", start) < 0


_tostring = etree.tostring


def text_of(element) -> str:
    """All text under an element (scripts and styles were removed at parse), normalised."""
    if element is None:
        return ""
    # a leaf (most cells, links, titles): its .text is all its text
    text = element.text if not len(element) else _tostring(element, method="text", encoding=str, with_tail=False)
    if not text:
        return ""
    return " ".join(text.split()) if text.isascii() else normalize_space(text)  # the common case inline


def first(elements):
    return elements[0] if elements else None
