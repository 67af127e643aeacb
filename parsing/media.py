"""A product's images and videos, read from the image block's script data.

Amazon ships them as a JS object in the `ImageBlockATF` script:
`'colorImages': { 'initial': [{"hiRes", "thumb", "large", "variant", ...}] }` and
`"videos": [{"title", "url", ...}]`. Pages saved after the scripts ran (and some old or book
layouts) hold no such object; the thumbnails strip and the main image's attributes stand in.
Regexes run on the raw bytes and only the matched array is decoded, so a 3 MB page costs a
few `find`s, not a second parse.
"""
from __future__ import annotations

import html
import json
import re

from parsing.lexbor_dom import get, select_below

# (a literal to `find` fast, the pattern that must follow it)
_COLOR_IMAGES = (b"colorImages", re.compile(rb"""colorImages['"]\s*:\s*\{\s*['"]initial['"]\s*:\s*\["""))
_VIDEOS = (b"videos", re.compile(rb"""videos['"]\s*:\s*\[\s*\{"""))
_GALLERY = (b"imageGalleryData", re.compile(rb"""imageGalleryData['"]\s*:\s*\["""))
_DECODER = json.JSONDecoder()
_MAIN_IMAGE_IDS = ("landingImage", "imgBlkFront", "ebooksImgBlkFront", "main-image", "prodImage")
# every id images_from_dom starts from
IMAGE_IDS = frozenset(("main-image-container", "altImages", *_MAIN_IMAGE_IDS))
# '..../images/I/41qfjSfqNyL._SS40_.jpg' → ('..../images/I/41qfjSfqNyL', 'jpg')
_SIZED = re.compile(r"^(.*/images/I/[^./]+)(?:\.[^/]*)?\.(jpe?g|png|gif|webp)$", re.I)


def _array_at(body: bytes, marker: tuple[bytes, re.Pattern]) -> list | None:
    """Decode the first JSON array that follows `marker` in the page."""
    literal, pattern = marker
    position = body.find(literal)  # memchr-fast; pages without the marker cost one scan
    while position >= 0:
        match = pattern.match(body, position)  # the pattern starts with the literal: test it here only
        if match is None:
            position = body.find(literal, position + 1)
            continue
        start = body.rfind(b"[", match.start(), match.end())
        # the array ends inside its <script>: decode up to there first (a prefix that holds the
        # whole array decodes to the same value), then wider windows
        script_end = body.find(b"</script", start, start + 262_144)
        for window in (script_end - start if script_end > 0 else 8_192, 262_144, len(body)):
            try:
                value, _ = _DECODER.raw_decode(body[start:start + window].decode("utf-8", "replace"))
            except ValueError:
                if start + window >= len(body):
                    break
                continue
            if isinstance(value, list):
                return value
            break
        position = body.find(literal, match.end())
    return None


def unsized(url: str) -> str:
    """Drop Amazon's size/format modifiers: the URL of the image as uploaded (the 'large')."""
    match = _SIZED.match(url or "")
    return f"{match.group(1)}.{match.group(2)}" if match else url


def images_from_script(body: bytes) -> list[dict] | None:
    entries = _array_at(body, _COLOR_IMAGES)
    if entries is None:
        return None
    images = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        large = entry.get("large") or entry.get("mainUrl")
        thumb = entry.get("thumb") or entry.get("thumbUrl")
        if not (large or thumb):
            continue
        images.append({
            "thumb": thumb or large,
            "large": large or unsized(thumb),
            "variant": entry.get("variant") or ("MAIN" if index == 0 else f"PT{index:02d}"),
            "hi_res": entry.get("hiRes") or None,
        })
    return images


def images_from_gallery(body: bytes) -> list[dict] | None:
    """Book pages of ~2017: `'imageGalleryData' : [{"mainUrl", "thumbUrl", ...}]`."""
    entries = _array_at(body, _GALLERY)
    if not entries:
        return None
    return [
        {"thumb": e.get("thumbUrl") or e.get("mainUrl"), "large": e.get("mainUrl"),
         "variant": "MAIN" if i == 0 else f"PT{i:02d}", "hi_res": None}
        for i, e in enumerate(entries) if isinstance(e, dict) and e.get("mainUrl")
    ]


def images_from_dom(anchors: dict) -> list[dict]:
    """The thumbnail strip (`#altImages li.imageThumbnail.variant-X`) and the main-view images
    (`li.image.item.variant-X img[data-old-hires]`), or else the single main image.
    `anchors`: the page's {id: element} for IMAGE_IDS (`lexbor_dom.ids_in`)."""
    hires: dict[str, str] = {}
    container = anchors.get("main-image-container")
    for item in select_below(container, 'li[class*="variant-"]') if container is not None else ():
        variant = _variant(get(item, "class", ""))
        src = [get(img, "data-old-hires") for img in select_below(item, "img[data-old-hires]")]
        if variant and src and src[0]:
            hires.setdefault(variant, src[0])
    images = []
    strip = anchors.get("altImages")
    for item in select_below(strip, 'li[class*="imageThumbnail"]') if strip is not None else ():
        variant = _variant(get(item, "class", ""))
        src = [get(img, "src") for img in select_below(item, "img[src]")]
        if not src or not variant:
            continue
        images.append({"thumb": src[0], "large": unsized(src[0]), "variant": variant,
                       "hi_res": hires.get(variant)})
    if images:
        return images
    img = None
    for name in _MAIN_IMAGE_IDS:
        img = anchors.get(name)
        if img is not None and img.tag == "img":
            break
        img = None
    if img is None:
        return []
    dynamic = get(img, "data-a-dynamic-image")
    urls: list[str] = []
    if dynamic:
        try:
            sizes = json.loads(dynamic)
            urls = sorted(sizes, key=lambda u: sizes[u][0] * sizes[u][1] if isinstance(sizes[u], list) else 0)
        except ValueError:
            urls = []
    src = get(img, "data-old-hires") or ""
    smallest = urls[0] if urls else get(img, "src") or ""
    if not smallest or smallest.startswith("data:"):
        smallest = urls[-1] if urls else ""
    if not smallest:
        return []
    return [{"thumb": smallest, "large": unsized(smallest), "variant": "MAIN", "hi_res": src or None}]


def _variant(classes: str) -> str | None:
    match = re.search(r"\bvariant-([A-Za-z0-9]+)\b", classes)
    return match.group(1) if match else None


def videos_from_script(body: bytes) -> list[dict]:
    entries = _array_at(body, _VIDEOS) or []
    videos = []
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("url"):
            continue
        profile = entry.get("profileId")
        if not profile and isinstance(entry.get("creatorProfile"), dict):
            profile = entry["creatorProfile"].get("profileId")
        videos.append({"title": entry.get("title") or "", "url": entry["url"], "user_id": str(profile or "")})
    return videos


# The "Videos for this product" carousel (2023+), where a page's image block carries no videos:
# `data-video-items='[{...}]'` (2025+) or an a-state script's `"videoDataList": [{"metadata": {...}}]`.
_VIDEO_ITEMS_LITERAL = b"data-video-items='"
_VIDEO_ITEMS = re.compile(rb"""data-video-items='([^']*)'""")
_VIDEO_DATA_LIST = (b"videoDataList", re.compile(rb"""videoDataList['"]\s*:\s*\["""))
_ACCOUNT = re.compile(r"amzn1\.account\.([A-Z0-9]+)")


def videos_from_carousel(body: bytes, own_asins: set[str]) -> list[dict]:
    """The carousel's videos that belong to this item, in page order, once each.

    The rule, from the official data (one record per parent item, whose `videos` lists the
    customers' and the brand's videos of it): a video belongs when the carousel shows it for this
    page's ASIN or its parent (`productAsin`), or names either among its products
    (`relatedProductsAsins`); the "related videos" of other products do not. `url` is the video
    file, as for the image block's videos; `user_id` the uploader's account id (a customer's or an
    influencer's), "" for the brand's own videos.
    """
    entries: list[dict] = []
    position = body.find(_VIDEO_ITEMS_LITERAL)  # memchr-fast; a regex search over 3 MB is not
    match = _VIDEO_ITEMS.match(body, position) if position >= 0 else None
    if match:
        try:
            items = json.loads(html.unescape(match.group(1).decode("utf-8", "replace")))
        except ValueError:
            items = []
        entries += [item for item in items if isinstance(item, dict)]
    for item in _array_at(body, _VIDEO_DATA_LIST) or []:
        if isinstance(item, dict) and isinstance(item.get("metadata"), dict):
            entries.append(item["metadata"])
    videos, seen = [], set()
    for entry in entries:
        url = entry.get("videoURL")
        related = set(str(entry.get("relatedProductsAsins") or "").split(","))
        if not url or url in seen or not (entry.get("productAsin") in own_asins or related & own_asins):
            continue
        seen.add(url)
        account = entry.get("entityId") if entry.get("entityType") == "customer" else entry.get("profileLink")
        found = _ACCOUNT.search(str(account or ""))
        videos.append({"title": entry.get("title") or "", "url": url, "user_id": found.group(1) if found else ""})
    return videos
