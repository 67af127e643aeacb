"""What can go wrong on the wire, as data: per-request fault probabilities and a rate limit.

Each request draws at most one fault from a seeded RNG, so a fault is never permanent for
a URL (a retry succeeds with probability 1 - total) and a run with the same seed and the
same request order fails the same way.
"""
from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass

# Draw order; also the names logged as a request's `fault` and the CLI options (--fault-p503 ...).
FAULT_KINDS = ("p503", "p429", "slow", "drop", "truncate", "captcha", "wrong_type", "oversize")


@dataclass(frozen=True)
class Faults:
    """Probabilities per request (0..1, summing to at most 1) and the fault parameters."""

    p503: float = 0.0               # 503 Service Unavailable (with Retry-After)
    p429: float = 0.0               # 429 Too Many Requests with Retry-After
    slow: float = 0.0               # the normal response after `slow_s` seconds
    drop: float = 0.0               # the socket is closed without a response
    truncate: float = 0.0           # Content-Length larger than what is sent, then close
    captcha: float = 0.0            # 200 with a Robot Check page
    wrong_type: float = 0.0         # the normal body with a wrong Content-Type
    oversize: float = 0.0           # the page padded to `oversize_bytes`
    retry_after_s: int = 2          # whole seconds, in the Retry-After of a fault 429 or 503
    slow_s: float = 2.0
    oversize_bytes: int = 5 * 1024 * 1024
    seed: int = 0
    exempt_paths: tuple[str, ...] = ("/robots.txt",)   # never faulted: a crawler needs robots first

    def __post_init__(self):
        probs = [getattr(self, k) for k in FAULT_KINDS]
        if any(p < 0 or p > 1 for p in probs) or sum(probs) > 1 + 1e-9:
            raise ValueError(f"fault probabilities must be in [0, 1] and sum to at most 1: {probs}")
        if int(self.retry_after_s) != self.retry_after_s or self.retry_after_s < 1:
            raise ValueError("retry_after_s must be a whole number of seconds >= 1")

    @property
    def any(self) -> bool:
        return any(getattr(self, k) > 0 for k in FAULT_KINDS)


class FaultDrawer:
    """Thread-safe seeded draws of at most one fault per request."""

    def __init__(self, faults: Faults):
        self.faults = faults
        self._rng = random.Random(f"faults:{faults.seed}")
        self._lock = threading.Lock()
        self._cum = []
        total = 0.0
        for kind in FAULT_KINDS:
            total += getattr(faults, kind)
            self._cum.append((total, kind))

    def draw(self, path: str) -> str | None:
        if not self.faults.any or path in self.faults.exempt_paths:
            return None
        with self._lock:
            u = self._rng.random()
        for bound, kind in self._cum:
            if u < bound:
                return kind
        return None


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    pause_until: float = 0.0


class RateLimiter:
    """Per-client token bucket: `rate` requests/second, bursts up to `burst`.

    A client that finds the bucket empty gets 429 with Retry-After (whole seconds) and is
    paused: every request before the pause ends is answered 429 again.
    """

    def __init__(self, rate: float, burst: float | None = None):
        if rate <= 0:
            raise ValueError("rate must be > 0")
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, client: str, now: float) -> tuple[int | None, bool]:
        """(retry_after seconds or None when allowed, whether this starts a new pause)."""
        with self._lock:
            b = self._buckets.get(client)
            if b is None:
                b = self._buckets[client] = _Bucket(self.burst, now)
            if now < b.pause_until:
                return max(1, math.ceil(b.pause_until - now)), False
            b.tokens = min(self.burst, b.tokens + (now - b.stamp) * self.rate)
            b.stamp = now
            if b.tokens >= 1.0:
                b.tokens -= 1.0
                return None, False
            wait = max(1, math.ceil((1.0 - b.tokens) / self.rate))
            b.pause_until = now + wait
            return wait, True
