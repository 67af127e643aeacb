"""An independent plain-Python version of DESIGN §4 for the lake tests (it imports no code of warehouse/,
only the numbers of the rules from warehouse.settings).

It follows the official scripts' semantics (hyp1231/AmazonReviews2023 benchmark_scripts and
seq_rec_results/dataset/process_amazon_2023.py): users in order of first appearance, each
user's reviews sorted by time (stable, so ties keep input order), first review per item kept.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

# The rules are re-implemented here; their numbers are the spec's, taken from their one home.
from warehouse.settings import CF_SPLIT, DATA_SEED, T1_MS as T1, T2_MS as T2
REVIEW_FIELDS = {"rating": (int, float), "title": str, "text": str, "images": list, "asin": str,
                 "parent_asin": str, "user_id": str, "timestamp": int, "helpful_vote": int,
                 "verified_purchase": bool}


def _lines(path: Path):
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        yield from handle


def read_reviews(paths: list[Path]) -> tuple[list[dict], int]:
    """Reviews of one category in input order (files by name, then line), as dicts with
    user_id, parent_asin, rating, timestamp, title, text; plus the number of bad lines."""
    rows, bad = [], 0
    for path in sorted(paths, key=lambda p: p.name):
        for line in _lines(path):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                bad += 1
                continue
            if not isinstance(rec, dict):
                bad += 1
                continue
            if "reviewerID" in rec:  # 2014 / 2018 release
                rows.append({"user_id": rec["reviewerID"], "parent_asin": rec["asin"], "rating": float(rec["overall"]),
                             "timestamp": rec["unixReviewTime"] * 1000, "title": rec.get("summary") or "",
                             "text": rec.get("reviewText") or ""})
                continue
            ok = set(rec) == set(REVIEW_FIELDS) and all(
                isinstance(rec[k], t) and not (t is not bool and isinstance(rec[k], bool))
                for k, t in REVIEW_FIELDS.items())
            if not ok:
                bad += 1
                continue
            rows.append({k: rec[k] for k in ("user_id", "parent_asin", "rating", "timestamp", "title", "text")})
            rows[-1]["rating"] = float(rows[-1]["rating"])
    return rows, bad


def meta_items(paths: list[Path]) -> dict[str, str]:
    """parent_asin (or 2018 asin) → title, first record wins."""
    out: dict[str, str] = {}
    for path in sorted(paths, key=lambda p: p.name):
        for line in _lines(path):
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict):
                key = rec.get("parent_asin") or rec.get("asin")
                if key and key not in out:
                    out[key] = rec.get("title") or ""
    return out


def dedup(rows: list[dict]) -> list[tuple]:
    """(user, item, rating, ts) in the official order, earliest per (user, item)."""
    by_user: dict[str, list] = {}
    for row in rows:
        by_user.setdefault(row["user_id"], []).append((row["user_id"], row["parent_asin"], row["rating"], row["timestamp"]))
    out = []
    for inters in by_user.values():
        seen = set()
        for inter in sorted(inters, key=lambda x: x[3]):
            if inter[1] not in seen:
                seen.add(inter[1])
                out.append(inter)
    return out


def k_core(inters: list[tuple], k: int) -> list[tuple]:
    if k <= 0:
        return list(inters)
    while True:
        users, items = defaultdict(int), defaultdict(int)
        for u, i, _, _ in inters:
            users[u] += 1
            items[i] += 1
        kept = [x for x in inters if users[x[0]] >= k and items[x[1]] >= k]
        if len(kept) == len(inters):
            return kept
        inters = kept


def _per_user(inters):
    by_user: dict[str, list] = {}
    for x in inters:
        by_user.setdefault(x[0], []).append(x)
    return by_user


def line(x, history=None) -> str:
    base = f"{x[0]},{x[1]},{x[2]},{x[3]}"
    return base if history is None else f"{base},{history}"


def splits(inters: list[tuple]) -> dict[str, dict[str, list[str]]]:
    """CSV lines (no header) of last_out, last_out_w_his, timestamp, timestamp_w_his by split."""
    out = {v: {s: [] for s in ("train", "valid", "test")}
           for v in ("last_out", "last_out_w_his", "timestamp", "timestamp_w_his")}
    for seq in _per_user(inters).values():
        out["last_out"]["test"].append(line(seq[-1]))
        out["last_out_w_his"]["test"].append(line(seq[-1], " ".join(x[1] for x in seq[:-1])))
        if len(seq) > 1:
            out["last_out"]["valid"].append(line(seq[-2]))
            out["last_out_w_his"]["valid"].append(line(seq[-2], " ".join(x[1] for x in seq[:-2])))
        for i in range(len(seq) - 2):
            out["last_out"]["train"].append(line(seq[i]))
            out["last_out_w_his"]["train"].append(line(seq[i], " ".join(x[1] for x in seq[:i])))
        for i, x in enumerate(seq):
            split = "test" if x[3] >= T2 else "valid" if x[3] >= T1 else "train"
            out["timestamp"][split].append(line(x))
            out["timestamp_w_his"][split].append(line(x, " ".join(y[1] for y in seq[:i])))
    return out


def seqrec(inters0: list[tuple], meta: dict[str, str], max_len: int = 50) -> dict[str, list[tuple]]:
    """(user, history tuple, target, ts) rows per split, from the 0-core timestamp split."""
    out = {"train": [], "valid": [], "test": []}
    for seq in _per_user(inters0).values():
        for i, x in enumerate(seq):
            split = "test" if x[3] >= T2 else "valid" if x[3] >= T1 else "train"
            history = [y[1] for y in seq[:i]] if x[1] in meta else []
            history = [h for h in history if h in meta]
            if history:
                out[split].append((x[0], tuple(history[-max_len:]), x[1], x[3]))
    return out


def cf(inters0: list[tuple], meta: dict[str, str], seed: int = DATA_SEED) -> dict[str, list[tuple]]:
    pairs = sorted({(x[0], x[1]) for x in inters0 if x[1] in meta})
    pairs.sort(key=lambda p: hashlib.sha256(f"{seed}|{p[0]}|{p[1]}".encode()).hexdigest())
    a, b = len(pairs) * CF_SPLIT[0] // sum(CF_SPLIT), len(pairs) * CF_SPLIT[1] // sum(CF_SPLIT)
    return {"train": pairs[:a], "valid": pairs[a:a + b], "test": pairs[a + b:]}


def tokens(text: str) -> int:
    return len([t for t in re.split(r"[ \t\n\r\x0b\x0c]+", text) if t])
