"""Faults, the rate limit and the request log behave as configured, over real sockets."""
from __future__ import annotations

import json
import time
from collections import Counter

import httpx
import pytest

from sandbox.faults import FAULT_KINDS, Faults, RateLimiter
from sandbox.server import SandboxServer

PAGE = "/s?i=All_Beauty"


def _get(client: httpx.Client, path: str = PAGE):
    try:
        return client.get(path)
    except httpx.TransportError as exc:        # drop / truncate surface as transport errors
        return exc


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_each_fault_on_its_own(tiny_site, kind):
    faults = Faults(**{kind: 1.0}, slow_s=0.3, oversize_bytes=600_000, retry_after_s=3)
    with SandboxServer(tiny_site, port=0, faults=faults) as server, \
            httpx.Client(base_url=server.base_url, timeout=5) as client:
        robots = client.get("/robots.txt")             # robots.txt is never faulted
        assert robots.status_code == 200 and "Crawl-delay" in robots.text
        started = time.monotonic()
        r = _get(client)
        elapsed = time.monotonic() - started
        entry = server.request_log[-1]
    assert entry.fault == kind and entry.path == PAGE
    if kind == "p503":
        assert r.status_code == 503 and r.headers["Retry-After"] == "3"
    elif kind == "p429":
        assert r.status_code == 429 and r.headers["Retry-After"] == "3" and entry.retry_after == 3
        assert server.pauses[-1]["end"] - server.pauses[-1]["start"] == 3
    elif kind == "slow":
        assert r.status_code == 200 and elapsed >= 0.3
    elif kind == "drop":
        assert isinstance(r, httpx.RemoteProtocolError) and entry.status == 0
    elif kind == "truncate":
        assert isinstance(r, httpx.RemoteProtocolError)
        assert 0 < entry.bytes < len(server.site.get(PAGE).body)
    elif kind == "captcha":
        assert r.status_code == 200
        assert "<title dir=\"ltr\">Robot Check</title>" in r.text and 'action="/errors/validateCaptcha"' in r.text
        assert "Enter the characters you see below" in r.text
    elif kind == "wrong_type":
        assert r.status_code == 200 and not r.headers["content-type"].startswith("text/html")
        assert b'data-component-type="s-search-result"' in r.content
    elif kind == "oversize":
        assert r.status_code == 200 and len(r.content) >= 600_000
        assert b'data-component-type="s-search-result"' in r.content


def test_fault_rates_match_the_probabilities_and_are_seeded(tiny_site):
    faults = Faults(p503=0.2, p429=0.1, captcha=0.1, retry_after_s=1, seed=5)
    n = 600
    runs = []
    for _ in range(2):
        with SandboxServer(tiny_site, port=0, faults=faults) as server, \
                httpx.Client(base_url=server.base_url, timeout=5) as client:
            statuses = [client.get(f"/dp/{'B' * 10}?n={i}").status_code for i in range(n)]
            runs.append([e.fault for e in server.request_log])
    counts = Counter(runs[0])
    for kind, p in (("p503", 0.2), ("p429", 0.1), ("captcha", 0.1)):
        assert abs(counts[kind] / n - p) < 0.05, (kind, counts)
    assert counts[None] / n == pytest.approx(0.6, abs=0.06)
    assert runs[0] == runs[1]                  # same seed, same request order → same faults
    assert Counter(statuses)[503] == Counter(runs[1])["p503"]


def test_a_fault_is_never_permanent_for_a_url(tiny_site):
    with SandboxServer(tiny_site, port=0, faults=Faults(p503=0.7, seed=1)) as server, \
            httpx.Client(base_url=server.base_url, timeout=5) as client:
        codes = [client.get(PAGE).status_code for _ in range(40)]
    assert 503 in codes and 200 in codes


def test_bad_fault_settings_are_refused():
    with pytest.raises(ValueError):
        Faults(p503=0.7, drop=0.5)
    with pytest.raises(ValueError):
        Faults(p429=0.1, retry_after_s=0)


def test_rate_limit_answers_429_with_retry_after_and_logs_the_pause(tiny_site, tmp_path):
    log_path = tmp_path / "requests.jsonl"
    with SandboxServer(tiny_site, port=0, rate_limit=20, rate_burst=5, log_path=log_path) as server, \
            httpx.Client(base_url=server.base_url, timeout=5) as client:
        burst = [client.get("/") for _ in range(15)]
        limited = [r for r in burst if r.status_code == 429]
        assert [r.status_code for r in burst[:5]] == [200] * 5 and limited
        wait = int(limited[0].headers["Retry-After"])
        assert wait >= 1
        pause = server.pauses[0]
        assert pause["reason"] == "rate_limit" and pause["end"] - pause["start"] == wait
        inside = [e for e in server.request_log if e.during_pause]
        assert inside and all(e.status == 429 for e in inside)
        time.sleep(wait + 0.05)
        assert client.get("/").status_code == 200     # the pause is over
        # A polite client at the allowed rate is never limited.
        for _ in range(6):
            time.sleep(0.06)
            assert client.get("/robots.txt").status_code == 200
        entries = len(server.request_log)
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert len(lines) == entries
    assert {"time", "mono", "method", "path", "status", "client", "retry_after", "during_pause"} <= set(lines[0])
    assert any(line["status"] == 429 and line["retry_after"] == wait for line in lines)


def test_token_bucket_refills_at_the_rate():
    limiter = RateLimiter(rate=10, burst=2)
    assert limiter.check("a", 0.0) == (None, False)
    assert limiter.check("a", 0.0) == (None, False)
    wait, new = limiter.check("a", 0.0)
    assert wait == 1 and new
    assert limiter.check("a", 0.5) == (1, False)            # still inside the pause
    assert limiter.check("b", 0.5) == (None, False)         # per client
    assert limiter.check("a", 1.01) == (None, False)        # refilled after the pause
