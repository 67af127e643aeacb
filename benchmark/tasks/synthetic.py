"""Synthetic task inputs with a known structure, for tests and the training benchmark.

Items belong to latent topics; each user mostly picks items of its own topic, in a random
order. An item's "text vector" is its topic centre plus noise, so a model that reads the
vectors can learn something a random-vector model cannot. Frames follow docs/CONTRACTS.md §5.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse.loaders.interactions import cf_cut_points


def _items(n_items: int) -> pd.DataFrame:
    ids = [f"I{i:07d}" for i in range(n_items)]  # zero-padded: string order = numeric order
    return pd.DataFrame({"item_id": ids, "title": [f"item {i}" for i in ids], "text_full": [f"item {i}" for i in ids]})


def _timelines(n_users: int, n_items: int, length: tuple[int, int], n_topics: int, rng: np.random.Generator):
    topic_of_item = rng.integers(0, n_topics, size=n_items)
    by_topic = [np.nonzero(topic_of_item == t)[0] for t in range(n_topics)]
    timelines = []
    for _ in range(n_users):
        topic = rng.integers(0, n_topics)
        size = int(rng.integers(length[0], length[1] + 1))
        own = by_topic[topic] if len(by_topic[topic]) >= size else np.arange(n_items)
        picks = rng.choice(own, size=min(size, len(own)), replace=False)
        noise = rng.random(len(picks)) < 0.2  # some items from anywhere
        picks[noise] = rng.integers(0, n_items, size=int(noise.sum()))
        timelines.append(list(dict.fromkeys(picks.tolist())))  # unique, order kept
    return topic_of_item, timelines


def item_vectors(topic_of_item: np.ndarray, dim: int, rng: np.random.Generator, noise: float = 0.5) -> np.ndarray:
    centres = rng.standard_normal((int(topic_of_item.max()) + 1, dim))
    return (centres[topic_of_item] + noise * rng.standard_normal((len(topic_of_item), dim))).astype(np.float32)


def seqrec_frames(n_users: int = 200, n_items: int = 300, length: tuple[int, int] = (5, 30), n_topics: int = 10,
                  dim: int = 128, max_history: int = 50, seed: int = 0) -> tuple[dict[str, pd.DataFrame], np.ndarray]:
    """Leave-last-out frames (last → test, second last → valid) and aligned item vectors."""
    rng = np.random.default_rng(seed)
    items = _items(n_items)
    topic_of_item, timelines = _timelines(n_users, n_items, length, n_topics, rng)
    rows = {"train": [], "valid": [], "test": []}
    for u, timeline in enumerate(timelines):
        ids = items["item_id"].to_numpy()[timeline].tolist()
        for pos in range(1, len(ids)):
            split = "test" if pos == len(ids) - 1 else "valid" if pos == len(ids) - 2 else "train"
            rows[split].append((f"U{u:06d}", ids[max(0, pos - max_history):pos], ids[pos], 1_000_000 * u + pos))
    frames = {name: pd.DataFrame(r, columns=["user_id", "history", "target", "timestamp"]) for name, r in rows.items()}
    frames["items"] = items
    return frames, item_vectors(topic_of_item, dim, rng)


def cf_frames(n_users: int = 200, n_items: int = 300, length: tuple[int, int] = (10, 40), n_topics: int = 10,
              dim: int = 128, seed: int = 0) -> tuple[dict[str, pd.DataFrame], np.ndarray]:
    """Unique (user, item) pairs shuffled with the seed and split as the loaders split (CF_SPLIT), and
    aligned item vectors."""
    rng = np.random.default_rng(seed)
    items = _items(n_items)
    topic_of_item, timelines = _timelines(n_users, n_items, length, n_topics, rng)
    ids = items["item_id"].to_numpy()
    pairs = pd.DataFrame([(f"U{u:06d}", ids[i]) for u, t in enumerate(timelines) for i in t], columns=["user_id", "item_id"])
    pairs = pairs.iloc[rng.permutation(len(pairs))].reset_index(drop=True)
    a, b = cf_cut_points(len(pairs))
    frames = {"train": pairs.iloc[:a].reset_index(drop=True), "valid": pairs.iloc[a:b].reset_index(drop=True),
              "test": pairs.iloc[b:].reset_index(drop=True), "items": items}
    return frames, item_vectors(topic_of_item, dim, rng)
