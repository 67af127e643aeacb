"""Test helper: write a raw archive exactly as CONTRACTS §3 describes, and a product page in
the storefront DOM of CONTRACTS §1 (what the sandbox serves)."""
from __future__ import annotations

import gzip
import hashlib
import html
import json
from pathlib import Path


class ArchiveWriter:
    def __init__(self, out: Path, run: str = "20260101T000000"):
        self.raw = Path(out) / "raw"
        (self.raw / "manifest").mkdir(parents=True, exist_ok=True)
        (self.raw / "bodies").mkdir(parents=True, exist_ok=True)
        self.manifest = self.raw / "manifest" / f"part-{run}-00001.jsonl"
        self.second = 0

    def add(self, url: str, kind: str, body: bytes | None, status: int = 200, error: str | None = None,
            content_type: str = "text/html", category: str | None = None) -> dict:
        self.second += 1
        entry = {"url": url, "final_url": url, "status": status,
                 "fetched_at": f"2026-01-01T00:{self.second // 60:02d}:{self.second % 60:02d}.000Z",
                 "sha256": None, "kind": kind, "path": None, "bytes": 0, "content_type": content_type,
                 "headers": {}, "category": category, "error": error}
        if body is not None:
            sha = hashlib.sha256(body).hexdigest()
            rel = f"bodies/{sha[:2]}/{sha}.gz"
            (self.raw / rel).parent.mkdir(parents=True, exist_ok=True)
            (self.raw / rel).write_bytes(gzip.compress(body, mtime=0))
            entry.update(sha256=sha, path=rel, bytes=len(body))
        with self.manifest.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
        return entry


def timeline_body(user: str, contributions: list[tuple[str, dict]], token: str | None = None) -> bytes:
    return json.dumps({
        "profileId": f"amzn1.account.{user}",
        "contributions": [{"id": rid, "type": "productreview",
                           "product": {"asin": r["asin"], "parentAsin": r["parent_asin"], "url": f"/dp/{r['asin']}"},
                           "review": r} for rid, r in contributions],
        "nextPageToken": token,
    }).encode()


def review(user: str, asin: str, parent: str, ts: int, rating: float = 5.0, title: str = "ok") -> dict:
    return {"rating": rating, "title": title, "text": f"{title} text", "images": [], "asin": asin,
            "parent_asin": parent, "user_id": user, "timestamp": ts, "helpful_vote": 0, "verified_purchase": True}


def product_page(meta: dict, page_asin: str | None = None) -> bytes:
    """A product page in the storefront DOM for one official meta record."""
    e = html.escape
    images = ",".join(json.dumps({"hiRes": i["hi_res"], "thumb": i["thumb"], "large": i["large"], "variant": i["variant"]})
                      for i in meta["images"])
    videos = ",".join(json.dumps({"title": v["title"], "url": v["url"], "profileId": v["user_id"]}) for v in meta["videos"])
    bullets = "".join(f'<li><span class="a-list-item"> {e(f)} </span></li>' for f in meta["features"])
    description = "".join(f"<p>{e(d)}</p>" for d in meta["description"])
    crumbs = "".join(f'<li><span class="a-list-item"><a href="/b?node=1">{e(c)}</a></span></li>' for c in meta["categories"])
    details = "".join(f"<tr><th>{e(k)}</th><td>\u200e{e(v)}</td></tr>" for k, v in meta["details"].items())
    price = (f'<div id="corePrice_feature_div"><span class="a-price"><span class="a-offscreen">${meta["price"]:,.2f}</span></span></div>'
             if meta["price"] is not None else "")
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{e(meta['title'])}</title></head><body>
<div id="nav-subnav" data-category="x"><a class="nav-a nav-b" href="/"><span class="nav-a-content">{e(meta['main_category'])}</span></a></div>
<div id="wayfinding-breadcrumbs_feature_div"><ul>{crumbs}</ul></div>
<input type="hidden" id="ASIN" name="ASIN" value="{page_asin or meta['parent_asin']}">
<span id="productTitle"> {e(meta['title'])} </span>
<a id="bylineInfo" href="/stores/x">Visit the {e(meta['store'])} Store</a>
<span id="acrPopover" title="{meta['average_rating']} out of 5 stars"><span class="a-icon-alt">{meta['average_rating']} out of 5 stars</span></span>
<span id="acrCustomerReviewText">{meta['rating_number']:,} ratings</span>
{price}
<div id="feature-bullets"><ul>{bullets}</ul></div>
<div id="productDescription">{description}</div>
<table id="productDetails_techSpec_section_1">{details}</table>
<script>P.when('A').register("ImageBlockATF", function(A){{ var data = {{ 'colorImages': {{ 'initial': [{images}]}},
'videos': [{videos}], "parentAsin":"{meta['parent_asin']}" }}; return data; }});</script>
</body></html>""".encode()
