"""The sandbox's product-search set (sandbox ground truth) → search frames.

Format (written by `python -m sandbox generate --out DIR`):
`DIR/truth/search_queries.jsonl`: `{"query_id", "query", "category", "relevant": [parent_asin, ...]}`;
`DIR/truth/meta_{Cat}.jsonl`: official item metadata records (DESIGN §3).

The pool is every item in the truth metadata of the categories that the queries use;
relevant items have relevance 1.0. Item text as the lake's (DESIGN §4): `title` = the
cleaned title, `text_full` = title + features + categories + description.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from parsing.categories import safe_category
from parsing.quarantine import Quarantine
from warehouse.loaders.frames import finish, items_frame
from warehouse.loaders.lines import json_lines
from warehouse.task_frames import join_text

KIND = "loader/sandbox"  # the quarantine's kind: which loader refused the line

QUERIES_FILE = "search_queries.jsonl"


def meta_text(record: dict) -> tuple[str, str, str]:
    """(parent_asin, title, title + features + categories + description) of a metadata record."""
    title = record.get("title") or ""
    return (str(record["parent_asin"]), title,
            join_text(title, list(record.get("features") or []), list(record.get("categories") or []),
                      list(record.get("description") or [])))


def read_meta(path: Path, quarantine: Quarantine) -> list[tuple[str, str, str]]:
    records = []
    for number, record in json_lines(path, quarantine, KIND):
        if not record.get("parent_asin"):
            quarantine.add_line(path, number, KIND, "metadata without parent_asin", json.dumps(record))
            continue
        records.append(meta_text(record))
    return records


def load_sandbox_search(source_path: str | Path, root: str | Path | None = None,
                        dataset: str = "sandbox") -> dict[str, pd.DataFrame]:
    """Read a sandbox output folder (or its `truth/` folder) into search frames."""
    truth = Path(source_path)
    if not (truth / QUERIES_FILE).is_file():
        truth = truth / "truth"
    quarantine = Quarantine()
    queries, relevant, categories = [], [], []
    for number, record in json_lines(truth / QUERIES_FILE, quarantine, KIND):
        query_id, query, rel = record.get("query_id"), record.get("query"), record.get("relevant")
        try:
            category = safe_category(str(record.get("category")))
        except ValueError:
            quarantine.add_line(QUERIES_FILE, number, KIND, "category is not a safe name", str(record.get("category")))
            continue
        if query_id is None or not isinstance(query, str) or not query.strip() or not isinstance(rel, list) or not rel:
            quarantine.add_line(QUERIES_FILE, number, KIND, "missing query_id, query or relevant items", json.dumps(record))
            continue
        queries.append((str(query_id), query.strip(), number))
        relevant += [(str(query_id), str(item), number) for item in dict.fromkeys(rel)]
        categories.append(category)
    items = {}
    for category in sorted(set(categories)):
        path = truth / f"meta_{category}.jsonl"
        if not path.is_file():
            quarantine.add(path.name, KIND, "no truth metadata for a query category", category)
            continue
        for record in read_meta(path, quarantine):
            items.setdefault(record[0], record)
    qrels = []
    for query_id, item, number in relevant:
        if item in items:
            qrels.append((query_id, item, 1.0))
        else:
            quarantine.add_line(QUERIES_FILE, number, KIND, "relevant item not in the truth metadata", f"{query_id} {item}")
    answered = {q for q, _, _ in qrels}
    frames = {"queries": pd.DataFrame([(q, text) for q, text, _ in queries if q in answered], columns=["query_id", "query"]),
              "qrels": pd.DataFrame(qrels, columns=["query_id", "item_id", "relevance"]),
              "items": items_frame(items.values())}
    return finish(frames, quarantine, root, "search", dataset)
