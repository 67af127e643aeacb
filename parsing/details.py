"""The "Product information" block → `details`, a str → str map in page order.

Three shapes: the label/value grid of fashion pages' product facts (2023+), and two, each in
an older and a newer form: key/value tables (`table.prodDetTable` with
`th`/`td` since ~2016; `td.label`/`td.value` under `#prodDetails` before) and bullet lists
(`#detailBullets_feature_div` "Key ‏ : ‎ Value" since ~2019; `#detail_bullets_id` /
`#detail-bullets` "<b>Key:</b> Value" before). Rows that are widgets rather than facts (the
star rating, the Best Sellers Rank lists) and the ASIN (already `parent_asin`) are left out, and
so are tables in side sheets (shown only after a click, `_SHEET_MARKS`): the record holds what
the page shows.
"""
from __future__ import annotations

from parsing.lexbor_dom import ancestors, classes, descendants, get, select_below, text_of, walk

# Containers found by id; their tables/lists are read relative to them.
_TABLE_IDS = ("prodDetails", "productDetails_feature_div", "productDetails_techSpec_section_1",
              "productDetails_techSpec_section_2", "productDetails_detailBullets_sections1",
              "technicalSpecifications_section_1", "technical-details-table")
_BULLET_IDS = ("detailBullets_feature_div", "detail_bullets_id", "detail-bullets", "productDetailsTable")
DETAIL_CONTAINER_IDS = ("productFactsDesktopExpander", *_TABLE_IDS, *_BULLET_IDS)
_FEEDBACK_TABLE = "productDetails_feedback_sections"  # "Feedback" links, not facts
# A row holding a widget, not a fact: stars, rank lists, review counts.
_WIDGET = ('[class*="a-icon-star"], [id="acrPopover"], [class*="zg_hrsr"], [class*="a-icon-popover"],'
           ' a[href*="/gp/bestsellers"], a[href*="/bestsellers/"]')
_SKIP_KEYS = frozenset({"asin"})
_SKIP_ROW_IDS = ("SalesRank", "averageCustomerReviews")
_CELL_TAGS = ("th", "td")
# A side sheet, hidden until a click, by its id or class ("morpheus-sidesheet", "a-sheet-web", ...).
_SHEET_MARKS = ("sidesheet", "side-sheet", "a-sheet")
_WIDGET_TAGS = frozenset(("i", "a", "ul"))


def _keep(key: str, row, holds_widget_tag: bool) -> bool:
    """`holds_widget_tag`: whether the row holds an icon, a link or a list (`_widget_tags`);
    only then can it be a widget, which one selector decides."""
    if not key or key.lower() in _SKIP_KEYS:
        return False
    if get(row, "id") in _SKIP_ROW_IDS:
        return False
    return not (holds_widget_tag and select_below(row, _WIDGET))


def _widget_tags(row) -> bool:
    return any(node.tag in _WIDGET_TAGS for node in walk(row))


def _label_of(item):
    """(label, holds_widget_tag) of a bullet in one walk: the label is the bold "Key :" part,
    `span.a-text-bold` (2019+) or `<b>` (before)."""
    label, holds_widget_tag = None, False
    for node in walk(item):
        tag = node.tag
        if tag in _WIDGET_TAGS:
            holds_widget_tag = True
        elif label is None and (tag == "b" or tag == "span" and "a-text-bold" in classes(node)):
            label = node
        else:
            continue
        if label is not None and holds_widget_tag:
            break
    return label, holds_widget_tag


def _in_sheet(node, stop=None) -> bool:
    """Whether `node` or an element above it (up to `stop`'s mem_id, excluded) is a side sheet,
    by its id or class."""
    element = node
    while element is not None and element.mem_id != stop and element.is_element_node:
        attributes = element.attrs
        for value in (attributes.get("class"), attributes.get("id")):
            if value and ("sheet" in value or "Sheet" in value) and any(m in value.lower() for m in _SHEET_MARKS):
                return True
        element = element.parent
    return False


def _outermost(elements: list) -> list:
    """Drop the elements that sit inside another one of the list (their rows would repeat)."""
    if len(elements) < 2:
        return elements
    chosen = {e.mem_id for e in elements}
    return [e for e in elements if not any(a.mem_id in chosen for a in ancestors(e))]


def _rows(container, sheets: bool) -> list:
    """The `tr`s of the tables at or under `container`, the feedback table's and (when the page has
    `sheets`) those of side sheets left out, in page order."""
    own = container.mem_id
    rows = []
    shown: dict[int, bool] = {}  # table → not in a hidden sheet below the container
    for row in walk(container):
        if row.tag != "tr":
            continue
        for above in ancestors(row):
            if above.tag == "table" and get(above, "id") != _FEEDBACK_TABLE:
                if above.mem_id not in shown:
                    shown[above.mem_id] = not (sheets and _in_sheet(above, own))
                if shown[above.mem_id]:
                    rows.append(row)
                break
            if above.mem_id == own:
                break
    return rows


def _classed_divs(element, names: tuple) -> list:
    """The `div`s under `element` whose class contains one of `names`, in page order."""
    return [div for div in descendants(element) if div.tag == "div" and any(n in classes(div) for n in names)]


def _classed_tables(root, body: bytes | None) -> list:
    """`table.prodDetTable` anywhere: a walk of the whole tree, so skipped when the raw page
    never spells the class (every charset Amazon serves keeps ASCII bytes as they are)."""
    if body is not None and b"prodDetTable" not in body:
        return []
    return [table for table in root.css("table") if "prodDetTable" in classes(table)]


def _bullet_facts(container, details: dict[str, str]) -> None:
    """Add the "Key: Value" bullets under `container` to `details` (first value per key wins)."""
    # nested items (the rank list inside "Best Sellers Rank") have no bold label and are skipped
    for item in descendants(container):
        if item.tag != "li":
            continue
        label, holds_widget_tag = _label_of(item)
        if label is None:
            continue
        label_text = text_of(label)
        key = label_text.rstrip(" :：")
        whole = text_of(item)
        value = whole[len(label_text):] if whole.startswith(label_text) else whole.replace(label_text, "", 1)
        value = value.lstrip(" :：").rstrip()
        if value and key not in details and _keep(key, item, holds_widget_tag):
            details[key] = value


def bucket_details(root) -> dict[str, str]:
    """The 2011–2012 template's "Product Details" box: `td.bucket` → `div.content` → "<b>Key:</b> Value"
    bullets (no id to find it by, so only asked for on pages of that template)."""
    details: dict[str, str] = {}
    for bucket in root.css('td[class*="bucket"]'):
        for content in select_below(bucket, 'div[class*="content"]'):
            _bullet_facts(content, details)
    return details


def product_details(root, containers: dict, body: bytes | None) -> dict[str, str]:
    """`root`: the page's Lexbor root (`parsing.lexbor_dom.parse_page`). `containers`: the page's
    id lookup (`lexbor_dom.ids_in`), covering DETAIL_CONTAINER_IDS. `body`: the raw page."""
    details: dict[str, str] = {}
    facts = containers.get("productFactsDesktopExpander")  # fashion pages: label / value grid rows
    for row in _classed_divs(facts, ("product-facts-detail",)) if facts is not None else ():
        cells = _classed_divs(row, ("a-col-left", "a-col-right"))
        if len(cells) == 2:
            key, value = text_of(cells[0]).rstrip(" :："), text_of(cells[1])
            if key and value and key not in details:
                details[key] = value
    tables = [containers[name] for name in _TABLE_IDS if name in containers]
    if not tables:  # no known container: look for the tables themselves
        tables = _classed_tables(root, body)
    sheets = body is None or b"heet" in body  # "sheet" / "Sheet": most pages have no side sheet
    for table in _outermost(tables):  # containers nest (#prodDetails holds the tech-spec table)
        if sheets and _in_sheet(table):
            continue
        may_hold_widget = table.css_first("i, a, ul") is not None
        for row in _rows(table, sheets):
            cells = [cell for cell in row.iter() if cell.tag in _CELL_TAGS]
            if len(cells) != 2:
                continue
            value = text_of(cells[1])
            if not value:
                continue
            key = text_of(cells[0]).rstrip(" :：")
            if key not in details and _keep(key, row, may_hold_widget and _widget_tags(row)):
                details[key] = value
    for name in _BULLET_IDS:
        container = containers.get(name)
        if container is None or sheets and _in_sheet(container):
            continue
        _bullet_facts(container, details)
    return details
