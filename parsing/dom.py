"""Bytes → an lxml tree, once, with the page's own encoding; the page checks (captcha, binary,
truncated, charset, nesting depth) and the text helpers over the tree.

Review and listing pages are read from this tree with small relative XPaths (product pages use
the Lexbor tree of `parsing.lexbor_dom`, with the same checks); an element's text is its `.text`
(a leaf) or one `tostring(method="text")` call, since scripts and styles are dropped at parse time
(the extractors read script data from the raw bytes instead).
"""
from __future__ import annotations

import codecs
import re
from itertools import accumulate

from lxml import etree

from parsing.errors import BlockedPage, UnparsablePage
from parsing.settings import DEFAULT_SETTINGS
from parsing.text import normalize_space

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# For the depth pre-scan: any start or end tag (a quick bound: void elements count as opened), then
# a start tag that can nest (void elements left out) or an end tag (the estimate).
_ANY_TAG_EDGE = re.compile(rb"<(/?)[A-Za-z]")
_TAG_EDGE = re.compile(
    rb"<(/?)(?!(?:area|base|br|col|embed|hr|img|input|keygen|link|meta|param|source|track|wbr)[\s/>])[A-Za-z]", re.I)
_DEPTH_STEP = {b"": 1, b"/": -1}.__getitem__
# A plain etree parser (lxml.html's element classes cost a Python call per element touched), given
# UTF-8 (see `as_utf8`); no id table: no rule uses XPath `id()`, and it costs a sixth of the parse.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, collect_ids=False)
_RESOURCE_LIMIT = (etree.ErrorTypes.ERR_RESOURCE_LIMIT,)
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


def bom_encoding(body: bytes) -> str | None:
    """The encoding a byte-order mark names (UTF-8, or UTF-16 either way round), else None."""
    if body.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"  # Python's utf-16 codec reads the BOM's byte order and drops it
    return None


def charset_param(content_type: str | None) -> str | None:
    """'text/html; charset=ISO-8859-1' → 'ISO-8859-1' (an HTTP Content-Type's charset)."""
    match = _HEADER_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def _codec(label: str | None) -> str | None:
    try:
        return codecs.lookup(label).name if label else None
    except LookupError:  # an unknown label is ignored, as browsers do
        return None


def _is_utf8(body: bytes) -> bool:
    if body.isascii():
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sniff_encoding(body: bytes, content_type: str | None = None) -> str:
    """The page's encoding, in the order browsers use (WHATWG encoding sniffing): a byte-order
    mark, then the HTTP Content-Type's charset (when known), then a `<meta charset>` in the first
    4 KB, then a guess: UTF-8 when the bytes are valid UTF-8, else charset-normalizer's best guess
    (windows-1252, the web's legacy default, when it has none)."""
    bom = bom_encoding(body)
    if bom:
        return bom
    declared = _codec(charset_param(content_type))
    if declared is None:
        match = _CHARSET.search(body, 0, 4096)
        declared = _codec(match.group(1).decode("ascii", "replace")) if match else None
    if declared == "utf-8":
        return declared
    if _is_utf8(body):  # pages saved as UTF-8 that still declare latin-1 (Amazon's 2012 pages do)
        return "utf-8"
    return declared or _guess_encoding(body)


def _guess_encoding(body: bytes) -> str:
    """charset-normalizer's best guess for an undeclared, non-UTF-8 page. Short Western text fits
    several code pages equally well (cp1250 "Crčme" as well as cp1252 "Crème"); on such a tie
    windows-1252 wins, the default browsers fall back to."""
    from charset_normalizer import from_bytes  # only undeclared, non-UTF-8 pages pay for it

    matches = from_bytes(body[:DEFAULT_SETTINGS.detect_bytes])
    best = matches.best()
    if best is None:
        return "cp1252"
    for match in matches:
        if (match.chaos, match.coherence) == (best.chaos, best.coherence) and "cp1252" in match.could_be_from_charset:
            return "cp1252"
    return _codec(best.encoding) or "cp1252"


def as_utf8(body: bytes, content_type: str | None = None) -> bytes:
    """The page's bytes as UTF-8 (both HTML parsers are given UTF-8)."""
    encoding = sniff_encoding(body, content_type)
    return body if encoding == "utf-8" else body.decode(encoding, "replace").encode("utf-8")


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
    if bom_encoding(body) != "utf-16" and is_binary(body):  # UTF-16 text is full of NUL bytes
        raise UnparsablePage("binary", "not a text document")


def markup_depth(body: bytes, edges: re.Pattern = _TAG_EDGE) -> int:
    """How deep the page's tags nest, estimated in one linear scan: +1 per start tag, -1 per end
    tag. Unclosed `<p>`/`<li>` make it overcount (the safe side)."""
    return max(accumulate(map(_DEPTH_STEP, edges.findall(body))), default=0)


def check_depth(body: bytes, limit: int = DEFAULT_SETTINGS.max_depth) -> None:
    """Raise UnparsablePage("too deep") before a parser spends minutes on deeply nested markup."""
    if body.count(b"<") <= limit:  # fewer tags than the limit: cannot nest deeper (most small pages)
        return
    # the quick bound (a third cheaper; real pages stay under 1,000) decides most pages alone
    if markup_depth(body, _ANY_TAG_EDGE) <= limit:
        return
    depth = markup_depth(body)
    if depth > limit:
        raise UnparsablePage("too deep", f"tags nest {depth} deep (limit {limit})")


def prepare_body(html: bytes | str, content_type: str | None = None) -> bytes:
    """The checks every page passes before a parser sees it (empty, binary, depth), and its
    bytes as UTF-8."""
    body = as_bytes(html)
    check_document(body)
    body = as_utf8(body, content_type)
    check_depth(body)
    return body


def parse_document(html: bytes | str, *, check_blocked: bool = True, content_type: str | None = None) -> etree._Element:
    """Parse a page; raise BlockedPage for a captcha, UnparsablePage for empty, binary or too
    deeply nested input."""
    body = prepare_body(html, content_type)
    if check_blocked and is_blocked(body):
        raise BlockedPage("captcha", "Robot Check page")
    try:
        root = etree.fromstring(body, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as error:
        raise UnparsablePage("malformed", str(error)[:200]) from error
    if root is None:
        raise UnparsablePage("malformed", "no document element")
    if _PARSER.error_log.filter_types(_RESOURCE_LIMIT):  # libxml2 drops what nests below 256 levels
        raise UnparsablePage("too deep", "tags nest deeper than libxml2's 256 levels")
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
