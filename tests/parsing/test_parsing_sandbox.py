"""Pages served by the offline storefront (tiny profile, over real HTTP on 127.0.0.1) parse
into exactly the ground truth the generator wrote: every product page (parent and variants)
gives the item's meta record field for field, every timeline walk gives the user's reviews,
review-list pages give the day-level view of the same reviews, browse pages list the items."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest

from parsing.errors import UnparsablePage
from parsing.links import next_page_url, product_links, review_list_page, timeline_page
from parsing.product import parse_product

pytest.importorskip("sandbox.server")
from sandbox.server import SandboxServer  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    out = tmp_path_factory.mktemp("sandbox") / "tiny"
    subprocess.run([sys.executable, "-m", "sandbox", "generate", "--profile", "tiny", "--seed", "1",
                    "--out", str(out)], check=True, cwd=REPO, capture_output=True)
    items = [json.loads(line) for line in (out / "site" / "items.jsonl").read_text().splitlines()]
    reviews = [json.loads(line) for line in (out / "site" / "reviews.jsonl").read_text().splitlines()]
    truth_meta = {}
    for path in sorted((out / "truth").glob("meta_*.jsonl")):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            truth_meta[record["parent_asin"]] = record
    with SandboxServer(out, crawl_delay=0.0) as server:
        yield {"url": server.base_url, "items": items, "reviews": reviews, "meta": truth_meta}


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def test_every_product_page_equals_its_truth_record(sandbox):
    checked = gone = cut = 0
    for item in sandbox["items"]:
        for asin in dict.fromkeys([item["parent_asin"], *item["asins"]]):
            url = f"{sandbox['url']}/dp/{asin}"
            if item["page"] == "gone":
                with pytest.raises(urllib.error.HTTPError):
                    _get(url)
                gone += 1
                continue
            body = _get(url)
            if item["page"] == "malformed":
                with pytest.raises(UnparsablePage) as caught:
                    parse_product(body, url=url)
                assert caught.value.reason == "truncated"
                cut += 1
                continue
            assert parse_product(body, url=url) == sandbox["meta"][item["parent_asin"]], asin
            checked += 1
    assert checked >= len(sandbox["meta"]) and gone and cut


def test_timeline_walks_give_every_review(sandbox):
    by_user = defaultdict(dict)
    for row in sandbox["reviews"]:
        by_user[row["review"]["user_id"]][row["id"]] = row["review"]
    for user, expected in by_user.items():
        got, token = {}, None
        while True:
            url = f"{sandbox['url']}/profilewidget/timeline/visitor?profileId=amzn1.account.{user}"
            page = timeline_page(_get(url + (f"&nextPageToken={token}" if token else "")))
            assert page.user_id == user
            got.update(zip(page.review_ids, page.reviews))
            token = page.next_token
            if token is None:
                break
        assert got == expected


def test_review_list_pages_give_the_day_level_view(sandbox):
    truth = {row["id"]: row["review"] for row in sandbox["reviews"]}
    items = [it for it in sandbox["items"] if it["page"] == "ok"][:8]
    seen = 0
    for item in items:
        url = f"{sandbox['url']}/product-reviews/{item['parent_asin']}"
        while url:
            page = review_list_page(_get(url), url)
            for review_id, partial in zip(page.review_ids, page.reviews):
                full = truth[review_id]
                assert partial["timestamp"] == full["timestamp"] // DAY_MS * DAY_MS
                assert partial["parent_asin"] is None
                for field in ("rating", "title", "text", "images", "user_id", "helpful_vote", "verified_purchase"):
                    assert partial[field] == full[field], field
                seen += 1
            assert page.profile_ids == list(dict.fromkeys(r["user_id"] for r in page.reviews))
            url = page.next_url
    assert seen > 0


def test_browse_pages_list_every_item_of_the_category(sandbox):
    by_category = defaultdict(set)
    for item in sandbox["items"]:
        if item["page"] != "gone":  # a delisted item is not listed either
            by_category[item["category"]].add(item["asins"][0])
    for category, expected in by_category.items():
        url, found = f"{sandbox['url']}/s?i={category}&page=1", []
        while url:
            body = _get(url)
            found += product_links(body, url)
            url = next_page_url(body, url)
        assert {link.rsplit("/", 1)[-1] for link in found} == expected
        assert all(link.startswith(f"{sandbox['url']}/dp/") for link in found)


@pytest.mark.slow
def test_full_crawl_parses_into_the_ground_truth_release(tmp_path):
    """Crawl the whole tiny storefront (every category, every reviewer), parse the archive:
    bronze equals the truth files row for row, every field, in the same order."""
    engine = pytest.importorskip("crawler.engine")
    from crawler.settings import CrawlSettings

    import pyarrow.parquet as pq

    from parsing.batch import run_batch
    from parsing.schemas import from_table

    data = tmp_path / "sandbox"
    subprocess.run([sys.executable, "-m", "sandbox", "generate", "--profile", "tiny", "--seed", "1",
                    "--out", str(data)], check=True, cwd=REPO, capture_output=True)
    crawl = tmp_path / "crawl"
    with SandboxServer(data, crawl_delay=0.0) as server:
        settings = CrawlSettings(base_url=server.base_url, users=100_000, seed_products=0, progress=False)
        engine.Engine(settings.unthrottled(), crawl).run()
    report = run_batch(crawl / "raw", tmp_path / "bronze")

    truth_files = sorted(p for p in (data / "truth").glob("*.jsonl") if p.name != "search_queries.jsonl")
    assert truth_files
    for path in truth_files:
        kind = "meta" if path.stem.startswith("meta_") else "review"
        category = path.stem.removeprefix("meta_")
        table = "meta" if kind == "meta" else "reviews"
        parquet = tmp_path / "bronze" / table / f"category={category}" / "part-0.parquet"
        expected = [json.loads(line) for line in path.read_text().splitlines()]
        assert from_table(pq.read_table(parquet), kind) == expected, path.name
    manifest = json.loads((data / "site" / "manifest.json").read_text())
    assert report["quarantined_by_reason"] == {"http 404": manifest["pages_gone"], "truncated": manifest["pages_malformed"]}
