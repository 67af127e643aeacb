"""The "Product information" block → `details`, a str → str map in page order.

Two shapes, each in an older and a newer form: key/value tables (`table.prodDetTable` with
`th`/`td` since ~2016; `td.label`/`td.value` under `#prodDetails` before) and bullet lists
(`#detailBullets_feature_div` "Key ‏ : ‎ Value" since ~2019; `#detail_bullets_id` /
`#detail-bullets` "<b>Key:</b> Value" before). Rows that are widgets rather than facts (the
star rating, the Best Sellers Rank lists) and the ASIN (already `parent_asin`) are left out.
"""
from __future__ import annotations

import re

from lxml import etree

from parsing.dom import by_id, first, text_of

_CLASSED_TABLES = etree.XPath('//table[contains(@class,"prodDetTable")]')
# Containers found through the id table; their tables/lists are read relative to them.
_TABLE_IDS = ("prodDetails", "productDetails_feature_div", "productDetails_techSpec_section_1",
              "productDetails_techSpec_section_2", "productDetails_detailBullets_sections1",
              "technicalSpecifications_section_1")
_BULLET_IDS = ("detailBullets_feature_div", "detail_bullets_id", "detail-bullets", "productDetailsTable")
_ROWS = etree.XPath('descendant-or-self::table[not(@id="productDetails_feedback_sections")]//tr')
_ITEMS = etree.XPath(".//li[not(ancestor::li)]")
_LABEL = etree.XPath('.//span[contains(@class,"a-text-bold")] | .//b')
# A row holding a widget, not a fact: stars, rank lists, review counts.
_WIDGET = etree.XPath(
    './/*[contains(@class,"a-icon-star") or @id="acrPopover" or contains(@class,"zg_hrsr")'
    ' or contains(@class,"a-icon-popover")] | .//a[contains(@href,"/gp/bestsellers") or contains(@href,"/bestsellers/")]'
)
_TRAILING_COLON = re.compile(r"\s*[:：]\s*$")
_LEADING_COLON = re.compile(r"^\s*[:：]\s*")
_SKIP_KEYS = frozenset({"asin"})


def _clean_key(text: str) -> str:
    return _TRAILING_COLON.sub("", text).strip()


def _keep(key: str, row) -> bool:
    if not key or key.lower() in _SKIP_KEYS:
        return False
    if row.get("id") in ("SalesRank", "averageCustomerReviews"):
        return False
    return not _WIDGET(row)


def product_details(root) -> dict[str, str]:
    details: dict[str, str] = {}
    tables = [t for t in (by_id(root, name) for name in _TABLE_IDS) if t is not None]
    if not tables:  # no known container: look for the tables themselves (one walk of the tree)
        tables = _CLASSED_TABLES(root)
    seen_rows = set()
    rows = []
    for table in tables:
        for row in _ROWS(table):
            if row not in seen_rows:
                seen_rows.add(row)
                rows.append(row)
    for row in rows:
        cells = row.xpath("./th | ./td")
        if len(cells) != 2:
            continue
        key = _clean_key(text_of(cells[0]))
        value = text_of(cells[1])
        if value and key not in details and _keep(key, row):
            details[key] = value
    items = []
    for name in _BULLET_IDS:
        container = by_id(root, name)
        if container is not None:
            items.extend(_ITEMS(container))
    for item in items:
        label = first(_LABEL(item))
        if label is None:
            continue
        label_text = text_of(label)
        key = _clean_key(label_text)
        whole = text_of(item)
        value = whole[len(label_text):] if whole.startswith(label_text) else whole.replace(label_text, "", 1)
        value = _LEADING_COLON.sub("", value).strip()
        if value and key not in details and _keep(key, item):
            details[key] = value
    return details
