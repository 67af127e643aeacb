"""What the crawler asks of a page (CONTRACTS §2): links to follow, reviewers, timeline pages.

Pure functions on `bytes | str`; no I/O. Product pages themselves are parsed by
`parsing.product.parse_product`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from parsing.dom import as_bytes, first, is_blocked, is_truncated, parse_document
from parsing.errors import UnparsablePage
from parsing.reviews import ReviewListPage, parse_review_list
from parsing.schemas import REVIEW_SCHEMA

__all__ = ["product_links", "review_list_page", "timeline_page", "next_page_url", "is_blocked",
           "ReviewListPage", "TimelinePage"]

_DP_LINK = re.compile(r"/(?:dp|gp/product|gp/aw/d)/([A-Z0-9]{10})(?=[/?#]|$)")


def _product_url(base_url: str, asin: str) -> str:
    return urljoin(base_url, f"/dp/{asin}")


def product_links(html: bytes | str, base_url: str) -> list[str]:
    """Absolute `/dp/<ASIN>` URLs of the results on a browse/search page, in page order.

    Result slots carry their ASIN (`data-asin` since ~2018, `name` on `#result_<n>` before);
    a page without result slots falls back to every product link it holds.
    """
    root = parse_document(html)
    asins = root.xpath(
        '//*[@data-component-type="s-search-result"]/@data-asin'
        ' | //*[contains(concat(" ",normalize-space(@class)," ")," s-result-item ")]/@data-asin'
        ' | //*[starts-with(@id,"result_")]/@name'
        ' | //*[starts-with(@id,"result_")]/@data-asin'
    )
    asins = [a for a in asins if re.fullmatch(r"[A-Z0-9]{10}", a or "")]
    if not asins:
        for href in root.xpath("//a/@href"):
            match = _DP_LINK.search(href)
            if match:
                asins.append(match.group(1))
    return [_product_url(base_url, a) for a in dict.fromkeys(asins)]


def next_page_url(html: bytes | str, base_url: str) -> str | None:
    """The next page of a browse/search or review list, absolute; None on the last page."""
    from parsing.reviews import review_next_url

    root = parse_document(html)
    href = first(root.xpath(
        '//a[contains(concat(" ",normalize-space(@class)," ")," s-pagination-next ")]/@href'
        ' | //a[@id="pagnNextLink"]/@href'
    ))
    if href:
        return urljoin(base_url, href)
    return review_next_url(root, base_url)


def review_list_page(html: bytes | str, base_url: str) -> ReviewListPage:
    """Reviews (partial records), reviewer ids and the next page of a review-list page; review
    blocks that are cut off or lack a required part are left out and listed in `.truncated_ids`."""
    body = as_bytes(html)
    return parse_review_list(parse_document(body), base_url, truncated=is_truncated(body))


@dataclass
class TimelinePage:
    """One page of a reviewer's timeline JSON (CONTRACTS §1)."""

    user_id: str
    reviews: list[dict] = field(default_factory=list)  # complete records, REVIEW_SCHEMA order
    next_token: str | None = None
    review_ids: list[str] = field(default_factory=list)  # contribution ids, same order
    truncated_ids: list[str] = field(default_factory=list)  # reviews missing a field: left out, never half-emitted


def _user_id(profile: str) -> str:
    return profile.split("amzn1.account.", 1)[-1]


def timeline_page(body: bytes | str) -> TimelinePage:
    """Timeline JSON → complete review records in the official field order.

    Contributions of another type (answers, lists) are skipped; a review missing a field is left
    out and its contribution id listed in `truncated_ids` (a batch quarantines it as a "truncated
    review"), so no half record is ever written; a contribution without a review object makes the
    page UnparsablePage("bad contribution").
    """
    if isinstance(body, (bytes, bytearray)):
        if not body.strip():
            raise UnparsablePage("empty", "no bytes")
        if is_blocked(body):
            from parsing.errors import BlockedPage

            raise BlockedPage("captcha", "Robot Check page instead of JSON")
        try:
            body = bytes(body).decode("utf-8")
        except UnicodeDecodeError as error:
            raise UnparsablePage("binary", "timeline is not UTF-8") from error
    try:
        data = json.loads(body)
    except ValueError as error:
        reason = "empty" if not body.strip() else "truncated" if body.lstrip().startswith("{") else "not json"
        raise UnparsablePage(reason, str(error)[:200]) from error
    if not isinstance(data, dict) or not isinstance(data.get("contributions"), list):
        raise UnparsablePage("not a timeline", "no contributions list")
    user_id = _user_id(str(data.get("profileId") or ""))
    reviews, ids, truncated = [], [], []
    for contribution in data["contributions"]:
        if not isinstance(contribution, dict) or contribution.get("type", "productreview") != "productreview":
            continue
        review = contribution.get("review")
        if not isinstance(review, dict):
            raise UnparsablePage("bad contribution", f"contribution {contribution.get('id')!r} has no review")
        if any(name not in review for name in REVIEW_SCHEMA.names):
            truncated.append(str(contribution.get("id") or f"#{len(reviews) + len(truncated)}"))
            continue
        reviews.append({name: review[name] for name in REVIEW_SCHEMA.names})
        ids.append(str(contribution.get("id") or ""))
    token = data.get("nextPageToken")
    return TimelinePage(user_id, reviews, token if token else None, ids, truncated)
