"""A small synthetic release (official 2023 JSONL) with every hard case of DESIGN §4 in it."""
from __future__ import annotations

import json
import random
from pathlib import Path

from warehouse.settings import T1_MS as T1, T2_MS as T2
CATEGORY = "Toys_and_Games"


def review(user, item, ts, rating=4.0, title="ok", text="fine toy"):
    return {"rating": rating, "title": title, "text": text, "images": [], "asin": item + "V",
            "parent_asin": item, "user_id": user, "timestamp": ts, "helpful_vote": 0, "verified_purchase": True}


def write_synthetic(folder: Path, seed: int = 7) -> dict[str, list[Path]]:
    """Two review files and one meta file for Toys_and_Games; returns {"reviews": [...], "meta": [...]}."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    users = [f"U{n:02d}" for n in range(1, 9)]
    items = [f"I{n:02d}" for n in range(1, 9)]
    near = [T1 - 1, T1, T1 + 1, T2 - 1, T2, T2 + 1]
    rows = []
    for u in users[:6]:  # a dense block: a non-empty 5-core with histories across all three splits
        for i in items[:6]:
            ts = rng.choice(near) if rng.random() < 0.3 else rng.randrange(T1 - 10**10, T2 + 10**10)
            rows.append(review(u, i, ts, rating=float(rng.randint(1, 5))))
    rng.shuffle(rows)
    rows += [
        review("U01", "I01", 10**12, rating=1.0),  # a later duplicate that is earlier in time: wins
        review("U07", "I07", 1_500_000_000_000), review("U07", "I07", 1_500_000_000_000, rating=2.0),  # tie: first wins
        review("U07", "I03", 1_500_000_000_000), review("U07", "I02", 1_500_000_000_000),  # equal times, 2 items
        review("U08", "I08", 1_400_000_000_000, rating=0.0),  # rating out of range (flagged, kept)
        review("U08", "I07", -5, rating=7.0),  # negative timestamp and rating (flagged, kept)
        review("U08", "I06", 1000),  # before Amazon existed (flagged, kept)
        review("U08", "I05", 1_450_000_000_000), review("U08", "I05", 1_450_000_000_000),  # an exact duplicate line
        review("U08", "I04", 4_102_444_800_000),  # exactly 2100-01-01: in the future (flagged, kept)
        review("U07", "I01", T2 + 5, title="<b>Fun</b>", text="fun  for\tkids"),
    ]
    lines = [json.dumps(r) for r in rows]
    lines[3:3] = ["{not json", "[1, 2, 3]", json.dumps({k: v for k, v in review("U09", "I01", 5).items() if k != "user_id"}),
                  json.dumps(review("U09", "I01", 1_600_000_000_000, rating="5"))]
    first = folder / f"{CATEGORY}.jsonl"
    first.write_text("\n".join(lines) + "\n")
    more = [review("U09", "I02", 1_550_000_000_000),  # U09 first appears in the second file
            review("U07", "I07", 1_500_000_000_000, rating=3.0),  # same tie again: the first file wins
            review("U09", "I05", 1_550_000_000_000), review("U09", "I04", T1 + 100)]
    second = folder / f"{CATEGORY}.more.jsonl"
    second.write_text("\n".join(json.dumps(r) for r in more) + "\n")
    meta = []
    for i in items:
        if i in ("I06", "I08"):
            continue  # items without metadata: dropped from the task inputs
        meta.append({"main_category": "Toys & Games", "title": f"Toy &amp; game <i>{i}</i>", "average_rating": 4.0,
                     "rating_number": 3, "features": ["fun"], "description": ["a toy"], "price": None, "images": [],
                     "videos": [], "store": "S", "categories": [], "details": {"Brand": "S"}, "parent_asin": i,
                     "bought_together": None})
    meta.append(dict(meta[0], title="a later duplicate record"))
    meta_file = folder / f"meta_{CATEGORY}.jsonl"
    meta_file.write_text("\n".join(json.dumps(m) for m in meta) + "\n")
    return {"reviews": [first, second], "meta": [meta_file]}
