"""Crawl statistics in the style of Scrapy's stats collector (flat `group/name` counters)."""
from __future__ import annotations

from collections import Counter


class Stats:
    """Counters for one run. `flush()` hands back what changed since the last flush (to persist)."""

    def __init__(self) -> None:
        self.values: Counter[str] = Counter()
        self._unflushed: Counter[str] = Counter()

    def inc(self, key: str, n: int = 1) -> None:
        self.values[key] += n
        self._unflushed[key] += n

    def get(self, key: str) -> int:
        return self.values.get(key, 0)

    def flush(self) -> dict[str, int]:
        delta, self._unflushed = dict(self._unflushed), Counter()
        return delta

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.values.items()))


def format_stats(values: dict, title: str) -> str:
    width = max((len(k) for k in values), default=10)
    lines = [f"== {title}"]
    lines += [f"  {k:<{width}}  {v}" for k, v in values.items()]
    return "\n".join(lines)
