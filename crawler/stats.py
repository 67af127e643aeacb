"""Crawl statistics in the style of Scrapy's stats collector (flat `group/name` counters)."""
from __future__ import annotations

from collections import Counter


class Stats:
    """Counters for one run. `flush()` hands back what changed since the last flush (to persist)."""

    def __init__(self) -> None:
        self.values: Counter[str] = Counter()
        self._flushed: dict[str, int] = {}  # the values at the last flush

    def inc(self, key: str, n: int = 1) -> None:
        self.values[key] += n  # one update per event: the delta is worked out at flush time

    def get(self, key: str) -> int:
        return self.values.get(key, 0)

    def flush(self) -> dict[str, int]:
        delta = {k: v - self._flushed.get(k, 0) for k, v in self.values.items() if v != self._flushed.get(k, 0)}
        self._flushed = dict(self.values)
        return delta

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.values.items()))


def format_stats(values: dict, title: str) -> str:
    width = max((len(k) for k in values), default=10)
    lines = [f"== {title}"]
    lines += [f"  {k:<{width}}  {v}" for k, v in values.items()]
    return "\n".join(lines)
