"""One synthesis run: sample reviews → ask the LLM (cached) → filter → Amazon-C4 files.

`synthesize_queries` writes into `out`:
- `test.csv`: `qid, query, item_id, user_id, ori_rating, ori_review` (the Amazon-C4 columns);
- `quarantine.csv`: every failed conversion with its reason and an excerpt;
- `synthesis.json`: the sidecar (model, generation settings, prompt and its hash, seed, period,
  categories, counts by reason, tokens, cost, what was asked this run and what came from the cache);
- `answers.sqlite`: the answer cache (a re-run with the same `out` resumes from it).
`write_pool` writes `sampled_item_metadata_1M.jsonl` (`item_id, category, metadata`): every item
with metadata in the chosen categories, so the Amazon-C4 loader draws its 50 same-category
negatives per query from them.
"""
from __future__ import annotations

import csv
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from benchmark.protocol import SEED
from benchmark.synthesis.cache import AnswerCache, answer_key
from benchmark.synthesis.filters import clean_answer, failure_reason
from benchmark.synthesis.llm import LLM, Answer
from benchmark.synthesis.prompt import PROMPT, build_prompt, prompt_hash
from benchmark.synthesis.sampling import MIN_REVIEW_CHARS, Review, read_meta, sample_reviews
from parsing.atomic import atomic_path
from parsing.quarantine import EXCERPT_CHARS
from warehouse.task_frames import join_text

log = logging.getLogger(__name__)

QUERIES_FILE = "test.csv"  # the names the Amazon-C4 loader reads
POOL_FILE = "sampled_item_metadata_1M.jsonl"
QUARANTINE_FILE = "quarantine.csv"
SIDECAR_FILE = "synthesis.json"
CACHE_FILE = "answers.sqlite"
COLUMNS = ("qid", "query", "item_id", "user_id", "ori_rating", "ori_review")
Progress = Callable[[int, int], None]


class NoReviews(ValueError):
    """No review of the chosen categories and period passes the sampling rule."""


@dataclass(frozen=True)
class Product:
    title: str
    brand: str | None


def _details(value) -> dict:
    if isinstance(value, dict):
        return value
    try:
        return dict(value) if value is not None else {}
    except (TypeError, ValueError):
        return {}


def products(metas: dict[str, pd.DataFrame]) -> dict[str, Product]:
    """parent_asin → (title, brand): the store, or the details' Brand when there is no store."""
    out = {}
    for meta in metas.values():
        for row in meta.itertuples():
            brand = row.store if isinstance(getattr(row, "store", None), str) and row.store else \
                _details(getattr(row, "details", None)).get("Brand")
            out[str(row.parent_asin)] = Product(str(row.title or ""), brand)
    return out


def _write_csv(path: Path, header, rows) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)


def ask_missing(llm: LLM, reviews: list[Review], cache: AnswerCache, progress: Progress | None = None) -> int:
    """Ask the LLM for every review without a cached answer; returns how many were asked."""
    settings, phash = llm.settings(), prompt_hash()
    keys = [answer_key(r.review_id, llm.name, phash, settings) for r in reviews]
    missing = [i for i, key in enumerate(keys) if cache.get(key) is None]
    log.info("synthesis: %d reviews, %d answers cached, %d to ask %s", len(reviews), len(reviews) - len(missing),
             len(missing), llm.name)
    done = 0

    def store(index: int, answer: Answer) -> None:
        nonlocal done
        review = reviews[missing[index]]
        cache.put(keys[missing[index]], review.review_id, answer)
        done += 1
        if progress:
            progress(done, len(missing))

    if missing:
        llm.ask([build_prompt(reviews[i].text) for i in missing], store)
    return len(missing)


def synthesize_queries(root: str | Path, categories: list[str], n: int, llm: LLM, out: str | Path, *,
                       seed: int = SEED, period: str = "test", progress: Progress | None = None) -> dict:
    """Sample, ask, filter and write the Amazon-C4 query files (see the module doc); returns the sidecar."""
    out = Path(out)
    started = time.perf_counter()
    metas = {c: read_meta(root, c) for c in categories}
    reviews = sample_reviews(root, categories, n, seed, period, metas)
    if not reviews:
        raise NoReviews(f"no 5-star review of at least {MIN_REVIEW_CHARS} characters in period {period!r} "
                        f"of {', '.join(categories)} under {root}")
    cache = AnswerCache(out / CACHE_FILE)
    try:
        asked = ask_missing(llm, reviews, cache, progress)
        settings, phash = llm.settings(), prompt_hash()
        answers = [cache.get(answer_key(r.review_id, llm.name, phash, settings)) for r in reviews]
    finally:
        cache.close()
    items = products(metas)
    kept, dropped = [], []
    for rank, (review, answer) in enumerate(zip(reviews, answers), start=1):
        query = clean_answer(answer.text)
        product = items[review.item_id]
        reason = failure_reason(query, review.text, product.title, product.brand, answer.error)
        if reason:
            dropped.append((review.review_id, reason, (answer.error or query)[:EXCERPT_CHARS]))
        else:
            kept.append((rank, query, review.item_id, review.user_id, review.rating, review.text))
    _write_csv(out / QUERIES_FILE, COLUMNS, kept)
    _write_csv(out / QUARANTINE_FILE, ("review_id", "reason", "excerpt"), dropped)
    prompt_tokens = sum(a.prompt_tokens or 0 for a in answers)
    completion_tokens = sum(a.completion_tokens or 0 for a in answers)
    sidecar = {
        "model": llm.name, "settings": settings, "offline": llm.offline,
        "quality_note": getattr(llm, "QUALITY_NOTE", None),
        "prompt": PROMPT, "prompt_hash": phash, "seed": seed, "period": period, "categories": list(categories),
        "n_requested": n, "n_sampled": len(reviews), "n_kept": len(kept),
        "quarantine": dict(Counter(reason for _, reason, _ in dropped)),
        "asked_this_run": asked, "from_cache": len(reviews) - asked,
        "tokens": {"prompt": prompt_tokens, "completion": completion_tokens},
        "cost_usd": llm.cost(prompt_tokens, completion_tokens),
        "seconds": round(time.perf_counter() - started, 3),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    with atomic_path(out / SIDECAR_FILE) as tmp:
        tmp.write_text(json.dumps(sidecar, indent=2, sort_keys=True) + "\n")
    log.info("synthesis: %d of %d kept; quarantined %s", len(kept), len(reviews), sidecar["quarantine"] or "none")
    return sidecar


def write_pool(root: str | Path, categories: list[str], out: str | Path) -> int:
    """Every item with metadata in `categories` as `sampled_item_metadata` lines; returns the count."""
    lines = []
    for category in categories:
        meta = read_meta(root, category)
        for row in meta.sort_values("parent_asin").itertuples():
            text = join_text(row.title or "", list(row.features if row.features is not None else []),
                             list(row.description if row.description is not None else []))
            if text:
                lines.append(json.dumps({"item_id": str(row.parent_asin), "category": category, "metadata": text}))
    with atomic_path(Path(out) / POOL_FILE) as tmp:
        tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)
