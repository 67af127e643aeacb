"""Product-page parsing speed on one core, as a ratio to parsing the same bytes with
`lxml.html.fromstring` in the same run (the floor: reading the document once). Target ≥ 0.67.

Two page sets: the real Amazon pages in ../shared/fixtures/amazon_product_html (2012–2026)
and pages served by the offline sandbox (tiny profile), each item's /dp/<ASIN> page.
Both rates are best-of-N over the whole set in this thread's CPU time, measured in
alternation so that the machine's other load hits both alike.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import lxml.html

from parsing.product import parse_product

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO.parent / "shared" / "fixtures" / "amazon_product_html"
TARGET = 0.67


def _rate(fn, bodies: list[bytes]) -> float:
    # CPU time of this thread: "one core", and not inflated when other processes share the CPU
    started = time.thread_time()
    for body in bodies:
        fn(body)
    return len(bodies) / (time.thread_time() - started)


def compare(bodies: list[bytes], rounds: int) -> dict:
    floor, ours = [], []
    for _ in range(rounds):
        floor.append(_rate(lxml.html.fromstring, bodies))
        ours.append(_rate(parse_product, bodies))
    best_floor, best_ours = max(floor), max(ours)
    return {
        "pages": len(bodies),
        "mbytes": round(sum(map(len, bodies)) / 1e6, 2),
        "lxml_fromstring_pages_per_s": round(best_floor, 1),
        "parse_product_pages_per_s": round(best_ours, 1),
        "ratio": round(best_ours / best_floor, 3),
        "meets_target": best_ours / best_floor >= TARGET,
    }


def real_pages() -> list[bytes]:
    return [p.read_bytes() for p in sorted(FIXTURES.glob("*.html"))] if FIXTURES.is_dir() else []


def sandbox_pages(limit: int) -> tuple[list[bytes], str]:
    """Generate the tiny sandbox, serve it, and fetch up to `limit` product pages."""
    try:
        from crawler.sandbox.server import SandboxServer
    except ImportError as error:
        return [], f"sandbox unavailable: {error}"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sandbox"
        done = subprocess.run([sys.executable, "-m", "crawler.sandbox", "generate", "--profile", "tiny",
                               "--seed", "1", "--out", str(out)], capture_output=True, text=True, cwd=REPO)
        if done.returncode != 0:
            return [], f"sandbox generate failed: {done.stderr[-300:]}"
        asins = []
        for meta in sorted((out / "truth").glob("meta_*.jsonl")):
            asins += [json.loads(line)["parent_asin"] for line in meta.read_text().splitlines() if line.strip()]
        pages = []
        with SandboxServer(out) as server:
            for asin in asins[:limit]:
                with urllib.request.urlopen(f"{server.base_url.rstrip('/')}/dp/{asin}", timeout=30) as response:
                    pages.append(response.read())
    return pages, "ok"


def main(quick: bool = False) -> dict:
    rounds = 2 if quick else 5
    result: dict = {"target_ratio": TARGET, "rounds": rounds}
    real = real_pages()
    result["real_fixtures"] = compare(real, rounds) if real else "skipped: ../shared/fixtures absent"
    pages, status = sandbox_pages(limit=50 if quick else 300)
    result["sandbox"] = compare(pages, rounds) if pages else f"skipped: {status}"
    return result


if __name__ == "__main__":
    print(json.dumps(main(quick="--quick" in sys.argv), indent=2))
