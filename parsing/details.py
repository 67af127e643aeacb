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

# Containers found through the id table; their tables/lists are read relative to them.
_TABLE_IDS = ("prodDetails", "productDetails_feature_div", "productDetails_techSpec_section_1",
              "productDetails_techSpec_section_2", "productDetails_detailBullets_sections1",
              "technicalSpecifications_section_1", "technical-details-table")
_BULLET_IDS = ("detailBullets_feature_div", "detail_bullets_id", "detail-bullets", "productDetailsTable")
DETAIL_CONTAINER_IDS = ("productFactsDesktopExpander", *_TABLE_IDS, *_BULLET_IDS)
# regexp=False on every path: no EXSLT regex functions to register per call
_ROWS = etree.XPath('descendant-or-self::table[not(@id="productDetails_feedback_sections")]//tr', regexp=False)
_FACT_ROWS = etree.XPath('.//div[contains(@class,"product-facts-detail")]', regexp=False)
_FACT_CELLS = etree.XPath('.//div[contains(@class,"a-col-left") or contains(@class,"a-col-right")]', regexp=False)
# A row holding a widget, not a fact: stars, rank lists, review counts.
_WIDGET = etree.XPath(
    './/*[contains(@class,"a-icon-star") or @id="acrPopover" or contains(@class,"zg_hrsr")'
    ' or contains(@class,"a-icon-popover")] | .//a[contains(@href,"/gp/bestsellers") or contains(@href,"/bestsellers/")]',
    regexp=False,
)
_SKIP_KEYS = frozenset({"asin"})
_SKIP_ROW_IDS = ("SalesRank", "averageCustomerReviews")
_CELL_TAGS = ("th", "td")


def _keep(key: str, row, may_hold_widget: bool = True) -> bool:
    """`may_hold_widget`: False when the row's table/list holds no icon, link or nested list,
    checked once for all its rows."""
    if not key or key.lower() in _SKIP_KEYS:
        return False
    if row.get("id") in _SKIP_ROW_IDS:
        return False
    if may_hold_widget:
        for _ in row.iter("i", "a", "ul"):
            return not _WIDGET(row)
    return True  # no icon, link or list in the row: it cannot be a widget


def _may_hold_widget(container) -> bool:
    """Whether some item of a bullet list may hold an icon, a link or a list: False only when
    the container has no icon or link and its lists sit inside no item (the items' own ul)."""
    for node in container.iter("i", "a", "ul"):
        if node.tag != "ul" or next(node.iterancestors("li"), None) is not None:
            return True
    return False


def _label(item):
    """The bold "Key :" part of a bullet: `span.a-text-bold` (2019+) or `<b>` (before)."""
    for node in item.iter("span", "b"):
        if node.tag == "b" or "a-text-bold" in (node.get("class") or ""):
            return node
    return None


def _outermost(elements: list) -> list:
    """Drop the elements that sit inside another one of the list (their rows would repeat)."""
    if len(elements) < 2:
        return elements
    chosen = set(elements)
    return [e for e in elements if not any(a in chosen for a in e.iterancestors())]


def _classed_tables(root, body: bytes | None) -> list:
    """`table.prodDetTable` anywhere: a walk of the whole tree, so skipped when the raw page
    never spells the class (every charset Amazon serves keeps ASCII bytes as they are)."""
    if body is not None and b"prodDetTable" not in body:
        return []
    return [table for table in root.iter("table") if "prodDetTable" in (table.get("class") or "")]


def product_details(root, found: dict | None = None, body: bytes | None = None) -> dict[str, str]:
    """`found`: the page's id lookup when the caller already made it (it must cover
    DETAIL_CONTAINER_IDS); otherwise it is made here. `body`: the raw page, when at hand."""
    details: dict[str, str] = {}
    containers = found if found is not None else by_ids(root, DETAIL_CONTAINER_IDS)
    facts = containers.get("productFactsDesktopExpander")  # fashion pages: label / value grid rows
    for row in _FACT_ROWS(facts) if facts is not None else ():
        cells = _FACT_CELLS(row)
        if len(cells) == 2:
            key, value = text_of(cells[0]).rstrip(" :："), text_of(cells[1])
            if key and value and key not in details:
                details[key] = value
    tables = [containers[name] for name in _TABLE_IDS if name in containers]
    if not tables:  # no known container: look for the tables themselves
        tables = _classed_tables(root, body)
    for table in _outermost(tables):  # containers nest (#prodDetails holds the tech-spec table)
        may_hold_widget = next(table.iter("i", "a", "ul"), None) is not None
        for row in _ROWS(table):
            cells = [cell for cell in row if cell.tag in _CELL_TAGS]
            if len(cells) != 2:
                continue
            value = text_of(cells[1])
            if not value:
                continue
            key = text_of(cells[0]).rstrip(" :：")
            if key not in details and _keep(key, row, may_hold_widget):
                details[key] = value
    for name in _BULLET_IDS:
        container = containers.get(name)
        if container is None:
            continue
        may_hold_widget = _may_hold_widget(container)
        # nested items (the rank list inside "Best Sellers Rank") have no bold label and are skipped
        for item in container.iterdescendants("li"):
            label = _label(item)
            if label is None:
                continue
            label_text = text_of(label)
            key = label_text.rstrip(" :：")
            whole = text_of(item)
            value = whole[len(label_text):] if whole.startswith(label_text) else whole.replace(label_text, "", 1)
            value = value.lstrip(" :：").rstrip()
            if value and key not in details and _keep(key, item, may_hold_widget):
                details[key] = value
    return details
