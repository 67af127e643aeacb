"""Per-query failure analysis (the paper's Table 11): for a search query, its text, the items
judged relevant and each encoder's top items, read from the rankings saved beside each search
result (`benchmark.results.rankings_path`).

Per encoder the run shown is the newest full-protocol default run, else the newest run.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from benchmark.embeddings import path_name
from benchmark.results import rankings_path
from warehouse import layout

TITLE_CHARS = 60  # a cell shows this much of an item's title


def search_runs(results_root: str | Path, dataset: str) -> dict[str, Path]:
    """Encoder label → rankings file of its preferred search run on `dataset`."""
    base = layout.results(results_root) if layout.results(results_root).is_dir() else Path(results_root)
    chosen: dict[str, tuple[tuple, Path]] = {}
    for path in sorted((base / "search" / path_name(dataset)).glob("*.json")):
        rankings = rankings_path(path)
        if not rankings.exists():
            continue  # written before rankings were kept
        try:
            result = json.loads(path.read_text())
        except json.JSONDecodeError:
            continue
        rank = (result.get("protocol", "full") == "full" and not result.get("variant"), result.get("created_at", ""))
        label = result.get("encoder", path.stem)
        if label not in chosen or rank > chosen[label][0]:
            chosen[label] = (rank, rankings)
    return {label: rankings for label, (_, rankings) in sorted(chosen.items())}


def _top(rankings: pd.DataFrame, top: int) -> pd.DataFrame:
    return rankings[rankings["rank"] <= top]


def _title(titles: pd.Series, item: str) -> str:
    text = str(titles.get(item, "")).replace("|", "/").replace("\n", " ")
    return text if len(text) <= TITLE_CHARS else text[:TITLE_CHARS - 1] + "…"


def explain(results_root: str | Path, dataset: str, frames: dict[str, pd.DataFrame], query_ids: list[str] | None = None,
            n: int = 3, top: int = 3) -> str:
    """Markdown: for each query (the first `n` scored ones unless `query_ids`), its text, relevant
    items and every encoder's top `top` (✓ marks a relevant item). Raises LookupError when nothing fits."""
    runs = search_runs(results_root, dataset)
    if not runs:
        raise LookupError(f"no search result with rankings for {dataset!r} under {results_root}")
    queries = frames["queries"].astype({"query_id": str}).drop_duplicates("query_id").set_index("query_id")["query"]
    qrels = frames["qrels"].astype({"query_id": str, "item_id": str})
    qrels = qrels[qrels["relevance"] > 0]
    titles = frames["items"].astype({"item_id": str}).set_index("item_id")["title"]
    tops = {label: _top(pq.read_table(path).to_pandas(), top) for label, path in runs.items()}
    if query_ids:
        unknown = [q for q in query_ids if q not in queries.index]
        if unknown:
            raise LookupError(f"no query {', '.join(unknown)} in {dataset!r}")
    else:
        scored = set.union(*(set(t["query_id"]) for t in tops.values()))
        query_ids = [q for q in queries.index if q in scored][:n]
    out = [f"# Per-query rankings: {dataset} (top {top} per encoder; ✓ = relevant)"]
    for q in query_ids:
        relevant = qrels[qrels["query_id"] == q]
        judged = dict(zip(relevant["item_id"], relevant["relevance"]))
        out += ["", f"## Query {q}: {queries[q]}", "", "Relevant items:"]
        out += [f"- {item} ({rel:g}) {_title(titles, item)}" for item, rel in judged.items()] or ["- none in the pool"]
        out += ["", "| Encoder | " + " | ".join(f"#{i}" for i in range(1, top + 1)) + " |", "|---|" + "---|" * top]
        for label, frame in tops.items():
            rows = frame[frame["query_id"] == q].sort_values("rank")
            cells = [f"{'✓ ' if item in judged else ''}{item} {_title(titles, item)} ({score:.3f})"
                     for item, score in zip(rows["item_id"], rows["score"])]
            cells += ["–"] * (top - len(cells))
            out.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"
