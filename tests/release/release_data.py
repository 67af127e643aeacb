"""Two versions of a small official-format release, for the release, diff and load tests.

Version 1: Toys_and_Games (a dense block with a non-empty 5-core, and a sparse tail) and
Baby_Products. Version 2 changes Toys_and_Games (rows removed, rows added, one review and one
item changed) and adds All_Beauty; Baby_Products is not touched. No (user, item) pair repeats
within a version, so silver holds exactly the rows written here (the tests count on that).
"""
from __future__ import annotations

import json
import random
from pathlib import Path

from warehouse.settings import T1_MS as T1, T2_MS as T2


def review(user: str, item: str, ts: int, rating: float = 4.0, text: str = "fine") -> dict:
    return {"rating": rating, "title": f"about {item}", "text": text,
            "images": [{"small_image_url": f"https://img/{item}/s.jpg", "medium_image_url": f"https://img/{item}/m.jpg",
                        "large_image_url": f"https://img/{item}/l.jpg", "attachment_type": "IMAGE"}],
            "asin": item + "V", "parent_asin": item, "user_id": user, "timestamp": ts, "helpful_vote": 1,
            "verified_purchase": True}


def meta(item: str, title: str | None = None) -> dict:
    return {"main_category": "Toys & Games", "title": title or f"Toy {item}", "average_rating": 4.5,
            "rating_number": 10, "features": ["fun", "safe"], "description": ["a toy for kids"], "price": 9.99,
            "images": [{"thumb": "t.jpg", "large": "l.jpg", "variant": "MAIN", "hi_res": None}],
            "videos": [{"title": "demo", "url": "https://v/1", "user_id": "V1"}], "store": "Store",
            "categories": ["Toys", "Games"], "details": {"Brand": "Acme", "Age": "3+ years"},
            "parent_asin": item, "bought_together": None}


def _times(rng: random.Random, n: int) -> list[int]:
    near = [T1 - 1, T1, T1 + 1, T2 - 1, T2, T2 + 1]
    return [rng.choice(near) if rng.random() < 0.2 else rng.randrange(T1 - 10**10, T2 + 10**10) for _ in range(n)]


def version(number: int) -> dict[str, dict[str, list[dict]]]:
    """category → {"reviews": [...], "meta": [...]} of version 1 or 2."""
    rng = random.Random(11)
    toys = []
    for u in range(1, 8):
        for i in range(1, 8):
            if (u, i) != (7, 7):
                toys.append(review(f"U{u:02d}", f"I{i:02d}", 0, rating=float(rng.randint(1, 5))))
    toys += [review(f"S{n:02d}", f"I{n % 3 + 8:02d}", 0) for n in range(12)]  # sparse users and items
    for row, ts in zip(toys, _times(rng, len(toys))):
        row["timestamp"] = ts
    toys_meta = [meta(f"I{i:02d}") for i in range(1, 11)]
    baby = [dict(review(f"B{n % 4}", f"P{n % 5}", ts), parent_asin=f"P{n % 5}") for n, ts in
            zip(range(12), _times(rng, 12)) if (n % 4, n % 5) not in ((0, 0),)]
    baby_meta = [dict(meta(f"P{i}"), main_category="Baby") for i in range(5)]
    data = {"Toys_and_Games": {"reviews": toys, "meta": toys_meta}, "Baby_Products": {"reviews": baby, "meta": baby_meta}}
    if number == 1:
        return data
    toys = [r for r in toys if not (r["user_id"] == "U02" and r["parent_asin"] in ("I03", "I05"))]  # removed
    toys = [r for r in toys if r["user_id"] != "S03" and r["parent_asin"] != "I10"]  # users and an item gone
    toys[0] = dict(toys[0], rating=1.0 if toys[0]["rating"] != 1.0 else 2.0, text="changed my mind")  # changed
    toys += [review("N01", "I01", T2 + 7), review("N01", "I11", T1 + 9), review("U07", "I07", T1 - 5)]  # added
    toys_meta = [m for m in toys_meta if m["parent_asin"] != "I10"]
    toys_meta[1] = dict(toys_meta[1], title="Toy I02, new edition")
    toys_meta.append(meta("I11"))
    beauty = [review(f"A{n % 3}", f"Q{n % 4}", ts, text="nice") for n, ts in zip(range(9), _times(rng, 9))]
    beauty = list({(r["user_id"], r["parent_asin"]): r for r in beauty}.values())
    return {"Toys_and_Games": {"reviews": toys, "meta": toys_meta}, "Baby_Products": data["Baby_Products"],
            "All_Beauty": {"reviews": beauty, "meta": [dict(meta(f"Q{i}"), main_category="All Beauty") for i in range(4)]}}


def write(folder: Path, data: dict, categories: list[str] | None = None) -> tuple[list[Path], list[Path]]:
    """Official file names in `folder`; returns (review files, meta files) of `categories` (default all)."""
    folder.mkdir(parents=True, exist_ok=True)
    reviews, metas = [], []
    for category in categories or sorted(data):
        for kind, name, out in (("reviews", f"{category}.jsonl", reviews), ("meta", f"meta_{category}.jsonl", metas)):
            path = folder / name
            path.write_text("".join(json.dumps(r) + "\n" for r in data[category][kind]))
            out.append(path)
    return reviews, metas
