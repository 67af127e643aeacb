"""Review-list pages (`/product-reviews/<ASIN>`) → partial review records + reviewer ids.

Two layouts: the `data-hook` layout (2016 → today, also what the sandbox serves) and the
old pre-2016 list, where each review follows an `<a name="R...">` anchor. The page shows
the date at day level only, so `timestamp` is 00:00 UTC of that day in ms; `parent_asin`
is not on the page and stays None (the timeline JSON carries it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree

from parsing.dom import first, text_of
from parsing.text import normalize_space, parse_count, parse_day, parse_rating

_ASIN_IN_URL = re.compile(
    r"/(?:product-reviews|dp|gp/product|gp/customer-reviews/[^/]+/[^?]*ASIN=|ASIN/)/?([A-Z0-9]{10})(?=[/?&#]|$)")
_PROFILE = re.compile(r"/gp/(?:profile|pdp/profile)/(?:amzn1\.account\.)?([A-Z0-9]{10,40})(?=[/?#]|$)")
_IMAGE_ID = re.compile(r"(https?://[^\s\"']+/images/I/[^._/]+)\.[^/]*?\.?(jpg|png|gif|jpeg)$")
_HELPFUL_OLD = re.compile(r"(\d[\d,.]*)\s+(?:of|de|von|sur|su)\s+\d[\d,.]*")


@dataclass
class ReviewListPage:
    """One page of a product's review list."""

    reviews: list[dict] = field(default_factory=list)  # partial records, REVIEW_SCHEMA order
    profile_ids: list[str] = field(default_factory=list)  # reviewers' USERIDs, page order, unique
    next_url: str | None = None
    review_ids: list[str] = field(default_factory=list)  # the `R...` id of each review, same order
    asin: str | None = None
    is_review_list: bool = True  # False: no review block and no review-list container on the page
    # `R...` ids of the review blocks quarantined as "truncated review" (cut off, or a required
    # field missing): never in `reviews`, so no half record is ever emitted
    truncated_ids: list[str] = field(default_factory=list)


def asin_from_url(url: str | None) -> str | None:
    if not url:
        return None
    match = _ASIN_IN_URL.search(url)
    return match.group(1) if match else None


def profile_id(href: str | None) -> str | None:
    """'/gp/profile/amzn1.account.AGKH.../ref=...' or the old '/gp/pdp/profile/A3BA.../' → the id."""
    if not href:
        return None
    match = _PROFILE.search(href)
    return match.group(1) if match else None


def review_image(url: str) -> dict:
    """A review photo's tile URL → the release's three sizes (256 px, 800 px, original)."""
    match = _IMAGE_ID.match(url)
    if not match:
        return {"small_image_url": url, "medium_image_url": url, "large_image_url": url, "attachment_type": "IMAGE"}
    base, ext = match.groups()
    return {
        "small_image_url": f"{base}._SL256_.{ext}",
        "medium_image_url": f"{base}._SL800_.{ext}",
        "large_image_url": f"{base}.{ext}",
        "attachment_type": "IMAGE",
    }


def _record(rating, title, text, images, asin, user_id, timestamp, helpful, verified) -> dict:
    return {
        "rating": rating, "title": title, "text": text, "images": images, "asin": asin,
        "parent_asin": None, "user_id": user_id, "timestamp": timestamp,
        "helpful_vote": helpful, "verified_purchase": verified,
    }


# Compiled once; every lookup inside a review block is relative to the block (`descendant::`),
# so a page costs time linear in its size, however many blocks it holds.
_REVIEW_BLOCKS = etree.XPath('//*[@data-hook="review"]')
_STAR_TEXT = etree.XPath('descendant::*[@data-hook="review-star-rating" or @data-hook="cmps-review-star-rating"]'
                         '/descendant::*[contains(@class,"a-icon-alt")]')
# `reviewTitle` / `reviewRichContentContainer`: the 2026 product-page review cards
_TITLE = etree.XPath('descendant::*[@data-hook="review-title" or @data-hook="reviewTitle"]')
_TITLE_SPANS = etree.XPath('span[not(contains(@class,"a-letter-space"))]')
_BODY = etree.XPath('descendant::*[@data-hook="review-body" or @data-hook="reviewRichContentContainer"]')
_DATE = etree.XPath('descendant::*[@data-hook="review-date"]')
_HELPFUL = etree.XPath('descendant::*[@data-hook="helpful-vote-statement"]')
_PROFILE_HREF = etree.XPath('descendant::a[contains(@class,"a-profile")]/@href')
# customer photos: `review-image-tile` (2016+) and `cmps-review-image-tile` (2023+ product pages)
_IMAGE_TILES = etree.XPath('descendant::img[@data-hook="review-image-tile" or @data-hook="cmps-review-image-tile"]')
_VERIFIED = etree.XPath('descendant::*[@data-hook="avp-badge" or @data-hook="avp-badge-linkless"]')
_OLD_ANCHORS = etree.XPath("//a[@name]")
_OLD_REVIEW_TEXT = etree.XPath('descendant::*[contains(@class,"reviewText")]')
_OLD_STARS = etree.XPath('descendant::*[contains(@class,"swSprite") or contains(@class,"a-icon-star")]/@title')
_OLD_TITLE = etree.XPath("descendant::span/b")
_OLD_DATE = etree.XPath("descendant::nobr")
_OLD_PROFILE = etree.XPath('descendant::a[contains(@href,"/profile/")]/@href')
_OLD_LINES = etree.XPath("div/text()")
_OLD_VERIFIED = etree.XPath('descendant::*[contains(@class,"crVerifiedStripe")]')
_REVIEW_ID = re.compile(r"R[A-Z0-9]{6,}")
_FOLLOWING = etree.XPath("following::*[1]")
# The list's container, present even when a product has no review yet (2024 layout, pre-2016 layout).
_REVIEW_LIST = etree.XPath('//*[@id="cm_cr-review_list" or @id="productReviews"]')


def _tile_url(img) -> str:
    """A photo tile's image: lazy-loaded tiles keep a grey placeholder in `src`, the photo in `data-src`."""
    return img.get("data-src") or img.get("src") or ""


def _data_hook_reviews(root, asin: str | None) -> tuple[list[dict], list[str], list, list[bool]]:
    """(records, ids, block nodes, whether each block has every required part)."""
    records, ids, nodes, whole = [], [], [], []
    for node in _REVIEW_BLOCKS(root):
        title_node = first(_TITLE(node))
        title = ""
        if title_node is not None:
            # The title link also holds the star icon's alt text; keep only the title spans.
            spans = _TITLE_SPANS(title_node)
            title = normalize_space(" ".join(text_of(s) for s in spans)) if spans else text_of(title_node)
        body = first(_BODY(node))
        tiles = [url for url in map(_tile_url, _IMAGE_TILES(node)) if url]
        records.append(_record(
            parse_rating(text_of(first(_STAR_TEXT(node)))), title, text_of(body),
            [review_image(u) for u in tiles], asin, profile_id(first(_PROFILE_HREF(node))),
            parse_day(text_of(first(_DATE(node)))), parse_count(text_of(first(_HELPFUL(node)))) or 0,
            bool(_VERIFIED(node)),
        ))
        ids.append(node.get("id") or "")
        nodes.append(node)
        whole.append(body is not None)
    return records, ids, nodes, whole


def _old_layout_reviews(root, asin: str | None) -> tuple[list[dict], list[str], list, list[bool]]:
    """Each review is the first `div` after its `<a name="R...">` anchor (read with the sibling
    iterator: `following-sibling::div[1]` in libxml2 walks every later sibling, per anchor)."""
    records, ids, nodes = [], [], []
    for anchor in _OLD_ANCHORS(root):
        name = anchor.get("name") or ""
        if not _REVIEW_ID.fullmatch(name):
            continue
        node = next(anchor.itersiblings("div"), None)
        text = first(_OLD_REVIEW_TEXT(node)) if node is not None else None
        if text is None:
            continue
        helpful = ""
        for line in _OLD_LINES(node):
            if _HELPFUL_OLD.search(line):
                helpful = line
                break
        votes = _HELPFUL_OLD.search(helpful)
        records.append(_record(
            parse_rating(first(_OLD_STARS(node))), text_of(first(_OLD_TITLE(node))), text_of(text),
            [], asin, profile_id(first(_OLD_PROFILE(node))), parse_day(text_of(first(_OLD_DATE(node)))),
            int(re.sub(r"\D", "", votes.group(1))) if votes else 0,
            bool(_OLD_VERIFIED(node)),
        ))
        ids.append(name)
        nodes.append(node)
    return records, ids, nodes, [True] * len(records)  # found by its text: it has a body


def unwrap_signin(url: str) -> str:
    """A 'sign in to see page 2' link carries the real page in `openid.return_to`."""
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url)
    if parts.path.startswith("/ap/"):
        target = parse_qs(parts.query).get("openid.return_to")
        if target:
            return target[0]
    return url


def review_next_url(root, base_url: str) -> str | None:
    href = first(root.xpath(
        '//li[contains(concat(" ",normalize-space(@class)," ")," a-last ")]/a/@href'
        ' | //span[@class="paging"]/a[contains(.,"Next")]/@href'
    ))
    return unwrap_signin(urljoin(base_url, href)) if href else None


def _cut_off(node, last: bool, truncated: bool) -> bool:
    """On a page cut off before `</html>`, the last block is whole only when some other element
    follows it (the cut fell after it); a block the cut went through may have lost text, votes,
    its badge, or part of its reviewer link."""
    return last and truncated and not _FOLLOWING(node)


def _has_required(record: dict, whole: bool) -> bool:
    """A record is emitted only with a body, a star rating and a date."""
    return whole and record["rating"] is not None and record["timestamp"] is not None


def parse_review_list(root, base_url: str, truncated: bool = False) -> ReviewListPage:
    """`truncated`: the page's bytes end before `</html>` (`parsing.dom.is_truncated`)."""
    asin = asin_from_url(base_url)
    if asin is None:
        for link in root.xpath('//a[@data-hook="product-link"]/@href | //link[@rel="canonical"]/@href'
                               ' | (//a[contains(@href,"/product-reviews/")])[1]/@href'):
            asin = asin_from_url(link)
            if asin:
                break
    records, ids, nodes, whole = _data_hook_reviews(root, asin)
    if not records:
        records, ids, nodes, whole = _old_layout_reviews(root, asin)
    kept, kept_ids, cut, reviewers = [], [], [], []
    for index, record in enumerate(records):
        if _cut_off(nodes[index], index == len(records) - 1, truncated):
            cut.append(ids[index])
            continue
        reviewers.append(record["user_id"])  # a whole block names its reviewer even if it lacks a field
        if _has_required(record, whole[index]):
            kept.append(record)
            kept_ids.append(ids[index])
        else:
            cut.append(ids[index])
    profiles = list(dict.fromkeys(user for user in reviewers if user))  # page order
    listed = bool(records) or bool(_REVIEW_LIST(root))
    return ReviewListPage(kept, profiles, review_next_url(root, base_url), kept_ids, asin, listed, cut)
