"""Every page kind over real HTTP: the CONTRACTS §1 selectors hold, the values on the page are
the ground truth, the nesting is the real site's, timelines give back each user's reviews."""
from __future__ import annotations

import http.client
import json

import httpx
import pytest
from lxml import html as lxml_html
from protego import Protego

from sandbox.server import SandboxServer

CRAWL_DELAY = 0.5


@pytest.fixture(scope="module")
def server(tiny_site):
    with SandboxServer(tiny_site, port=0, crawl_delay=CRAWL_DELAY) as srv:
        yield srv


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.base_url, timeout=10) as c:
        yield c


@pytest.fixture(scope="module")
def items(tiny_site) -> dict[str, dict]:
    return {json.loads(line)["parent_asin"]: json.loads(line)
            for line in (tiny_site / "site" / "items.jsonl").open(encoding="utf-8")}


def _doc(response: httpx.Response):
    assert response.headers["content-type"].startswith("text/html")
    return lxml_html.fromstring(response.content)


def _text(node) -> str:
    return " ".join(node.text_content().split())


def _pick(items, page="ok", variants=False) -> dict:
    return next(it for it in items.values() if it["page"] == page and (len(it["asins"]) > 1) == variants
                and it["meta"]["features"] and it["meta"]["description"] and it["meta"]["price"] is not None
                and it["meta"]["categories"]) if page == "ok" else next(it for it in items.values() if it["page"] == page)


def test_robots_txt_disallows_and_sets_crawl_delay(client, server):
    r = client.get("/robots.txt")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    robots = Protego.parse(r.text)
    base = server.base_url
    assert not robots.can_fetch(base + "/gp/cart/view.html", "crawler")
    assert not robots.can_fetch(base + "/ap/signin", "crawler")
    assert robots.can_fetch(base + "/dp/B000000000", "crawler")
    assert robots.crawl_delay("crawler") == CRAWL_DELAY
    # The disallowed paths exist, so a crawler that ignores robots.txt shows up in the log.
    assert client.get("/gp/cart/view.html?ref_=nav_cart").status_code == 200
    assert any(e.path.startswith("/gp/cart") and e.status == 200 for e in server.request_log)


def test_home_links_every_category_and_browse_pages_list_every_live_item(client, items):
    doc = _doc(client.get("/"))
    hrefs = doc.xpath('//ul[@id="category-links"]//a/@href')
    categories = sorted({it["category"] for it in items.values()})
    assert sorted(h.split("i=")[1] for h in hrefs) == categories
    for category in categories:
        seen, url, pages = [], f"/s?i={category}", 0
        while url:
            doc = _doc(client.get(url))
            pages += 1
            for card in doc.xpath('//div[@data-component-type="s-search-result"][@data-asin]'):
                href = card.xpath(".//h2//a/@href")[0]
                assert href.endswith(f"/dp/{card.get('data-asin')}/ref=sr_1_{card.get('data-index')}")
                seen.append(card.get("data-asin"))
            nxt = doc.xpath('//a[contains(@class,"s-pagination-next")]/@href')
            url = nxt[0] if nxt else None
        live = {it["asins"][0] for it in items.values() if it["category"] == category and it["page"] != "gone"}
        assert pages >= 2 and sorted(seen) == sorted(live)
    assert client.get("/s?i=All_Beauty&page=99").status_code == 404


def test_product_page_carries_the_truth_in_contract_selectors(client, truth, items):
    item = _pick(items, variants=True)
    meta = next(r for records in truth["meta"].values() for r in records if r["parent_asin"] == item["parent_asin"])
    variant = item["asins"][1]
    doc = _doc(client.get(f"/dp/{variant}"))
    x = doc.xpath
    assert _text(x('//*[@id="productTitle"]')[0]) == meta["title"]
    assert meta["store"] in _text(x('//a[@id="bylineInfo"]')[0])
    assert x('//*[@id="acrPopover"]/@title')[0] == f"{meta['average_rating']:.1f} out of 5 stars"
    assert _text(x('//*[@id="acrCustomerReviewText"]')[0]).startswith(f"{meta['rating_number']:,} rating")
    assert _text(x('//*[@id="corePrice_feature_div"]//span[contains(@class,"a-price")]/span[@class="a-offscreen"]')[0]) \
        == f"${meta['price']:,.2f}"
    assert [_text(s) for s in x('//*[@id="feature-bullets"]//ul/li/span[@class="a-list-item"]')] == meta["features"]
    assert [_text(p) for p in x('//*[@id="productDescription"]//p')] == meta["description"]
    assert [_text(a) for a in x('//*[@id="wayfinding-breadcrumbs_feature_div"]//ul/li//a')] == meta["categories"]
    table = {_text(tr.xpath("th")[0]): _text(tr.xpath("td")[0]).lstrip("\u200e")
             for tr in x('//table[@id="productDetails_techSpec_section_1"]//tr')}
    bullets = {}
    for li in x('//div[@id="detailBullets_feature_div"]//li/span[@class="a-list-item"]'):
        key, _, value = _text(li).partition(":")
        bullets[key.strip(" \u200e\u200f")] = value.strip(" \u200e\u200f")
    assert {**table, **bullets} == meta["details"]
    assert x('//div[@id="nav-subnav"][@data-category]//a[contains(@class,"nav-b")]//span[@class="nav-a-content"]/text()')[0] \
        == meta["main_category"]
    assert x('//input[@id="ASIN"]/@value') == [variant]
    scripts = " ".join(x("//script/text()"))
    assert f'"parentAsin":"{item["parent_asin"]}"' in scripts
    block = next(s for s in x("//script/text()") if "ImageBlockATF" in s)
    images = json.loads(block.split("'colorImages': { 'initial': ")[1].split("},\n")[0])
    assert [{"thumb": i["thumb"], "large": i["large"], "variant": i["variant"], "hi_res": i["hiRes"]} for i in images] \
        == meta["images"]


def test_parser_for_the_real_site_reads_every_product_page_back(client, truth, items):
    product = pytest.importorskip("parsing.product")
    metas = {r["parent_asin"]: r for records in truth["meta"].values() for r in records}
    for item in items.values():
        if item["page"] != "ok":
            continue
        for asin in item["asins"]:
            record = product.parse_product(client.get(f"/dp/{asin}").content, url=f"/dp/{asin}")
            assert record == metas[item["parent_asin"]]


def test_page_nesting_follows_the_real_2024_page(client, items, shared_fixtures):
    real = lxml_html.fromstring((shared_fixtures / "amazon_product_html" /
                                 "2024_amazon.com_B0057OC5O8_sainsmart_relay.html").read_bytes())
    ours = _doc(client.get(f"/dp/{_pick(items)['asins'][0]}"))

    def ids_above(doc, node_id):
        node = doc.xpath(f'//*[@id="{node_id}"]')[0]
        return [a.get("id") for a in node.iterancestors() if a.get("id")][:5]

    for node_id in ("productTitle", "feature-bullets", "productDescription"):
        assert ids_above(ours, node_id)[:3] == ids_above(real, node_id)[:3], node_id


def test_gone_pages_are_404_and_malformed_pages_are_cut_before_the_title(client, items):
    gone = _pick(items, page="gone")
    for asin in gone["asins"]:
        assert client.get(f"/dp/{asin}").status_code == 404
    assert client.get(f"/product-reviews/{gone['asins'][0]}").status_code == 404
    assert client.get("/no/such/page").status_code == 404
    bad = _pick(items, page="malformed")
    r = client.get(f"/dp/{bad['asins'][0]}")
    assert r.status_code == 200 and b"<html" in r.content
    assert b'id="productTitle"' not in r.content and b"</html>" not in r.content
    # Its reviews are still listed, as on the real site.
    assert client.get(f"/product-reviews/{bad['asins'][0]}").status_code == 200


def test_review_list_pages_walk_to_every_review_of_the_item(client, truth, items):
    everything = [r for records in truth["reviews"].values() for r in records]
    item = max((it for it in items.values() if it["page"] == "ok"),
               key=lambda it: sum(r["parent_asin"] == it["parent_asin"] for r in everything))
    expected = sorted((r["user_id"], r["title"], r["rating"]) for r in everything if r["parent_asin"] == item["parent_asin"])
    assert len(expected) > 10                      # more than one page
    url, got, pages = f"/product-reviews/{item['asins'][0]}", [], 0
    while url:
        doc = _doc(client.get(url))
        pages += 1
        for card in doc.xpath('//div[@data-hook="review"]'):
            assert card.get("id").startswith("R")
            href = card.xpath('.//a[@class="a-profile"]/@href')[0]
            assert href.endswith("/ref=cm_cr_arp_d_gw_btm?ie=UTF8") and href.startswith("/gp/profile/amzn1.account.")
            user = href.split("amzn1.account.")[1].split("/")[0]
            stars = card.xpath('.//i[@data-hook="review-star-rating"]/span[@class="a-icon-alt"]/text()')[0]
            title = _text(card.xpath('.//a[@data-hook="review-title"]/span[not(@class)]')[0])
            date = _text(card.xpath('.//span[@data-hook="review-date"]')[0])
            assert date.startswith("Reviewed in the United States on ")
            got.append((user, title, float(stars.split()[0])))
        nxt = doc.xpath('//li[contains(@class,"a-last")]/a/@href')
        url = nxt[0] if nxt else None
    assert pages >= 2 and sorted(got) == expected


def test_profile_then_timeline_walk_gives_exactly_each_users_truth(client, truth):
    everything = [r for records in truth["reviews"].values() for r in records]
    for user in truth["users"]:
        doc = _doc(client.get(f"/gp/profile/amzn1.account.{user}/ref=cm_cr_arp_d_gw_btm?ie=UTF8"))
        url = doc.xpath('//div[@id="profile-timeline"]/@data-timeline-url')[0]
        assert url == f"/profilewidget/timeline/visitor?profileId=amzn1.account.{user}"
        got, stamps = [], []
        while True:
            r = client.get(url)
            assert r.headers["content-type"].startswith("application/json")
            page = r.json()
            assert page["profileId"] == f"amzn1.account.{user}"
            for entry in page["contributions"]:
                assert entry["type"] == "productreview" and entry["id"].startswith("R")
                assert entry["product"]["asin"] == entry["review"]["asin"]
                assert entry["product"]["parentAsin"] == entry["review"]["parent_asin"]
                got.append(entry["review"])
                stamps.append(entry["review"]["timestamp"])
            if page["nextPageToken"] is None:
                break
            url = f"/profilewidget/timeline/visitor?profileId=amzn1.account.{user}&nextPageToken={page['nextPageToken']}"
        assert stamps == sorted(stamps, reverse=True)              # newest first
        mine = [r for r in everything if r["user_id"] == user]
        key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731
        assert sorted(map(key, got)) == sorted(map(key, mine))


def test_timeline_page_size(client, truth):
    user = max(truth["users"], key=lambda u: sum(r["user_id"] == u for rs in truth["reviews"].values() for r in rs))
    base = f"/profilewidget/timeline/visitor?profileId=amzn1.account.{user}"
    assert len(client.get(base).json()["contributions"]) == 10
    small = client.get(base + "&pageSize=3").json()
    assert len(small["contributions"]) == 3 and small["nextPageToken"]
    second = client.get(f"{base}&pageSize=3&nextPageToken={small['nextPageToken']}").json()
    assert [c["id"] for c in second["contributions"]] == [c["id"] for c in client.get(base).json()["contributions"][3:6]]
    assert client.get(base + "&pageSize=0").status_code == 400


def test_timeline_errors(client):
    assert client.get("/profilewidget/timeline/visitor?profileId=amzn1.account.ANOSUCHUSERAAAAAAAAAAAAAAAAA").status_code == 404
    users = client.get("/profilewidget/timeline/visitor?profileId=amzn1.account.X&nextPageToken=%%%")
    assert users.status_code in (400, 404)
    assert client.get("/gp/profile/amzn1.account.ANOSUCHUSERAAAAAAAAAAAAAAAAA").status_code == 404


def test_keep_alive_and_conditional_requests(server, items):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    asin = _pick(items)["asins"][0]
    etags = []
    for _ in range(3):                       # three requests on one connection
        conn.request("GET", f"/dp/{asin}")
        r = conn.getresponse()
        body = r.read()
        assert r.status == 200 and len(body) == int(r.getheader("Content-Length"))
        etags.append(r.getheader("ETag"))
    assert len(set(etags)) == 1 and r.getheader("Last-Modified")
    conn.request("GET", f"/dp/{asin}", headers={"If-None-Match": etags[0]})
    r = conn.getresponse()
    assert r.status == 304 and r.read() == b""
    conn.close()


def test_request_log_records_every_request(server, client):
    before = len(server.request_log)
    client.get("/robots.txt")
    client.get("/does-not-exist")
    new = server.request_log[before:]
    assert [(e.path, e.status, e.kind) for e in new] == [("/robots.txt", 200, "robots"), ("/does-not-exist", 404, "missing")]
    assert all(e.client == "127.0.0.1" and e.method == "GET" and e.time > 0 and e["mono"] > 0 for e in new)
