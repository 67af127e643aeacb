"""A product page → the official item-metadata record (DESIGN §3, `parsing.schemas.META_SCHEMA`).

One parse (Lexbor: `parsing.lexbor_dom`), then each field from its block, found by the ids and
classes that Amazon's detail-page template has kept since ~2012 (`#productTitle`, `#bylineInfo`, `#acrPopover`,
`#feature-bullets`, `#productDescription`, `#wayfinding-breadcrumbs_feature_div`, the
`prodDetTable` tables, `#detailBullets_feature_div`) with the older equivalents next to them
(`#btAsinTitle`, `.crAvgStars`, `#detail_bullets_id`, `td.label`/`td.value` tables, ...).
Numbers are read in the page's locale ("1.234,56 €", "4,5 de 5 estrellas").
"""
from __future__ import annotations

import re
from operator import itemgetter
from urllib.parse import unquote

from parsing.details import DETAIL_CONTAINER_IDS, bucket_details, product_details
from parsing.dom import is_blocked, is_truncated, prepare_body
from parsing.lexbor_dom import ancestors, classes, first, get, ids_in, lexbor_root, select_below, text_of
from parsing.errors import BlockedPage, UnparsablePage
from parsing.media import (IMAGE_IDS, images_from_dom, images_from_gallery, images_from_script, videos_from_carousel,
                           videos_from_script)
from parsing.reviews import asin_from_url
from parsing.text import normalize_space, parse_count, parse_price, parse_rating

# Every block the extractors start from, collected in one walk over the page's ids.
_ANCHOR_IDS = (
    # title, byline, ratings
    "productTitle", "btAsinTitle", "ebooksProductTitle", "title", "productSubtitle", "subtitle",
    "bylineInfo", "byline", "brand", "acrPopover", "acrCustomerReviewText", "averageCustomerReviews",
    # text blocks, breadcrumb, category bar, this page's ASIN
    "feature-bullets", "kindle-feature-bullets-atf", "productFactsDesktopExpander", "productDescription",
    "bookDescription_feature_div", "productDescription_feature_div", "wayfinding-breadcrumbs_feature_div",
    "nav-subnav", "ASIN",
    # prices, newest layout first
    "corePrice_feature_div", "corePriceDisplay_desktop_feature_div", "corePrice_desktop", "apex_desktop",
    "apex_offerDisplay_desktop", "tp_price_block_total_price_ww", "priceblock_ourprice", "priceblock_dealprice",
    "priceblock_saleprice", "price_inside_buybox", "newBuyBoxPrice", "kindle-price", "actualPriceValue",
    "buyNewSection", "tmmSwatches", "price",
    # "Frequently bought together"; fbtCheck-1: the 2020+ card's first checkbox
    "sims-fbt", "sims-fbt-content", "frequentlyBoughtTogether_feature_div", "fbtCheck-1",
)
_LOOKUP_IDS = frozenset((*_ANCHOR_IDS, *DETAIL_CONTAINER_IDS, *IMAGE_IDS))
# attribute selectors rather than `.class`/`#id`: those may match case-blind on quirks-mode (old) pages
_A_ICON_ALT = '[class*="a-icon-alt"]'
_DIGIT = re.compile(r"\d")
_REVIEW_COUNT = re.compile(r"([\d][\d.,]*)\s+(?:customer\s+)?(?:reviews?|ratings?)")
# "Visit the X Store", "Visita la tienda de X", "Visitez la boutique X", "Besuche den X-Store"...
_VISIT_STORE = re.compile(r"^(?:Visit the|Visita la tienda de|Visita lo Store di|Visitez la boutique|Visiter la boutique"
                          r"|Besuche den|Bezoek de|Visite a loja(?:\s+(?-i:de|da|do))?)\s+(.+)$", re.I)
# the shop word, cut off after the match (as a lazy group + optional suffix, the regex would
# retry the suffix at every character of the name)
_SHOP_WORD = re.compile(r"\s*-?\s*(?:Store|Shop|Boutique|Tienda|Loja)$", re.I)
_BRAND_PATTERNS = (
    # "Brand: X", "Marca: X", "Marke: X", "Marque : X", "Merk: X"
    re.compile(r"^(?:Brand|Marca|Marke|Marque|Merk|Brand Name)\s*:\s*(.+)$", re.I),
    re.compile(r"^(?:by|de|von|par|di|door)\s+(.+)$"),  # lower case only: "De Buyer" is a brand
)
_OLD_BY = re.compile(r"^(?:by|de|von|par|di)\s+(.+)$")  # the 2011–2012 byline span, lower case as printed
_TITLE_DEPARTMENT = re.compile(r"^Amazon\.[a-z.]+\s*:.+\s:\s([^:]+)$")
_PARENT_ASIN = re.compile(rb'"parentAsin"\s*:\s*"([A-Z0-9]{10})"')
_PARENT_ASIN_LITERAL = b'"parentAsin"'
_FBT_ASIN = re.compile(r"[A-Z0-9]{10}")
_DP_HREF = re.compile(r"/(?:dp|gp/product)/([A-Z0-9]{10})")


def parse_product(html: bytes | str, url: str | None = None, content_type: str | None = None) -> dict:
    """The official meta record of one product page (`content_type`: the HTTP header, for its charset).

    Raises BlockedPage for a Robot Check page and UnparsablePage (with a reason) for one
    that is empty, binary, too deeply nested, truncated or not a product page.
    """
    body = prepare_body(html, content_type)  # checked, and UTF-8: the extractors read these bytes too
    root = lexbor_root(body)  # a page with a product title is no captcha: checked below, if none
    anchors = ids_in(root, _LOOKUP_IDS)  # {id: element} for the ids present; .get() for the others
    title_node = anchors.get("productTitle")
    if title_node is not None and title_node.tag == "input":
        # a hidden `input#productTitle` may come first; the visible title is a span/h1
        anchors["productTitle"] = first([node for node in root.css('[id="productTitle"]') if node.tag != "input"])
    if anchors.get("productTitle") is None and "ebooksProductTitle" not in anchors and "btAsinTitle" not in anchors:
        anchors["parseasinTitle"] = root.css_first('h1[class*="parseasinTitle"]')  # the pre-2013 template

    title, title_key = _title(anchors)
    if not title and is_blocked(body):
        raise BlockedPage("captcha", "Robot Check page")
    if not title:
        raise UnparsablePage("truncated" if is_truncated(body) else "no product title",
                             "no #productTitle / #btAsinTitle on the page")
    if is_truncated(body):
        raise UnparsablePage("truncated", "the page ends before </html>")
    store, author = _byline(anchors)
    parent_asin = _parent_asin(body, anchors, url, root)
    asin_input = anchors.get("ASIN")
    page_asin = get(asin_input, "value") if asin_input is not None else None
    categories = _breadcrumb(anchors.get("wayfinding-breadcrumbs_feature_div"))
    record = {
        "main_category": _main_category(anchors.get("nav-subnav")) or _department(categories, root),
        "title": title,
        "average_rating": _average_rating(root, anchors, body),
        "rating_number": _rating_number(root, anchors, body),
        "features": _features(_first_present(anchors, "feature-bullets", "kindle-feature-bullets-atf"),
                              anchors.get("productFactsDesktopExpander")),
        "description": _description(anchors),
        "price": _price(anchors),
        "images": images_from_script(body) or images_from_gallery(body) or images_from_dom(anchors),
        "videos": videos_from_script(body) or videos_from_carousel(
            body, {asin for asin in (parent_asin, page_asin, asin_from_url(url)) if asin}),
        "store": store,
        "categories": categories,
        "details": product_details(root, anchors, body),
        "parent_asin": parent_asin,
        "bought_together": _bought_together(anchors, parent_asin, page_asin, asin_from_url(url)),
    }
    if title_key in ("btAsinTitle", "parseasinTitle"):
        _pre2013(root, anchors, record)
    subtitle = text_of(_first_present(anchors, "productSubtitle", "subtitle"))
    if subtitle or author:
        record["subtitle"] = subtitle or None
        record["author"] = author
    return record


def _first_present(anchors, *keys):
    for key in keys:
        element = anchors.get(key)
        if element is not None:
            return element
    return None


def _title(anchors) -> tuple[str, str | None]:
    """(the title, the anchor that gives it: the first with text); ("", None) when none does."""
    for key in ("productTitle", "ebooksProductTitle", "btAsinTitle", "parseasinTitle", "title"):
        element = anchors.get(key)
        if element is None:
            continue
        if key == "title" and element.tag not in ("h1", "div"):
            continue
        text = text_of(element)
        if text:
            return text, key
    return "", None


def _pre2013(root, anchors, record: dict) -> None:
    """The 2011–2012 template (title in `#btAsinTitle` / `h1.parseasinTitle`) fills what the ids
    above miss: the brand or authors in the "by …" span beside the title (`div.buying`), the price
    in `b.priceLarge`, the facts of the "Product Details" box (`parsing.details.bucket_details`)."""
    heading = anchors.get("parseasinTitle")
    if heading is None:
        heading = next((above for above in ancestors(anchors["btAsinTitle"]) if above.tag == "h1"), None)
    box = heading.parent if heading is not None else None
    if record["store"] is None and box is not None:
        for span in select_below(box, "span"):
            match = _OLD_BY.match(text_of(span))
            if match and span.parent.mem_id == box.mem_id:
                record["store"] = match.group(1)
                break
    if record["price"] is None:
        record["price"] = parse_price(text_of(root.css_first('b[class*="priceLarge"]')))
    if not record["details"]:
        record["details"] = bucket_details(root)


def _main_category(subnav) -> str | None:
    """The store name at the left of the category bar: text, or the alt of its logo image."""
    if subnav is None:
        return None
    link = None
    for a in subnav.css("a"):  # the first `a.nav-b`, else the first link
        if "nav-b" in classes(a).split():
            link = a
            break
        if link is None:
            link = a
    if link is None:
        return None
    alt = next((get(img, "alt") for img in select_below(link, "img[alt]")), None)
    text = text_of(link) or normalize_space(alt or "")
    return text or None


def _department(categories: list[str], root) -> str | None:
    """Pages without the category bar (seen on .com and .com.mx): the department the breadcrumb
    starts with, else the one the page's `<title>` ends with ("Amazon.com: … : Automotive")."""
    if categories:
        return categories[0]
    match = _TITLE_DEPARTMENT.match(text_of(root.css_first("head > title")))
    return match.group(1) if match else None


def _byline(anchors) -> tuple[str | None, str | None]:
    """(store, author). Books list contributors ("Mat Follas (Author)"); others name the brand."""
    byline = _first_present(anchors, "bylineInfo", "byline", "brand")
    if byline is None:
        return None, None
    authors = [node for node in byline.css("[class]") if "author" in classes(node).split()]
    if authors:
        names, credits = [], []
        for node in authors:
            name = _contributor_link(node)
            name_text = text_of(name) if name is not None else ""
            if not name_text:
                continue
            # "(Author)," : the comma that separates contributors is inside the role's span
            role = text_of(first(select_below(node, '[class*="contribution"]'))).rstrip(" ,")
            names.append(name_text)
            credits.append(f"{name_text} {role}".strip())
        if names:
            return ", ".join(credits), names[0]
    text = text_of(byline)
    match = _VISIT_STORE.match(text)
    if match:
        name = match.group(1)
        shop_word = _SHOP_WORD.search(name, 1)  # from the 2nd character: a bare "Store" stays
        return normalize_space(name[:shop_word.start()] if shop_word else name) or None, None
    for pattern in _BRAND_PATTERNS:
        match = pattern.match(text)
        if match:
            return normalize_space(match.group(1)) or None, None
    return text or None, None


def _contributor_link(author):
    """The first `a.contributorNameID` under an author, or link that is its child or grandchild
    through a `span`, outside a popover's preloaded copy."""
    own = author.mem_id
    for link in select_below(author, "a"):
        if "contributorNameID" in classes(link):
            return link
        parent = link.parent
        if (parent.mem_id == own or parent.tag == "span" and parent.parent.mem_id == own) and not any(
                "a-popover-preload" in classes(above) for above in ancestors(link)):
            return link
    return None


def _old_stars(root, anchors, body: bytes):
    """The pre-2013 `.crAvgStars` block. Finding it walks the whole tree, so it is looked up
    once, and only when the raw page spells the class."""
    if "crAvgStars" not in anchors:
        anchors["crAvgStars"] = root.css_first('[class*="crAvgStars"]') if b"crAvgStars" in body else None
    return anchors["crAvgStars"]


def _average_rating(root, anchors, body: bytes) -> float | None:
    popover = anchors.get("acrPopover")
    if popover is not None:
        value = parse_rating(get(popover, "title")) or parse_rating(text_of(first(select_below(popover, _A_ICON_ALT))))
        if value is not None:
            return value
    box = anchors.get("averageCustomerReviews")
    if box is not None:
        value = parse_rating(text_of(first(select_below(box, _A_ICON_ALT))))
        if value is not None:
            return value
    stars = _old_stars(root, anchors, body)  # pre-2013 layout
    if stars is not None:
        titled = first(select_below(stars, "[title]"))
        return parse_rating((get(titled, "title") if titled is not None else None) or text_of(stars))
    return None


def _rating_number(root, anchors, body: bytes) -> int | None:
    count = anchors.get("acrCustomerReviewText")
    if count is not None:
        # since ~2024 the visible text may be abbreviated ("(1.2K)"); the aria-label is exact
        label = get(count, "aria-label") or ""
        return parse_count(label) if _DIGIT.search(label) else parse_count(text_of(count))
    stars = _old_stars(root, anchors, body)
    if stars is not None:
        match = _REVIEW_COUNT.search(text_of(stars))
        return parse_count(match.group(1)) if match else None
    return None


def _features(bullets, facts=None) -> list[str]:
    """`#feature-bullets` ("About this item"); fashion pages since ~2023 put the same list in
    the product-facts expander instead."""
    if bullets is None:
        if facts is None:
            return []
        return [t for t in map(text_of, _list_items(facts)) if t]
    items = [li for li in _list_items(bullets) if "id" not in li.attrs and "aok-hidden" not in classes(li)]
    return [text for text in map(text_of, items) if text]


def _description(anchors) -> list[str]:
    """`#productDescription`, one entry per paragraph; for books the publisher's blurb
    (`#bookDescription_feature_div`) comes first, since there #productDescription holds
    the editorial reviews."""
    book = anchors.get("bookDescription_feature_div")
    if book is not None:
        content = first(select_below(book, "noscript"))
        if content is None:
            content = first(select_below(book, '[class*="a-expander-content"]'))
        text = text_of(content if content is not None else book)
        if text:
            return [text]
    node = anchors.get("productDescription")
    if node is not None:
        paragraphs = [t for t in map(text_of, select_below(node, "p")) if t]
        if paragraphs:
            return paragraphs
        text = text_of(node)
        return [text] if text else []
    tabs = anchors.get("productDescription_feature_div")
    if tabs is not None:  # 2023+ books: "Overview" / "Editorial reviews" tabs
        overview = first(select_below(tabs, '[data-feature-name*="DescriptionOverviewContent"]'))
        if overview is not None:
            paragraphs = [t for t in map(text_of, select_below(overview, "p")) if t]
            if paragraphs:
                return paragraphs
            text = text_of(overview)
            return [text] if text else []
    return []


_RANK = itemgetter(0)


def _list_items(block) -> list:
    """`.//ul/li`: one per bullet; hidden ones (the "make sure this fits" line) carry an id or aok-hidden."""
    return [li for li in select_below(block, "li") if li.parent.tag == "ul"]


def _price_spans(block) -> list:
    """The block's `span.a-price`s: the price to pay first, then those not struck through, then
    the rest, each group in page order."""
    ranked = []
    for span in select_below(block, 'span[class*="a-price"]'):
        names = classes(span)
        rank = 0 if "priceToPay" in names or "apexPriceToPay" in names else 2 if "a-text-price" in names else 1
        ranked.append((rank, span))
    ranked.sort(key=_RANK)  # stable: page order within a rank
    return [span for _, span in ranked]


def _offscreen(span):
    """The first child `span.a-offscreen`."""
    for child in span.iter():
        if child.tag == "span" and "a-offscreen" in classes(child):
            return child
    return None


def _a_price(span) -> float | None:
    """`span.a-price`: its screen-reader text, or else its visible whole + fraction parts."""
    value = parse_price(text_of(_offscreen(span)))
    if value is None:
        value = parse_price("".join(text_of(part) for part in select_below(span, "span")
                                    if "a-price-whole" in (names := classes(part)) or "a-price-fraction" in names))
    return value


def _price(anchors) -> float | None:
    """The buy-box price; None when the page offers none (unavailable, or only used offers)."""
    for key in ("corePriceDisplay_desktop_feature_div", "corePrice_feature_div", "corePrice_desktop",
                "apex_desktop", "apex_offerDisplay_desktop", "tp_price_block_total_price_ww"):
        block = anchors.get(key)
        if block is None:
            continue
        for span in _price_spans(block):
            value = _a_price(span)
            if value is not None:
                return value
    for key in ("priceblock_dealprice", "priceblock_saleprice", "priceblock_ourprice", "price_inside_buybox",
                "newBuyBoxPrice", "kindle-price", "actualPriceValue"):
        value = parse_price(text_of(anchors.get(key)))
        if value is not None:
            return value
    section = anchors.get("buyNewSection")
    if section is not None:
        value = parse_price(text_of(first(select_below(section, '[class*="offer-price"]'))))
        if value is not None:
            return value
    swatches = anchors.get("tmmSwatches")
    if swatches is not None:  # books: the selected format's price
        value = parse_price(text_of(_selected_swatch_price(swatches)))
        if value is not None:
            return value
    header = anchors.get("price")  # books' header price (`span#price`), a last resort
    if header is not None and header.tag == "span":
        return parse_price(text_of(header))
    return None


def _selected_swatch_price(swatches):
    """The first `.a-color-price` inside the selected format: a `.swatchElement.selected` or an
    `li.selected` under `swatches`."""
    own = swatches.mem_id
    for price in select_below(swatches, '[class*="a-color-price"]'):
        for above in ancestors(price):
            if above.mem_id == own:
                break
            names = classes(above)
            if "selected" in names and ("swatchElement" in names or above.tag == "li"):
                return price
    return None


def _breadcrumb(node) -> list[str]:
    if node is None:
        return []
    # the "‹ Back to results" link shares the list on pages reached from a search
    return [t for t in (text_of(a) for a in node.css("a") if get(a, "id") != "breadcrumb-back-link") if t]


def _parent_asin(body: bytes, anchors, url: str | None, root) -> str | None:
    position = body.find(_PARENT_ASIN_LITERAL)  # memchr-fast; the regex only where it matters
    while position >= 0:
        match = _PARENT_ASIN.match(body, position)
        if match:
            return match.group(1).decode("ascii")
        position = body.find(_PARENT_ASIN_LITERAL, position + 1)
    asin_input = anchors.get("ASIN")
    if asin_input is not None and get(asin_input, "value"):
        return get(asin_input, "value")
    from_url = asin_from_url(unquote(url)) if url else None
    if from_url:
        return from_url
    canonical = next((get(link, "href") for link in root.css("link[href]") if get(link, "rel") == "canonical"), None)
    return asin_from_url(canonical)


def _bought_together(anchors, *own: str | None) -> list[str] | None:
    """ASINs of the "Frequently bought together" bundle, this item excluded; None when absent."""
    block = _first_present(anchors, "sims-fbt", "frequentlyBoughtTogether_feature_div", "sims-fbt-content")
    if block is None:  # 2020+: a recommendations card whose checkboxes are `fbtCheck-<n>`
        check = anchors.get("fbtCheck-1")
        block = None if check is None else next(
            (card for card in ancestors(check) if "cardRoot" in classes(card) or card.tag == "form"), None)
    if block is None:
        return None
    values = []  # data-asin attributes and the bundle's `input[name^=discoveredAsins]` values, in page order
    for node in select_below(block, '[data-asin], input[name^="discoveredAsins"][value]'):
        if "data-asin" in node.attrs:
            values.append(get(node, "data-asin"))
        if node.tag == "input" and (get(node, "name") or "").startswith("discoveredAsins") and "value" in node.attrs:
            values.append(get(node, "value"))
    if not values:
        hrefs = (get(a, "href") for a in select_below(block, "a[href]"))
        values = [m.group(1) for m in map(_DP_HREF.search, hrefs) if m]
    found = []
    for value in values:
        for asin in _FBT_ASIN.findall(value or ""):
            if asin not in own and asin not in found:
                found.append(asin)
    return found or None
