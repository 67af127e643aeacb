"""Map the older Amazon release formats (2014, 2018) onto the 2023 record schema.

What cannot be mapped (written into the README):
- reviews: `reviewerName`, `style` (variant attributes) and the 2014 `helpful[1]` (total votes)
  have no 2023 field and are dropped; 2014 has no `verified` flag, so `verified_purchase` is
  False; neither release has a parent ASIN, so `parent_asin` = `asin`; review times are days
  (`unixReviewTime` seconds → ms, always midnight UTC); a 2018 `image` URL fills all three
  image sizes, `attachment_type` "IMAGE".
- meta: `average_rating`, `rating_number` and `videos` do not exist in 2018 (null, null, []);
  `also_buy`, `also_view`, `similar_item`, `rank`, `date`, `fit`, `tech1`, `tech2` are dropped
  (`also_buy` is not "bought together"; `bought_together` stays null); `brand` → `store`,
  `main_cat` → `main_category`, `category` → `categories`, `feature` → `features`;
  `image` / `imageURL` (+ `imageURLHighRes`) → `images` with `variant` MAIN, PT01, …;
  a price that is not one "$x.yy" amount (empty, a range) → null; detail keys are trimmed.
"""
from __future__ import annotations

import calendar
import re
import time
from typing import Any

_PRICE = re.compile(r"^\$\s*([0-9][0-9,]*(?:\.[0-9]+)?)$")


def release_of(record: dict, kind: str) -> str:
    """Which release a record comes from: "2023", "2018" or "2014"."""
    if kind == "review":
        if "reviewerID" in record or "overall" in record:
            return "2014" if "helpful" in record and "verified" not in record else "2018"
        return "2023"
    if "parent_asin" in record:
        return "2023"
    return "2018"


def _int_votes(value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise ValueError("vote is a boolean")
    if isinstance(value, int):
        return value
    return int(str(value).replace(",", "").strip())


def _review_time_ms(record: dict) -> int:
    if record.get("unixReviewTime") is not None:
        seconds = record["unixReviewTime"]
        if isinstance(seconds, bool) or not isinstance(seconds, int):
            raise ValueError(f"unixReviewTime is not an integer: {seconds!r}")
        return seconds * 1000
    # "09 1, 2016" (month day, year), midnight UTC as unixReviewTime is.
    parsed = time.strptime(str(record["reviewTime"]).strip(), "%m %d, %Y")
    return calendar.timegm(parsed) * 1000


def map_review(record: dict) -> dict:
    """A 2014/2018 review → a 2023 review record. Raises ValueError/KeyError when it cannot."""
    release = release_of(record, "review")
    if release == "2023":
        return record
    asin = record["asin"]
    votes = record.get("helpful")[0] if release == "2014" and record.get("helpful") else record.get("vote")
    images = [
        {"small_image_url": url, "medium_image_url": url, "large_image_url": url, "attachment_type": "IMAGE"}
        for url in (record.get("image") or [])
    ]
    overall = record["overall"]
    return {
        "rating": float(overall) if isinstance(overall, (int, float)) and not isinstance(overall, bool) else overall,
        "title": record.get("summary") or "",
        "text": record.get("reviewText") or "",
        "images": images,
        "asin": asin,
        "parent_asin": asin,
        "user_id": record["reviewerID"],
        "timestamp": _review_time_ms(record),
        "helpful_vote": _int_votes(votes),
        "verified_purchase": bool(record.get("verified", False)),
    }


def _price(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    match = _PRICE.match(str(value or "").strip())
    return float(match.group(1).replace(",", "")) if match else None


def _meta_images(record: dict) -> list[dict]:
    small = record.get("image") or record.get("imageURL") or []
    high = record.get("imageURLHighRes") or []
    images = []
    for i, url in enumerate(small):
        images.append({
            "thumb": url,
            "large": high[i] if i < len(high) else url,
            "variant": "MAIN" if i == 0 else f"PT{i:02d}",
            "hi_res": high[i] if i < len(high) else None,
        })
    return images


def _str_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def map_meta(record: dict) -> dict:
    """A 2018 metadata record → a 2023 metadata record."""
    if release_of(record, "meta") == "2023":
        return record
    details = record.get("details") or {}
    if not isinstance(details, dict):
        raise ValueError("details is not an object")
    return {
        "main_category": record.get("main_cat") or None,
        "title": record.get("title") or "",
        "average_rating": None,
        "rating_number": None,
        "features": _str_list(record.get("feature")),
        "description": _str_list(record.get("description")),
        "price": _price(record.get("price")),
        "images": _meta_images(record),
        "videos": [],
        "store": record.get("brand") or None,
        "categories": _str_list(record.get("category")),
        "details": {str(k).strip().rstrip(":").strip(): str(v).strip() for k, v in details.items()},
        "parent_asin": record["asin"],
        "bought_together": None,
    }
