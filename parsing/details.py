"""The "Product information" block → `details`, a str → str map in page order.

Three shapes: the label/value grid of fashion pages' product facts (2023+), and two, each in
an older and a newer form: key/value tables (`table.prodDetTable` with
`th`/`td` since ~2016; `td.label`/`td.value` under `#prodDetails` before) and bullet lists
(`#detailBullets_feature_div` "Key ‏ : ‎ Value" since ~2019; `#detail_bullets_id` /
`#detail-bullets` "<b>Key:</b> Value" before). Rows that are widgets rather than facts (the
star rating, the Best Sellers Rank lists) and the ASIN (already `parent_asin`) are left out.
"""
from __future__ import annotations

from lxml import etree

from parsing.dom import by_ids, text_of

_CLASSED_TABLES = etree.XPath('//table[contains(@class,"prodDetTable")]')
# Containers found through the id table; their tables/lists are read relative to them.
_TABLE_IDS = ("prodDetails", "productDetails_feature_div", "productDetails_techSpec_section_1",
              "productDetails_techSpec_section_2", "productDetails_detailBullets_sections1",
              "technicalSpecifications_section_1", "technical-details-table")
_BULLET_IDS = ("detailBullets_feature_div", "detail_bullets_id", "detail-bullets", "productDetailsTable")
DETAIL_CONTAINER_IDS = ("productFactsDesktopExpander", *_TABLE_IDS, *_BULLET_IDS)
_ROWS = etree.XPath('descendant-or-self::table[not(@id="productDetails_feedback_sections")]//tr')
# nested items (the rank list inside "Best Sellers Rank") have no bold label and are skipped
_ITEMS = etree.XPath(".//li")
_FACT_ROWS = etree.XPath('.//div[contains(@class,"product-facts-detail")]')
_FACT_CELLS = etree.XPath('.//div[contains(@class,"a-col-left") or contains(@class,"a-col-right")]')
# A row holding a widget, not a fact: stars, rank lists, review counts.
_WIDGET = etree.XPath(
    './/*[contains(@class,"a-icon-star") or @id="acrPopover" or contains(@class,"zg_hrsr")'
    ' or contains(@class,"a-icon-popover")] | .//a[contains(@href,"/gp/bestsellers") or contains(@href,"/bestsellers/")]'
)
_SKIP_KEYS = frozenset({"asin"})


def _clean_key(text: str) -> str:
    return text.rstrip(" :：")


def _keep(key: str, row) -> bool:
    if not key or key.lower() in _SKIP_KEYS:
        return False
    if row.get("id") in ("SalesRank", "averageCustomerReviews"):
        return False
    if next(row.iter("i", "a", "ul"), None) is None:
        return True  # no icon, link or list in the row: it cannot be a widget
    return not _WIDGET(row)


def _label(item):
    """The bold "Key :" part of a bullet: `span.a-text-bold` (2019+) or `<b>` (before)."""
    for node in item.iter("span", "b"):
        if node.tag == "b" or "a-text-bold" in (node.get("class") or ""):
            return node
    return None


def _outermost(elements: list) -> list:
    """Drop the elements that sit inside another one of the list (their rows would repeat)."""
    chosen = set(elements)
    return [e for e in elements if not any(a in chosen for a in e.iterancestors())]


def _cells(row) -> list:
    return [cell for cell in row if cell.tag in ("th", "td")]


def product_details(root, found: dict | None = None) -> dict[str, str]:
    """`found`: the page's id lookup when the caller already made it (it must cover
    DETAIL_CONTAINER_IDS); otherwise it is made here."""
    details: dict[str, str] = {}
    containers = found if found is not None else by_ids(root, DETAIL_CONTAINER_IDS)
    facts = containers.get("productFactsDesktopExpander")  # fashion pages: label / value grid rows
    for row in _FACT_ROWS(facts) if facts is not None else ():
        cells = _FACT_CELLS(row)
        if len(cells) == 2:
            key, value = _clean_key(text_of(cells[0])), text_of(cells[1])
            if key and value and key not in details:
                details[key] = value
    tables = [containers[name] for name in _TABLE_IDS if name in containers]
    if not tables:  # no known container: look for the tables themselves (one walk of the tree)
        tables = _CLASSED_TABLES(root)
    for table in _outermost(tables):  # containers nest (#prodDetails holds the tech-spec table)
        for row in _ROWS(table):
            cells = _cells(row)
            if len(cells) != 2:
                continue
            key = _clean_key(text_of(cells[0]))
            value = text_of(cells[1])
            if value and key not in details and _keep(key, row):
                details[key] = value
    for name in _BULLET_IDS:
        if name not in containers:
            continue
        for item in _ITEMS(containers[name]):
            label = _label(item)
            if label is None:
                continue
            label_text = text_of(label)
            key = _clean_key(label_text)
            whole = text_of(item)
            value = whole[len(label_text):] if whole.startswith(label_text) else whole.replace(label_text, "", 1)
            value = value.lstrip(" :：").rstrip()
            if value and key not in details and _keep(key, item):
                details[key] = value
    return details
