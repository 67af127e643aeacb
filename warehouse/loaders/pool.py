"""Candidate pools for product search: ground-truth items plus sampled same-category items.

DESIGN §5: ESCI and Amazon-C4 add 50 same-category items per ground-truth (query, item)
pair to one pool. Each pair draws from its own generator seeded by (seed, sha1 of the pair),
so the pool does not depend on the order in which pairs are listed.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from warehouse.settings import DATA_SEED, SAME_CATEGORY_NEGATIVES


def pair_rng(seed: int, query_id: str, item_id: str) -> np.random.Generator:
    digest = hashlib.sha1(f"{query_id}\t{item_id}".encode()).digest()
    return np.random.default_rng([seed, int.from_bytes(digest[:8], "big")])


def sample_negatives(candidates: Sequence[str], exclude: set[str], n: int, rng: np.random.Generator) -> list[str]:
    """`n` distinct items from sorted `candidates`, none of them in `exclude` (fewer if too few)."""
    wanted = min(n, len(candidates))
    if not wanted:
        return []
    # Draw a few extra to make up for excluded ones; fall back to a full permutation if short.
    picks = rng.choice(len(candidates), size=min(len(candidates), wanted + len(exclude)), replace=False)
    chosen = [candidates[i] for i in picks if candidates[i] not in exclude][:n]
    if len(chosen) < n and len(picks) < len(candidates):
        chosen = [c for c in (candidates[i] for i in rng.permutation(len(candidates))) if c not in exclude][:n]
    return chosen


def same_category_pool(ground_truth: Iterable[tuple[str, str]], category_of: Mapping[str, str | None],
                       n: int = SAME_CATEGORY_NEGATIVES, seed: int = DATA_SEED) -> set[str]:
    """The ground-truth items plus, for each (query_id, item_id) pair, `n` items of the item's
    category (`category_of` maps every candidate item to its category; None = unknown, drawn
    from all candidates). Items relevant to the same query are not drawn as its negatives."""
    ground_truth = list(ground_truth)
    by_category: dict[str | None, list[str]] = {}
    for item, category in category_of.items():
        by_category.setdefault(category, []).append(item)
    everything = sorted(category_of)
    by_category = {category: sorted(items) for category, items in by_category.items()}
    relevant: dict[str, set[str]] = {}
    for query_id, item_id in ground_truth:
        relevant.setdefault(query_id, set()).add(item_id)
    pool = {item_id for _, item_id in ground_truth}
    for query_id, item_id in ground_truth:
        category = category_of.get(item_id)
        candidates = everything if category is None else by_category.get(category, [])
        pool.update(sample_negatives(candidates, relevant[query_id], n, pair_rng(seed, query_id, item_id)))
    return pool
