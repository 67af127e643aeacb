"""HTML and JSON of the storefront, with the DOM of real current Amazon pages (CONTRACTS §1).

The nesting copies the 2024/2026 pages in ../shared/fixtures (centerCol → titleSection →
#productTitle, feature-bullets → ul → li → span.a-list-item, detail bullets with the ‏ : ‎
marks, the ImageBlockATF script, the data-hook review cards), so a parser written for the
real site reads these pages and the other way round. Pure functions of the site data.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
from html import escape
from urllib.parse import quote

from parsing.categories import display_name

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")

CAPTCHA_HTML = """<!DOCTYPE html>
<html class="a-no-js" lang="en-us"><head>
<meta charset="utf-8">
<title dir="ltr">Robot Check</title>
</head>
<body>
<!--
        To discuss automated access to Amazon data please contact api-services-support@amazon.com.
-->
<div class="a-container a-padding-double-large">
  <div class="a-row a-spacing-double-large">
    <div class="a-box a-alert a-alert-info a-spacing-base"><div class="a-box-inner">
      <i class="a-icon a-icon-alert"></i>
      <h4>Enter the characters you see below</h4>
      <p class="a-last">Sorry, we just need to make sure you're not a robot. For best results, please make sure your browser is accepting cookies.</p>
    </div></div>
    <div class="a-section"><div class="a-box a-color-offset-background"><div class="a-box-inner a-padding-extra-large">
      <form method="get" action="/errors/validateCaptcha" name="">
        <input type=hidden name="amzn" value="c2FuZGJveA==" />
        <h4>Type the characters you see in this image:</h4>
        <div class="a-row a-text-center"><img src="https://images-na.ssl-images-amazon.com/captcha/sandbox/Captcha_sandbox.jpg"></div>
        <input autocomplete="off" placeholder="Type characters" class="a-span12" id="captchacharacters" name="field-keywords" spellcheck="false" type="text">
        <span class="a-button a-button-primary a-span12"><span class="a-button-inner"><button type="submit" class="a-button-text">Continue shopping</button></span></span>
      </form>
    </div></div></div>
  </div>
</div>
</body></html>
"""


def _h(text) -> str:
    return escape(str(text), quote=True)


def day_words(ms: int) -> str:
    d = dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc)
    return f"{_MONTHS[d.month - 1]} {d.day}, {d.year}"


def _page(title: str, body: str, nav_category: str | None = None) -> str:
    """The common page chrome: the nav bar (with the category subnav when there is one)."""
    subnav = ""
    if nav_category:
        name = display_name(nav_category)
        subnav = (f'<div id="nav-progressive-subnav"><div id="nav-subnav" data-category="{_h(nav_category.lower())}" class="spacious">'
                  f'<a href="/s?i={_h(nav_category)}" class="nav-a nav-b" tabindex="0">'
                  f'<span class="nav-a-content">{_h(name)}</span></a>'
                  f'<a href="/s?i={_h(nav_category)}&amp;page=2" class="nav-a" tabindex="0"><span class="nav-a-content">Best Sellers</span></a>'
                  f'</div></div>')
    return f"""<!doctype html><html lang="en-us" class="a-no-js" data-19ax5a9jf="dingo"><head>
<meta charset="utf-8">
<title>{_h(title)}</title>
<link rel="canonical" href="https://www.amazon.com/">
</head>
<body class="a-m-us a-aui_72554-c a-aui_a11y_6_837773-c">
<div id="a-page">
<header id="navbar-main" class="nav-opt-sprite nav-locale-us nav-lang-en nav-ssl nav-unrec">
<div id="navbar" cel_widget_id="Navigation-desktop-navbar" role="navigation" class="nav-sprite-v1 celwidget nav-bluebeacon">
<div id="nav-belt"><div class="nav-left"><div id="nav-logo"><a href="/ref=nav_logo" id="nav-logo-sprites" class="nav-logo-link nav-progressive-attribute" aria-label="Amazon">
<span class="nav-sprite nav-logo-base"></span></a></div></div>
<div class="nav-right"><div id="nav-tools"><a href="/gp/cart/view.html?ref_=nav_cart" id="nav-cart" class="nav-a nav-a-2 nav-progressive-attribute"><span id="nav-cart-count">0</span><span class="nav-line-2">Cart</span></a>
<a href="/ap/signin?openid.return_to=https%3A%2F%2Fwww.amazon.com%2F" class="nav-a nav-a-2" id="nav-link-accountList"><span class="nav-line-1">Hello, sign in</span></a></div></div></div>
{subnav}
</div></header>
{body}
<div id="navFooter" class="navLeftFooter nav-sprite-v1" role="contentinfo"><div class="navFooterLine navFooterLinkLine navFooterPadItemLine">
<a href="/gp/help/customer/display.html?nodeId=508088" class="nav_a">Conditions of Use</a></div>
<span>&copy; 1996-2026, Amazon.com, Inc. or its affiliates</span></div>
</div></body></html>
"""


# ---------------------------------------------------------------- product page

def _stars_class(rating: float) -> str:
    whole = int(rating)
    half = "-5" if rating - whole >= 0.5 else ""
    return f"a-star-mini-{whole}{half}"


def render_product(item: dict, asin: str, name_of: dict[str, str]) -> str:
    """The product page of `item`, as served for `asin` (the parent or one of its variants)."""
    meta = item["meta"]
    parent = item["parent_asin"]
    store = meta["store"]
    if item["byline"] == "store":
        byline = (f'<a id="bylineInfo" class="a-link-normal" href="/stores/{quote(store)}/page/{parent}?'
                  f'lp_asin={asin}&amp;ref_=ast_bln">Visit the {_h(store)} Store</a>')
    else:
        byline = f'<a id="bylineInfo" class="a-link-normal" href="/s/ref=bl_dp_s_web_0?ie=UTF8&amp;search-alias=aps&amp;field-keywords={quote(store)}">Brand: {_h(store)}</a>'

    rating = meta["average_rating"]
    count = meta["rating_number"]
    reviews_block = ""
    if count:
        reviews_block = f"""<div id="averageCustomerReviews_feature_div" class="celwidget" data-feature-name="averageCustomerReviews">
<div id="averageCustomerReviews" data-asin="{asin}" data-ref="dpx_acr_pop_">
<span class="a-declarative" data-action="acrStarsLink-click-metrics" data-csa-c-type="widget">
<span id="acrPopover" class="reviewCountTextLinkedHistogram noUnderline" title="{rating:.1f} out of 5 stars">
<span class="a-declarative" data-action="a-popover" data-a-popover='{{"max-width":"700","closeButton":"true","url":"/gp/customer-reviews/widgets/average-customer-review/popover/ref=dpx_acr_pop_?contextId=dpx&amp;asin={asin}"}}'>
<a href="javascript:void(0)" role="button" class="a-popover-trigger a-declarative"><span aria-hidden="true" class="a-size-small a-color-base"> {rating:.1f} </span>
<i class="a-icon a-icon-star-mini {_stars_class(rating)}"><span class="a-icon-alt">{rating:.1f} out of 5 stars</span></i><i class="a-icon a-icon-popover"></i></a>
</span></span></span>
<span class="a-letter-space"></span>
<span class="a-declarative" data-action="acrLink-click-metrics"><a id="acrCustomerReviewLink" class="a-link-normal" href="/product-reviews/{asin}/ref=acr_dp_hist?ie=UTF8">
<span id="acrCustomerReviewText" aria-label="{count:,} Reviews" class="a-size-base">{count:,} {"rating" if count == 1 else "ratings"}</span></a></span>
</div></div>"""

    price = ""
    if meta["price"] is not None:
        p = meta["price"]
        whole, frac = f"{p:.2f}".split(".")
        price = f"""<div id="corePriceDisplay_desktop_feature_div" class="celwidget" data-feature-name="corePriceDisplay_desktop">
<div class="a-section a-spacing-none aok-align-center aok-relative"><span class="aok-offscreen"> ${p:,.2f} </span>
<span class="a-price aok-align-center reinventPricePriceToPayMargin priceToPay" data-a-size="xl" data-a-color="base"><span class="a-offscreen">${p:,.2f}</span><span aria-hidden="true"><span class="a-price-symbol">$</span><span class="a-price-whole">{int(whole):,}<span class="a-price-decimal">.</span></span><span class="a-price-fraction">{frac}</span></span></span>
</div></div>
<div id="corePrice_feature_div" class="celwidget" data-feature-name="corePrice" data-csa-c-asin="{asin}">
<div class="a-row"><div class="a-column a-span12 a-text-left"><div class="a-spacing-top-mini apex-core-price-identifier">
<span class="a-price a-text-normal aok-align-center reinventPriceAccordionT2 apex-pricetopay-value" data-a-color="base" data-a-size="l"><span class="a-offscreen">${p:,.2f}</span><span aria-hidden="true"><span class="a-price-symbol">$</span><span class="a-price-whole">{int(whole):,}<span class="a-price-decimal">.</span></span><span class="a-price-fraction">{frac}</span></span></span>
</div></div></div></div>"""

    bullets = ""
    if meta["features"]:
        lis = "".join(f'<li class="a-spacing-mini"><span class="a-list-item"> {_h(f)} </span></li>' for f in meta["features"])
        bullets = f"""<div id="featurebullets_feature_div" class="celwidget" data-feature-name="featurebullets">
<div id="feature-bullets" class="a-section a-spacing-medium a-spacing-top-small"><hr aria-hidden="true" class="a-divider-normal">
<h1 class="a-size-base-plus a-text-bold"> About this item </h1>
<ul class="a-unordered-list a-vertical a-spacing-mini">{lis}</ul>
</div></div>"""

    breadcrumbs = ""
    if meta["categories"]:
        sep = ('<li class="a-breadcrumb-divider" aria-hidden="true" role="presentation">'
               '<span class="a-list-item a-color-tertiary">›</span></li>')
        lis = sep.join(f'<li><span class="a-list-item"><a class="a-link-normal a-color-tertiary" '
                       f'href="/b/ref=dp_bc_{n + 1}?ie=UTF8&amp;node={1000 + n}">{_h(c)}</a></span></li>'
                       for n, c in enumerate(meta["categories"]))
        breadcrumbs = f"""<div id="desktop-breadcrumbs_feature_div" class="celwidget" data-feature-name="desktop-breadcrumbs">
<div id="wayfinding-breadcrumbs_feature_div" class="a-subheader a-breadcrumb feature" data-feature-name="wayfinding-breadcrumbs">
<ul class="a-unordered-list a-horizontal a-size-small">{lis}</ul></div></div>"""

    table_keys, bullet_keys = _split_details(meta["details"])
    spec = ""
    if table_keys:
        rows = "".join(f'<tr><th class="a-color-secondary a-size-base prodDetSectionEntry"> {_h(k)} </th>'
                       f'<td class="a-size-base prodDetAttrValue"> \u200e{_h(meta["details"][k])} </td></tr>' for k in table_keys)
        spec = f"""<div id="productDetails_feature_div" class="celwidget" data-feature-name="productDetails">
<div class="a-row a-spacing-top-base"><div class="a-column a-span6"><div class="a-row"><div class="a-expander-content">
<h1 class="a-size-medium a-spacing-small secHeader"> Technical Details </h1>
<table id="productDetails_techSpec_section_1" class="a-keyvalue prodDetTable" role="presentation"><tbody>{rows}</tbody></table>
</div></div></div></div></div>"""
    detail_bullets = ""
    if bullet_keys:
        lis = "".join(f'<li><span class="a-list-item"> <span class="a-text-bold">{_h(k)} \u200f : \u200e </span> '
                      f'<span>{_h(meta["details"][k])}</span> </span></li>' for k in bullet_keys)
        detail_bullets = f"""<div id="detailBullets_feature_div" class="celwidget" data-feature-name="detailBullets">
<div id="detailBulletsWrapper_feature_div" class="a-section feature detail-bullets-wrapper bucket" data-feature-name="detailBullets">
<hr aria-hidden="true" class="a-divider-normal bucketDivider"><h2>Product details</h2>
<div id="detailBullets_feature_div"><ul class="a-unordered-list a-nostyle a-vertical a-spacing-none detail-bullet-list">{lis}</ul></div>
</div></div>"""

    description = ""
    if meta["description"]:
        ps = "".join(f"<p> <span>{_h(d)}</span> </p>" for d in meta["description"])
        description = f"""<div id="productDescription_feature_div" class="celwidget" data-feature-name="productDescription">
<div id="productDescription_feature_div" class="a-row feature"><h2>Product Description</h2>
<div class="a-expander-collapsed-height a-row a-expander-container a-expander-section-expander" id="productDescription_expander"><div class="a-expander-content">
<div id="productDescription" class="a-section a-spacing-small"> {ps} </div>
</div></div></div></div>"""

    images = [{"hiRes": im["hi_res"], "thumb": im["thumb"], "large": im["large"],
               "main": {im["large"]: [679, 679]}, "variant": im["variant"], "lowRes": None, "shoppableScene": None}
              for im in meta["images"]]
    videos = []
    for v in meta["videos"]:
        entry = {"title": v["title"], "url": v["url"]}
        if v["user_id"]:
            entry["vendorName"] = name_of.get(v["user_id"], "Amazon Customer")
            entry["profileId"] = v["user_id"]
        else:
            entry["vendorName"] = store
        entry.update({"durationSeconds": 60 + len(v["title"]), "creatorType": "Customer" if v["user_id"] else "Merchant"})
        videos.append(entry)
    main_image = meta["images"][0]["large"] if meta["images"] else ""
    image_block = f"""<div id="leftCol" class="a-column a-span4"><div id="imageBlock_feature_div" class="celwidget" data-feature-name="imageBlock">
<div id="imageBlock" class="a-section imageBlockRearch"><div id="main-image-container" class="a-dynamic-image-container">
<img alt="{_h(meta["title"])}" src="{_h(main_image)}" id="landingImage" data-a-dynamic-image="{_h(json.dumps({main_image: [679, 679]}))}"></div></div>
<script type="text/javascript">
P.when('A').register("ImageBlockATF", function(A){{
  var data = {{
              'enableS2WithoutS1': false,
              'notShowVideoCount': false,
              'colorImages': {{ 'initial': {json.dumps(images, separators=(",", ":"))}}},
              'colorToAsin': {{'initial': {{}}}},
              'holderRatio': 1.0,
              'heroImage': {{'initial': []}},
              'heroVideo': {{'initial': []}},
              'totalVideoCount':'{len(videos)}',
              'videos': {json.dumps(videos, separators=(",", ":"))},
              'mediaTypeCount':'{len(videos)}',
              'title': {json.dumps(meta["title"])}
  }};
  A.trigger('P.AboveTheFold');
  return data;
}});
</script></div></div>"""

    twister = ""
    if len(item["asins"]) > 1:
        lis = "".join(f'<li id="variation_{i}" data-defaultasin="{a}" data-dp-url="/dp/{a}/ref=twister_{parent}" '
                      f'class="{"swatchSelect" if a == asin else "swatchAvailable"}"><span class="a-list-item">'
                      f'<a href="/dp/{a}/ref=twister_{parent}?th=1" class="a-link-normal">{_h(opt)}</a></span></li>'
                      for i, (a, opt) in enumerate(zip(item["asins"], item["options"])))
        twister = f"""<div id="twister_feature_div" class="celwidget" data-feature-name="twister"><div id="twister" class="a-section">
<div id="variation_{_h(item["variant_label"].lower())}" class="a-section"><label class="a-form-label">{_h(item["variant_label"])}: </label>
<ul class="a-unordered-list a-nostyle a-button-list a-horizontal">{lis}</ul></div></div></div>"""

    dp_data = json.dumps({"mediaAsin": asin, "parentAsin": parent, "isPrime": False, "storeID": item["category"].lower(),
                          "displayVideoBanner": False, "useVSEVideos": True}, separators=(",", ":"))
    body = f"""<div id="dp" class="{_h(item["category"].lower())} en_US">
<div id="dp-container" class="a-container" role="main">
<div id="above-dp-container" class="a-section">{breadcrumbs}</div>
<div id="ppd">
{image_block}
<div id="centerCol" class="centerColAlign">
<div id="title_feature_div" class="celwidget" data-feature-name="title">
<div id="titleSection" class="a-section a-spacing-none"><h1 id="title" class="a-size-large a-spacing-none">
<span id="productTitle" class="a-size-large product-title-word-break"> {_h(meta["title"])} </span></h1></div></div>
<div id="bylineInfo_feature_div" class="celwidget" data-feature-name="bylineInfo"><div class="a-section a-spacing-none">{byline}</div></div>
{reviews_block}
<hr class="a-spacing-small a-divider-normal">
{price}
{twister}
{bullets}
</div>
<div id="rightCol" class="rightCol"><div id="buybox" class="a-section"><div id="buyBoxAccordion" class="a-box-group">
<form method="post" id="addToCart" action="/gp/cart/add-to-cart.html?ref=dp_start-bbf_1_glance" class="a-content">
<input type="hidden" id="ASIN" name="ASIN" value="{asin}">
<input type="hidden" id="isMerchantExclusive" name="isMerchantExclusive" value="0">
<span id="submit.add-to-cart" class="a-button a-button-primary"><span class="a-button-inner"><input id="add-to-cart-button" name="submit.add-to-cart" type="submit" value="Add to Cart" class="a-button-input"></span></span>
</form></div></div></div>
</div>
<script type="text/javascript">
P.when('A', 'dp-data').register("dpGlobalData", function(A){{ return {dp_data}; }});
</script>
<div id="btf_arenas" class="celwidget">
{spec}
{detail_bullets}
{description}
<div id="reviewsMedley" class="celwidget"><div id="cm_cr_dp_d_rating_histogram"></div>
<a id="see-all-reviews-link-foot" class="a-link-emphasis a-text-bold" data-hook="see-all-reviews-link-foot" href="/product-reviews/{asin}/ref=cm_cr_dp_d_show_all_btm?ie=UTF8&amp;reviewerType=all_reviews">See more reviews</a></div>
</div>
</div></div>"""
    return _page(f"Amazon.com: {meta['title']} : {display_name(item['category'])}", body, item["category"])


def _split_details(details: dict[str, str]) -> tuple[list[str], list[str]]:
    """Spec keys go to the tech-spec table, shipping keys to the detail bullets (the generator
    orders the details table-first, so a parser reading the page in order rebuilds the same dict)."""
    table = [k for k in details if k not in _BULLET_KEYS]
    return table, [k for k in details if k in _BULLET_KEYS]


_BULLET_KEYS = frozenset({"Package Dimensions", "Item model number", "Date First Available", "Manufacturer", "UPC"})


def malformed(html: str) -> str:
    """A page cut off before #productTitle, as a dropped upstream render leaves it."""
    return html[: html.index('<span id="productTitle"')]


# ---------------------------------------------------------------- review list

def _helpful(votes: int) -> str:
    if votes <= 0:
        return ""
    text = "One person found this helpful" if votes == 1 else f"{votes:,} people found this helpful"
    return (f'<div class="a-row a-spacing-small"><span class="cr-vote"><div class="a-row a-spacing-small">'
            f'<span data-hook="helpful-vote-statement" class="a-size-base a-color-tertiary cr-vote-text">{text}</span></div></span></div>')


def _review_card(rid: str, record: dict, name: str, asin_for_links: str, variant_label: str, option: str | None) -> str:
    r = record
    images = ""
    if r["images"]:
        tiles = "".join(f'<span class="a-declarative" data-action="a-modal" id="{rid}-{n}"><a href="javascript:void(0)" class="a-popover-trigger a-declarative">'
                        f'<img alt="Customer image" src="{_h(im["small_image_url"])}" class="review-image-tile" data-hook="review-image-tile" height="88" width="100%"></a></span>'
                        for n, im in enumerate(r["images"]))
        images = (f'<div class="a-section a-spacing-medium a-spacing-top-medium review-image-container" id="{rid}_imageSection_main">'
                  f'<div class="review-image-tile-section" data-reviewid="{rid}">{tiles}</div></div>')
    strip = ""
    if option:
        strip = (f'<div class="a-row a-spacing-mini review-data review-format-strip"><a data-hook="format-strip" class="a-size-mini a-link-normal a-color-secondary" '
                 f'href="/product-reviews/{r["asin"]}/ref=cm_cr_arp_d_rvw_fmt?ie=UTF8&amp;formatType=current_format">{_h(variant_label)}: {_h(option)}</a></div>')
    verified = ('<a class="a-link-normal" href="/gp/help/customer/display.html?nodeId=G8UYX7LALQC8V9KA"><span data-hook="avp-badge" class="a-size-mini a-color-state a-text-bold">Verified Purchase</span></a>'
                if r["verified_purchase"] else "")
    stars = int(r["rating"])
    return f"""<div id="{rid}" data-hook="review" class="a-section review aok-relative"><div id="{rid}-review-card" class="a-row a-spacing-none"><div id="customer_review-{rid}" class="a-section celwidget">
<div data-hook="genome-widget" class="a-row a-spacing-mini"><a href="/gp/profile/amzn1.account.{r["user_id"]}/ref=cm_cr_arp_d_gw_btm?ie=UTF8" class="a-profile" data-a-size="small">
<div aria-hidden="true" class="a-profile-avatar-wrapper"><div class="a-profile-avatar"><img src="https://images-na.ssl-images-amazon.com/images/S/amazon-avatars-global/default._CR0,0,1024,1024_SX48_.png"></div></div>
<div class="a-profile-content"><span class="a-profile-name">{_h(name)}</span></div></a></div>
<div class="a-row"><a data-hook="review-title" class="a-size-base a-link-normal review-title a-color-base review-title-content a-text-bold" href="/gp/customer-reviews/{rid}/ref=cm_cr_arp_d_rvw_ttl?ie=UTF8&amp;ASIN={asin_for_links}">
<i data-hook="review-star-rating" class="a-icon a-icon-star a-star-{stars} review-rating"><span class="a-icon-alt">{r["rating"]:.1f} out of 5 stars</span></i><span class="a-letter-space"></span> <span>{_h(r["title"])}</span> </a></div>
<span data-hook="review-date" class="a-size-base a-color-secondary review-date">Reviewed in the United States on {day_words(r["timestamp"])}</span>
{strip}
<div class="a-row a-spacing-mini review-data">{verified}</div>
<div class="a-row a-spacing-small review-data"><span data-hook="review-body" class="a-size-base review-text review-text-content"> <span>{_h(r["text"])}</span> </span></div>
{images}
{_helpful(r["helpful_vote"])}
</div></div></div>"""


def render_review_list(item: dict, asin: str, reviews: list[tuple[str, dict]], name_of: dict[str, str],
                       page: int, per_page: int) -> str:
    """Page `page` (1-based) of the reviews of `item`, newest first."""
    total = len(reviews)
    start = (page - 1) * per_page
    chunk = reviews[start:start + per_page]
    option_of = dict(zip(item["asins"], item["options"])) if len(item["asins"]) > 1 else {}
    cards = "\n".join(_review_card(rid, rec, name_of.get(rec["user_id"], "Amazon Customer"), asin,
                                   item["variant_label"], option_of.get(rec["asin"])) for rid, rec in chunk)
    if start + per_page < total:
        nxt = (f'<li class="a-last"><a href="/product-reviews/{asin}/ref=cm_cr_arp_d_paging_btm_next_{page + 1}?ie=UTF8&amp;'
               f'reviewerType=all_reviews&amp;pageNumber={page + 1}">Next page<span class="a-letter-space"></span><span class="a-letter-space"></span><span class="larr">→</span></a></li>')
    else:
        nxt = '<li class="a-disabled a-last">Next page<span class="a-letter-space"></span><span class="a-letter-space"></span><span class="larr">→</span></li>'
    prev = (f'<li class="a-normal"><a href="/product-reviews/{asin}/ref=cm_cr_arp_d_paging_btm_prev_{page - 1}?ie=UTF8&amp;'
            f'reviewerType=all_reviews&amp;pageNumber={page - 1}">← Previous page</a></li>' if page > 1
            else '<li class="a-disabled">← Previous page</li>')
    meta = item["meta"]
    body = f"""<div id="a-page-content"><div class="a-section a-spacing-none"><div class="a-fixed-right-grid"><div class="a-fixed-right-grid-inner">
<div class="a-fixed-left-grid-col product-info a-col-left"><div class="a-section"><div data-hook="cr-product-title" class="a-row product-title">
<h1 class="a-size-large a-text-ellipsis"><a data-hook="product-link" class="a-link-normal" href="/dp/{asin}/ref=cm_cr_arp_d_product_top?ie=UTF8">{_h(meta["title"])}</a></h1></div>
<div class="a-row"><span data-hook="total-review-count" class="a-size-base a-color-secondary">{meta["rating_number"] or 0:,} global ratings</span></div></div></div>
<div class="a-fixed-right-grid-col a-col-right"><div class="a-section"><div class="a-section">
<div id="cm_cr-review_list" class="a-section a-spacing-none review-views celwidget">
<h3 data-hook="arp-local-reviews-header" class="a-spacing-medium"> From the United States </h3>
{cards}
<div class="a-form-actions a-spacing-top-extra-large" id="cm_cr-pagination_bar"><ul class="a-pagination">{prev}{nxt}</ul></div>
</div></div></div></div></div></div></div></div>"""
    return _page(f"Amazon.com: Customer reviews: {meta['title']}", body, item["category"])


# ---------------------------------------------------------------- profile + timeline

def render_profile(user_id: str, name: str, n_reviews: int) -> str:
    body = f"""<div id="profile_v5" class="a-section"><div class="a-section desktop padded card">
<div id="customer-profile-name-header" class="a-row"><div class="a-profile-avatar-wrapper"><img alt="" src="https://images-na.ssl-images-amazon.com/images/S/amazon-avatars-global/default._CR0,0,1024,1024_SX150_.png"></div>
<div class="name-container"><span class="a-size-extra-large">{_h(name)}</span></div></div>
<div class="a-row dashboard-desktop-stats-section"><div class="dashboard-desktop-stat"><span class="a-size-large a-color-base">{n_reviews}</span>
<span class="a-size-base a-color-secondary">reviews</span></div></div></div>
<div id="profile-timeline" class="a-section profile-timeline" data-profile-id="amzn1.account.{user_id}" data-timeline-url="/profilewidget/timeline/visitor?profileId=amzn1.account.{user_id}">
<div class="a-section a-text-center"><span class="a-spinner a-spinner-medium"></span></div></div>
</div>"""
    return _page(f"Amazon.com: {name}", body)


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "v": 1}).encode()).decode().rstrip("=")


def decode_token(token: str) -> int:
    """Raises ValueError for anything that is not a token this server made."""
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    data = json.loads(raw)
    offset = data["o"]
    if data.get("v") != 1 or not isinstance(offset, int) or offset < 0:
        raise ValueError("bad token")
    return offset


def timeline_json(user_id: str, reviews: list[tuple[str, dict]], offset: int, page_size: int) -> bytes:
    """One page of a reviewer's timeline (reviews newest first), as CONTRACTS §1 fixes it."""
    chunk = reviews[offset:offset + page_size]
    more = offset + page_size < len(reviews)
    doc = {
        "profileId": f"amzn1.account.{user_id}",
        "contributions": [{
            "id": rid, "type": "productreview",
            "product": {"asin": rec["asin"], "parentAsin": rec["parent_asin"], "url": f"/dp/{rec['asin']}"},
            "review": rec,
        } for rid, rec in chunk],
        "nextPageToken": encode_token(offset + page_size) if more else None,
    }
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------- browse, home, robots, errors

def render_browse(category: str, items: list[dict], page: int, per_page: int) -> str:
    start = (page - 1) * per_page
    chunk = items[start:start + per_page]
    cards = []
    for k, item in enumerate(chunk, start=start + 1):
        asin = item["asins"][0]
        meta = item["meta"]
        href = f"/{quote(item['slug'])}/dp/{asin}/ref=sr_1_{k}"
        rating = ""
        if meta["rating_number"]:
            rating = (f'<div class="a-row a-size-small"><span aria-label="{meta["average_rating"]:.1f} out of 5 stars"><i class="a-icon a-icon-star-small">'
                      f'<span class="a-icon-alt">{meta["average_rating"]:.1f} out of 5 stars</span></i></span>'
                      f'<span aria-label="{meta["rating_number"]:,} ratings"><span class="a-size-base s-underline-text">{meta["rating_number"]:,}</span></span></div>')
        price = (f'<span class="a-price" data-a-size="xl" data-a-color="base"><span class="a-offscreen">${meta["price"]:,.2f}</span></span>'
                 if meta["price"] is not None else "")
        image = meta["images"][0]["large"] if meta["images"] else ""
        cards.append(f"""<div role="listitem" data-asin="{asin}" data-index="{k}" data-component-type="s-search-result" class="sg-col-4-of-24 sg-col-4-of-12 s-result-item s-asin sg-col-4-of-16 sg-col s-widget-spacing-small sg-col-4-of-20" data-cel-widget="search_result_{k}">
<div class="sg-col-inner"><div class="s-widget-container s-spacing-small s-widget-container-height-small celwidget">
<div class="puis-card-container s-card-container"><div class="a-section a-spacing-base">
<div class="s-product-image-container"><a class="a-link-normal s-no-outline" href="{href}"><img class="s-image" src="{_h(image)}" alt="{_h(meta["title"])}"></a></div>
<div class="a-section a-spacing-small puis-padding-left-small puis-padding-right-small">
<div data-cy="title-recipe" class="a-section a-spacing-none a-spacing-top-small s-title-instructions-style">
<h2 class="a-size-base-plus a-spacing-none a-color-base a-text-normal"><a class="a-link-normal s-line-clamp-4 s-link-style a-text-normal" href="{href}"><span>{_h(meta["title"])}</span></a></h2></div>
{rating}
<div data-cy="price-recipe" class="a-section a-spacing-none a-spacing-top-small s-price-instructions-style">{price}</div>
</div></div></div></div></div></div>""")
    pages = max(1, -(-len(items) // per_page))
    if page < pages:
        nxt = (f'<a href="/s?i={category}&amp;page={page + 1}" role="button" class="s-pagination-item s-pagination-next s-pagination-button s-pagination-separator" '
               f'aria-label="Go to next page, page {page + 1}">Next</a>')
    else:
        nxt = '<span class="s-pagination-item s-pagination-next s-pagination-disabled" aria-disabled="true">Next</span>'
    body = f"""<div id="search" class="s-desktop-width-max s-desktop-content s-wide-grid-style-t1 s-opposite-dir s-wide-grid-style sg-row">
<div class="sg-col-20-of-24 s-matching-dir sg-col-16-of-20 sg-col sg-col-8-of-12 sg-col-12-of-16"><div class="sg-col-inner">
<span data-component-type="s-search-results" class="rush-component s-latency-cf-section">
<div class="s-main-slot s-result-list s-search-results sg-row">
<div class="a-section a-spacing-small a-spacing-top-small"><span>{start + 1 if chunk else 0}-{start + len(chunk)} of {len(items)} results in</span> <span class="a-color-state a-text-bold">{_h(display_name(category))}</span></div>
{chr(10).join(cards)}
<div role="navigation" class="s-widget-container s-spacing-medium celwidget"><span class="s-pagination-strip">
<span class="s-pagination-item s-pagination-selected" aria-label="Current page, page {page}">{page}</span>
{nxt}</span></div>
</div></span></div></div></div>"""
    return _page(f"Amazon.com : {display_name(category)}", body, category)


def render_home(categories: list[str]) -> str:
    links = "".join(f'<li><a class="a-link-normal" href="/s?i={c}">{_h(display_name(c))}</a></li>' for c in categories)
    body = f"""<div id="pageContent" class="a-section"><div id="desktop-grid-1" class="a-section">
<h2 class="a-color-base headline truncate-1line">Shop by Category</h2>
<ul id="category-links" class="a-unordered-list a-vertical">{links}</ul></div></div>"""
    return _page("Amazon.com. Spend less. Smile more.", body)


def robots_txt(crawl_delay: float) -> str:
    delay = int(crawl_delay) if float(crawl_delay).is_integer() else crawl_delay
    return f"User-agent: *\nDisallow: /gp/cart\nDisallow: /ap/\nCrawl-delay: {delay}\n"


def render_not_found() -> str:
    body = """<div class="a-section a-text-center"><a href="/"><img alt="Sorry! We couldn't find that page. Try searching or go to Amazon's home page."
src="https://images-na.ssl-images-amazon.com/images/G/01/error/title._TTD_.png"></a>
<p>Looking for something? We're sorry. The Web address you entered is not a functioning page on our site.</p></div>"""
    return _page("Page Not Found", body)


def render_cart() -> str:
    return _page("Amazon.com Shopping Cart", '<div id="sc-active-cart"><h1>Your Amazon Cart is empty</h1></div>')
