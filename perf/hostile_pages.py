"""Pages built to be expensive for a parser (issue 12), shared by perf/bench_parse.py and the tests.

Each fits under the crawler's 8 MiB body cap, as a hostile page served by a real site would.
"""
from __future__ import annotations

REVIEW_URL = "https://www.amazon.com/product-reviews/B000000001"


def _data_hook_block(i: int) -> str:
    return (f'<div data-hook="review" id="R{i:09d}X" class="a-section review">'
            f'<a class="a-profile" href="/gp/profile/amzn1.account.A{i:012d}/ref=cm_cr_arp_d_gw_btm">User {i}</a>'
            '<i data-hook="review-star-rating"><span class="a-icon-alt">4.0 out of 5 stars</span></i>'
            f'<a data-hook="review-title"><span>Title {i}</span></a>'
            '<span data-hook="review-date">Reviewed in the United States on May 5, 2020</span>'
            '<span data-hook="avp-badge">Verified Purchase</span>'
            f'<span data-hook="review-body"><span>Body of review {i}.</span></span>'
            '<span data-hook="helpful-vote-statement">3 people found this helpful</span></div>')


def _old_block(i: int) -> str:
    return (f'<a name="R{i:09d}X"></a><br /><div style="margin-left:0.5em;">'
            '<div style="margin-bottom:0.5em;">2 of 3 people found the following review helpful</div>'
            '<span class="swSprite s_star_4_0" title="4.0 out of 5 stars"></span>'
            f'<span><b>Title {i}</b>, <nobr>7 April 2013</nobr></span>'
            f'<a href="/gp/pdp/profile/A{i:012d}/ref=cm_cr_pr_pdp">User {i}</a>'
            '<span class="crVerifiedStripe"><b>Verified Purchase</b></span>'
            f'<div class="reviewText">Body of review {i}.</div></div>')


def review_page(blocks: int, layout: str = "data-hook") -> bytes:
    """A review-list page with `blocks` review blocks, siblings in one list (~600 bytes each)."""
    block = _data_hook_block if layout == "data-hook" else _old_block
    container = 'id="cm_cr-review_list"' if layout == "data-hook" else 'id="productReviews"'
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Reviews</title></head><body>"
            f"<div {container}>" + "".join(block(i) for i in range(blocks)) + "</div></body></html>").encode()


def nested_page(levels: int = 200_000) -> bytes:
    """A product page whose body is `levels` nested `<div>` (200k: 4.2 MB, the issue's page)."""
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Deep</title></head><body>'
            '<span id="productTitle">Deep page</span>' + '<div class="n">' * levels + "x" + "</div>" * levels
            + "</body></html>").encode()


def stray_close_page(levels: int = 40_000) -> bytes:
    """Nesting that a start-minus-end-tag count does not see: every `<div>` is followed by an end
    tag that closes nothing, so the tree still grows one level per `<div>`. Only a time budget
    stops it (Lexbor: ~5 s at 20k levels, quadratic)."""
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Stray</title></head><body>'
            '<span id="productTitle">Stray page</span>' + "<div></x>" * levels + "</body></html>").encode()


def product_page(title: str, charset: str | None = "utf-8") -> str:
    """A minimal product page (title, byline, price) as text, to be encoded by the caller."""
    meta = f'<meta charset="{charset}">' if charset else ""
    return (f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body>"
            f'<span id="productTitle">{title}</span><a id="bylineInfo">Visit the Acme Store</a>'
            '<div id="corePrice_feature_div"><span class="a-price"><span class="a-offscreen">$9.99</span></span></div>'
            "</body></html>")
