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


def _data_hook_reviews(root, asin: str | None) -> tuple[list[dict], list[str]]:
    records, ids = [], []
    for node in root.xpath('//*[@data-hook="review"]'):
        rating_node = first(node.xpath(
            './/*[@data-hook="review-star-rating" or @data-hook="cmps-review-star-rating"]//*[contains(@class,"a-icon-alt")]'))
        title_node = first(node.xpath('.//*[@data-hook="review-title"]'))
        title = ""
        if title_node is not None:
            # The title link also holds the star icon's alt text; keep only the title spans.
            spans = title_node.xpath('./span[not(contains(@class,"a-letter-space"))]')
            title = normalize_space(" ".join(text_of(s) for s in spans)) if spans else text_of(title_node)
        body = first(node.xpath('.//*[@data-hook="review-body"]'))
        date = first(node.xpath('.//*[@data-hook="review-date"]'))
        helpful = first(node.xpath('.//*[@data-hook="helpful-vote-statement"]'))
        profile = first(node.xpath('.//a[contains(@class,"a-profile")]/@href'))
        tiles = node.xpath('.//img[@data-hook="review-image-tile"]/@src')
        verified = bool(node.xpath('.//*[@data-hook="avp-badge" or @data-hook="avp-badge-linkless"]'))
        records.append(_record(
            parse_rating(text_of(rating_node)), title, text_of(body), [review_image(u) for u in tiles],
            asin, profile_id(profile), parse_day(text_of(date)), parse_count(text_of(helpful)) or 0, verified,
        ))
        ids.append(node.get("id") or "")
    return records, ids


def _old_layout_reviews(root, asin: str | None) -> tuple[list[dict], list[str]]:
    records, ids = [], []
    for anchor in root.xpath('//a[@name][following-sibling::div[1]//*[contains(@class,"reviewText")]]'):
        name = anchor.get("name") or ""
        if not re.fullmatch(r"R[A-Z0-9]{6,}", name):
            continue
        node = anchor.xpath("following-sibling::div[1]")[0]
        rating = first(node.xpath('.//*[contains(@class,"swSprite") or contains(@class,"a-icon-star")]/@title'))
        title = first(node.xpath(".//span/b"))
        date = first(node.xpath(".//nobr"))
        profile = first(node.xpath('.//a[contains(@href,"/profile/")]/@href'))
        helpful = ""
        for line in node.xpath("./div/text()"):
            if _HELPFUL_OLD.search(line):
                helpful = line
                break
        votes = _HELPFUL_OLD.search(helpful)
        records.append(_record(
            parse_rating(rating), text_of(title), text_of(first(node.xpath('.//*[contains(@class,"reviewText")]'))),
            [], asin, profile_id(profile), parse_day(text_of(date)),
            int(re.sub(r"\D", "", votes.group(1))) if votes else 0,
            bool(node.xpath('.//*[contains(@class,"crVerifiedStripe")]')),
        ))
        ids.append(name)
    return records, ids


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


def parse_review_list(root, base_url: str) -> ReviewListPage:
    asin = asin_from_url(base_url)
    if asin is None:
        for link in root.xpath('//a[@data-hook="product-link"]/@href | //link[@rel="canonical"]/@href'
                               ' | (//a[contains(@href,"/product-reviews/")])[1]/@href'):
            asin = asin_from_url(link)
            if asin:
                break
    records, ids = _data_hook_reviews(root, asin)
    if not records:
        records, ids = _old_layout_reviews(root, asin)
    profiles: list[str] = []
    for record in records:
        if record["user_id"] and record["user_id"] not in profiles:
            profiles.append(record["user_id"])
    return ReviewListPage(records, profiles, review_next_url(root, base_url), ids, asin)
