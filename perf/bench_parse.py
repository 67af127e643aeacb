"""Product-page parsing speed on one core, as a ratio to parsing the same bytes with
`lxml.html.fromstring` in the same run (the floor: reading the document once). Target ≥ 0.67.

Two page sets: the real Amazon pages in ../shared/fixtures/amazon_product_html (2012–2026)
and pages served by the offline sandbox (tiny profile), each item's /dp/<ASIN> page.
Both rates are best-of-N over the whole set in this thread's CPU time, measured in
alternation so that the machine's other load hits both alike.

Hostile pages (issue 12, `perf/hostile_pages.py`): review-page parse time against the number of
review blocks (1k … 32k, both layouts), which must grow linearly (`per_block_us` flat), and
the 200k-nested-`<div>` page and a nesting the depth pre-scan cannot see, each quarantined
within its budget, by the product parser in this process and by `parsing batch`'s worker.
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

from parsing.batch import parse_fetched
from parsing.errors import PageError
from parsing.links import review_list_page
from parsing.product import parse_product
from parsing.settings import DEFAULT_SETTINGS
from parsing.worker import BudgetedWorker
from perf import hostile_pages

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
        from sandbox.server import SandboxServer
    except ImportError as error:
        return [], f"sandbox unavailable: {error}"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sandbox"
        done = subprocess.run([sys.executable, "-m", "sandbox", "generate", "--profile", "tiny",
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


def review_scaling(sizes: list[int]) -> dict:
    """Seconds (this thread's CPU) to parse a review page of n blocks, per layout; linear when the
    time per block stays flat (largest / smallest size within 2x)."""
    result = {}
    for layout in ("data-hook", "old"):
        rows = []
        for blocks in sizes:
            page = hostile_pages.review_page(blocks, layout)
            started = time.thread_time()
            parsed = review_list_page(page, hostile_pages.REVIEW_URL)
            seconds = time.thread_time() - started
            assert len(parsed.reviews) == blocks, (layout, blocks, len(parsed.reviews))
            rows.append({"blocks": blocks, "mbytes": round(len(page) / 1e6, 1), "seconds": round(seconds, 3),
                         "per_block_us": round(seconds / blocks * 1e6, 1)})
        growth = rows[-1]["per_block_us"] / rows[0]["per_block_us"]
        result[layout] = {"sizes": rows, "per_block_growth": round(growth, 2), "linear": growth < 2}
    return result


def _quarantine(parse, page: bytes) -> dict:
    started = time.perf_counter()
    try:
        parse("product", page, "https://www.amazon.com/dp/B000000001", None)
        reason = "parsed"
    except PageError as error:
        reason = error.reason
    return {"mbytes": round(len(page) / 1e6, 1), "reason": reason, "seconds": round(time.perf_counter() - started, 2)}


def hostile_pages_quarantined(budget_s: float) -> dict:
    """The nested page, quarantined by the depth pre-scan (in process and in the batch worker),
    and the stray-end-tag nesting, which only the batch worker's time budget stops."""
    nested, stray = hostile_pages.nested_page(200_000), hostile_pages.stray_close_page(40_000)
    result = {"max_depth": DEFAULT_SETTINGS.max_depth, "budget_s": budget_s,
              "nested_200k_product_parser": _quarantine(parse_fetched, nested)}
    with BudgetedWorker(parse_fetched, budget_s) as worker:
        worker.call("product", hostile_pages.product_page("warm-up").encode(), "https://x/dp/B000000001", None)
        result["nested_200k_batch_worker"] = _quarantine(worker.call, nested)
        result["stray_end_tags_40k_batch_worker"] = _quarantine(worker.call, stray)
    result["within_budget"] = all(v["seconds"] <= budget_s + 1 and v["reason"] != "parsed"
                                  for v in result.values() if isinstance(v, dict))
    return result


def main(quick: bool = False) -> dict:
    rounds = 2 if quick else 5
    result: dict = {"target_ratio": TARGET, "rounds": rounds}
    real = real_pages()
    result["real_fixtures"] = compare(real, rounds) if real else "skipped: ../shared/fixtures absent"
    pages, status = sandbox_pages(limit=50 if quick else 300)
    result["sandbox"] = compare(pages, rounds) if pages else f"skipped: {status}"
    result["review_pages"] = review_scaling([1000, 2000, 4000] if quick else [1000, 2000, 4000, 8000, 16000, 32000])
    result["hostile"] = hostile_pages_quarantined(budget_s=5.0 if quick else DEFAULT_SETTINGS.page_time_budget_s)
    return result


if __name__ == "__main__":
    print(json.dumps(main(quick="--quick" in sys.argv), indent=2))
