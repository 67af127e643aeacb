"""Lay a generated marketplace out on disk: the site data the server reads, and the ground truth.

DIR/site/items.jsonl    one line per parent item: page state, variant ASINs, the meta record
DIR/site/users.jsonl    user_id and public name
DIR/site/reviews.jsonl  review id + the official record, sorted by (user_id, timestamp, id)
DIR/site/manifest.json  profile, seed, counts
DIR/truth/{Cat}.jsonl, meta_{Cat}.jsonl, users.txt, search_queries.jsonl   (see `write_truth`)

Files are written aside and renamed (atomic); the same marketplace gives the same bytes.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable

from parsing.categories import safe_category

from sandbox.generate import Marketplace, generate_marketplace, snapshot
from sandbox.profiles import PROFILES, T1_MS, T2_MS, Profile


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def write_lines(path: Path, lines: Iterable[str]) -> None:
    """Write text lines atomically (temp name in the same folder, then os.replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for line in lines:
            fh.write(line)
            fh.write("\n")
    os.replace(tmp, path)


def write_site(market: Marketplace, site_dir: Path) -> dict:
    items = sorted(market.items, key=lambda it: it.parent_asin)
    write_lines(site_dir / "items.jsonl", (_dump({
        "parent_asin": it.parent_asin, "category": it.category, "asins": it.asins, "options": it.options,
        "variant_label": it.ptype.variant_label, "page": it.page, "byline": it.byline, "slug": it.slug,
        "meta": it.meta}) for it in items))
    write_lines(site_dir / "users.jsonl",
                (_dump({"user_id": u.user_id, "name": u.name}) for u in sorted(market.users, key=lambda u: u.user_id)))
    write_lines(site_dir / "reviews.jsonl", (_dump({"id": r.review_id, "review": r.record}) for r in market.reviews))
    manifest = {
        "profile": market.profile.name, "seed": market.seed, "categories": list(market.profile.categories),
        "items": len(market.items), "users": len(market.users), "reviews": len(market.reviews),
        "pages_gone": sum(it.page == "gone" for it in market.items),
        "pages_malformed": sum(it.page == "malformed" for it in market.items),
        "queries": len(market.queries), "until_ms": market.until_ms,
    }
    write_lines(site_dir / "manifest.json", [json.dumps(manifest, indent=2, sort_keys=True)])
    return manifest


def write_truth(market: Marketplace, truth_dir: Path) -> dict[str, int]:
    """The exact release a perfect crawl + parse produces.

    Meta only for items whose page exists and is well formed; every review of every user
    (duplicates included) under its item's category, or `Unknown` when the item has no
    well-formed page. Reviews sorted by (user_id, timestamp), meta by parent_asin.
    """
    category_of = {it.parent_asin: (it.category if it.page == "ok" else "Unknown") for it in market.items}
    reviews: dict[str, list[str]] = {}
    for r in market.reviews:   # already in (user_id, timestamp, id) order
        reviews.setdefault(category_of[r.record["parent_asin"]], []).append(_dump(r.record))
    counts: dict[str, int] = {}
    for cat, lines in sorted(reviews.items()):
        write_lines(truth_dir / f"{safe_category(cat)}.jsonl", lines)
        counts[cat] = len(lines)
    for cat in market.profile.categories:
        metas = sorted((it for it in market.items if it.category == cat and it.page == "ok"),
                       key=lambda it: it.parent_asin)
        write_lines(truth_dir / f"meta_{safe_category(cat)}.jsonl", (_dump(it.meta) for it in metas))
        counts[f"meta_{cat}"] = len(metas)
    write_lines(truth_dir / "users.txt", sorted(u.user_id for u in market.users))
    write_lines(truth_dir / "search_queries.jsonl", (_dump(q) for q in market.queries))
    return counts


def generate(out: str | os.PathLike, profile: str | Profile = "tiny", seed: int = 0, until_ms: int | None = None,
             **sizes: int) -> dict:
    """Generate the marketplace for `profile` and `seed` into `out`; returns the manifest.

    `sizes` overrides profile sizes (n_items, n_users, n_reviews, n_queries). `until_ms`: the
    snapshot at that time (Unix ms) instead of the whole history; generating the same seed again
    with a later `until_ms` grows the marketplace (new reviews, users and items).
    """
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    if sizes:
        prof = prof.with_sizes(**sizes)
    market = generate_marketplace(prof, seed)
    if until_ms is not None:
        market = snapshot(market, until_ms)
    out = Path(out)
    manifest = write_site(market, out / "site")
    manifest["truth"] = write_truth(market, out / "truth")
    ts = [r.record["timestamp"] for r in market.reviews]
    manifest["splits"] = {"train": sum(t < T1_MS for t in ts), "valid": sum(T1_MS <= t < T2_MS for t in ts),
                          "test": sum(t >= T2_MS for t in ts)}
    return manifest
