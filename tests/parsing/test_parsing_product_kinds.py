"""Kinds of product page the fixtures lack (issue 16), built in the DOM Amazon serves for each."""
from __future__ import annotations

from parsing.product import parse_product
from parsing.text import parse_price


def _page(body: str, title: str = "", head: str = "") -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>{head}</head><body>'
            f"{body}</body></html>").encode()


_BOOK = '<span id="productTitle">Vegetable Perfection</span>'


def _author(name: str, role: str, comma: bool) -> str:
    return (f'<span class="author notFaded" data-width=""><a class="a-link-normal" href="/s?field-author={name}">'
            f'{name}</a><span class="contribution" spacing="none"><span class="a-color-secondary">({role}){"," if comma else ""}'
            "</span></span></span>")


def test_book_with_several_contributors_joins_them_once():
    byline = _author("Jane Doe", "Author", True) + " " + _author("John Roe", "Illustrator", True) + " " + \
        _author("Ann Poe", "Translator", False)
    record = parse_product(_page(_BOOK + f'<div id="bylineInfo" class="a-section">{byline}</div>'))
    assert record["store"] == "Jane Doe (Author), John Roe (Illustrator), Ann Poe (Translator)"
    assert record["author"] == "Jane Doe"


def test_portuguese_store_byline_and_price_in_reais():
    body = ('<span id="productTitle">Fone de ouvido</span>'
            '<a id="bylineInfo" href="/stores/JBL/page/X">Visite a loja de JBL</a>'
            '<div id="corePriceDisplay_desktop_feature_div"><span class="a-price priceToPay">'
            '<span class="a-offscreen">R$\u00a01.299,90</span><span aria-hidden="true"><span class="a-price-symbol">R$'
            '</span><span class="a-price-whole">1.299<span class="a-price-decimal">,</span></span>'
            '<span class="a-price-fraction">90</span></span></span></div>')
    record = parse_product(_page(body))
    assert record["store"] == "JBL" and record["price"] == 1299.9
    assert parse_product(_page(body.replace("Visite a loja de JBL", "Visite a loja da Dell")))["store"] == "Dell"
    assert parse_product(_page(body.replace("Visite a loja de JBL", "Visite a loja Dell")))["store"] == "Dell"
    assert parse_price("R$ 49,90") == 49.9 and parse_price("R$49,90") == 49.9


def test_main_category_without_the_store_bar():
    crumbs = ('<div id="wayfinding-breadcrumbs_feature_div"><ul><li><a href="/b?node=1">Ferramentas e Construção</a></li>'
              '<li><a href="/b?node=2">Fitas</a></li></ul></div>')
    title = '<span id="productTitle">Fita adesiva</span>'
    with_bar = '<div id="nav-subnav"><a class="nav-a nav-b" href="/x"><span>Ferramentas</span></a></div>'
    assert parse_product(_page(with_bar + title + crumbs))["main_category"] == "Ferramentas"  # the bar wins
    assert parse_product(_page(title + crumbs))["main_category"] == "Ferramentas e Construção"  # breadcrumb
    by_title = _page(title, title="Amazon.com.mx: Cinta adhesiva Gorilla, negra : Herramientas y Mejoras del Hogar")
    assert parse_product(by_title)["main_category"] == "Herramientas y Mejoras del Hogar"  # <title> suffix
    assert parse_product(_page(title, title="Cinta adhesiva"))["main_category"] is None


def _table(rows: dict[str, str]) -> str:
    cells = "".join(f'<tr><th class="a-color-secondary a-size-base prodDetSectionEntry">{k}</th>'
                    f'<td class="a-size-base prodDetAttrValue">{v}</td></tr>' for k, v in rows.items())
    return f'<table class="a-keyvalue prodDetTable" role="presentation"><tbody>{cells}</tbody></table>'


def test_hidden_side_sheets_stay_out_of_details():
    shown = {f"Fact {i}": f"value {i}" for i in range(7)}
    sheet = {f"Sheet fact {i}": f"more {i}" for i in range(27)}
    bullets = ('<ul><li><span class="a-list-item"><span class="a-text-bold">Hidden bullet : </span>'
               '<span>x</span></span></li></ul>')
    body = ('<span id="productTitle">Lamp</span><div id="productDetails_feature_div">' + _table(shown)
            + '<div id="pd-sidesheet" class="a-sheet-web">' + _table(sheet) + "</div></div>"
            + f'<div id="morpheus-sidesheet"><div id="detailBullets_feature_div">{bullets}</div></div>')
    assert parse_product(_page(body))["details"] == shown  # 7 facts, not 34
    # the same table in plain view is read
    visible = body.replace('id="pd-sidesheet" class="a-sheet-web"', 'id="pd-more"')
    assert len(parse_product(_page(visible))["details"]) == 34


def test_videos_only_in_the_carousel_belong_when_shown_for_this_item():
    import html
    import json

    def item(title, product, related, account=None):
        return {"productAsin": product, "relatedProductsAsins": related, "title": title,
                "videoURL": f"https://m.media-amazon.com/v/{title.replace(' ', '')}.m3u8",
                "entityType": "customer" if account else "brand", "entityId": f"amzn1.account.{account}" if account else ""}

    items = [item("Unboxing & test", "B000000001", "B000000001", "AGCUSTOMER1"), item("Brand video", "B000000001", ""),
             item("Other lamp", "B0OTHER001", "B0OTHER001"), item("Bundle", "B0OTHER002", "B0OTHER002,B000000001")]
    carousel = f"""<div class="video-items-metadata" data-video-items='{html.escape(json.dumps(items), quote=False)}'></div>"""
    record = parse_product(_page('<span id="productTitle">Lamp</span><input type="hidden" id="ASIN" value="B000000001">'
                                 + carousel))
    assert [(v["title"], v["user_id"]) for v in record["videos"]] == [
        ("Unboxing & test", "AGCUSTOMER1"), ("Brand video", ""), ("Bundle", "")]


def test_2011_2012_layout_price_store_and_details():
    body = ('<div class="buying"><h1 class="parseasinTitle "><span id="btAsinTitle">Acme Desk Lamp</span></h1>'
            ' <span > by&#160;<a href="/s?field-brandtextbin=Acme">Acme</a> </span></div>'
            '<table class="product"><tr><td class="priceBlockLabelPrice">Price:</td>'
            '<td><b class="priceLarge">$19.99</b> &amp; <b>FREE Shipping</b></td></tr></table>'
            '<table><tr><td class="bucket"><h2>Product Details</h2><div class="content"><ul>'
            '<li><b>Product Dimensions:</b> 10 x 5 x 3 inches</li><li><b>Shipping Weight:</b> 1.2 pounds</li>'
            '<li><b>ASIN:</b> B000000001</li></ul></div></td></tr></table>')
    record = parse_product(_page(body))
    assert record["title"] == "Acme Desk Lamp" and record["store"] == "Acme" and record["price"] == 19.99
    assert record["details"] == {"Product Dimensions": "10 x 5 x 3 inches", "Shipping Weight": "1.2 pounds"}
    book = body.replace('by&#160;<a href="/s?field-brandtextbin=Acme">Acme</a>', 'by <a href="/e/X">Mat Follas</a> (Author)')
    assert parse_product(_page(book))["store"] == "Mat Follas (Author)"
