"""Amazon-C4 (Hou et al., the BLAIR paper's complex-context queries) → search frames.

Format (McAuley-Lab/Amazon-C4): the queries file (`test.csv` with a header, or JSON lines)
with `qid, query, item_id, user_id, ori_rating, ori_review` (one ground-truth item per
query, `item_id` = parent_asin), and the item pool `sampled_item_metadata_1M.jsonl`, lines of
`{"item_id", "category", "metadata"}` (`metadata` = the item's text).

Rules: qrels = (qid, item_id, 1.0); the pool = the ground-truth items plus 50 items of the
same category per (query, item) pair, drawn from the pool file with the fixed seed.
A query whose item is absent from the pool file has no text to rank: it is quarantined.
Item text: `title` and `text_full` both hold `metadata` (cleaned).
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd

from parsing.quarantine import Quarantine
from warehouse.settings import DATA_SEED, SAME_CATEGORY_NEGATIVES
from warehouse.loaders.frames import finish, items_frame
from warehouse.loaders.lines import json_lines
from warehouse.loaders.pool import same_category_pool

KIND = "loader/amazon_c4"  # the quarantine's kind: which loader refused the line

QUERY_FILES = ("test.csv", "test.jsonl", "test.json")
POOL_FILE = "sampled_item_metadata_1M.jsonl"
QUERY_FIELDS = ("qid", "query", "item_id")


def query_rows(path: Path, quarantine: Quarantine):
    if path.suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            for record in reader:
                yield reader.line_num, record
    else:
        yield from json_lines(path, quarantine, KIND)


def read_queries(path: Path, quarantine: Quarantine) -> pd.DataFrame:
    rows, seen = [], set()
    for number, record in query_rows(path, quarantine):
        values = [str(v).strip() if (v := record.get(field)) is not None else "" for field in QUERY_FIELDS]
        if not all(values):
            quarantine.add_line(path, number, KIND, "missing qid, query or item_id", json.dumps(record))
            continue
        if values[0] in seen:
            quarantine.add_line(path, number, KIND, "duplicate qid", values[0])
            continue
        seen.add(values[0])
        rows.append((number, *values))
    return pd.DataFrame(rows, columns=["line", "query_id", "query", "item_id"])


def read_pool(path: Path, quarantine: Quarantine) -> tuple[pd.DataFrame, dict[str, str | None]]:
    records, category_of = [], {}
    for number, record in json_lines(path, quarantine, KIND):
        raw_id, text = record.get("item_id"), record.get("metadata")
        item = "" if raw_id is None else str(raw_id).strip()
        if not item or not isinstance(text, str):
            quarantine.add_line(path, number, KIND, "missing item_id or metadata", json.dumps(record))
            continue
        if item in category_of:
            quarantine.add_line(path, number, KIND, "duplicate item_id", item)
            continue
        category_of[item] = record.get("category") or None
        records.append((item, text, text))
    return items_frame(records), category_of


def load_amazon_c4(source_path: str | Path, root: str | Path | None = None, dataset: str = "amazon_c4",
                   pool_file: str | Path | None = None, n_negatives: int = SAME_CATEGORY_NEGATIVES,
                   seed: int = DATA_SEED) -> dict[str, pd.DataFrame]:
    """Read the Amazon-C4 queries (a file, or a folder with `test.csv`/`test.jsonl`) and the item pool."""
    source = Path(source_path)
    if source.is_dir():
        found = next((source / name for name in QUERY_FILES if (source / name).is_file()), None)
        if found is None:
            raise FileNotFoundError(f"{source}: none of {QUERY_FILES}")
        source = found
    quarantine = Quarantine()
    texts, category_of = read_pool(Path(pool_file) if pool_file else source.parent / POOL_FILE, quarantine)
    queries = read_queries(source, quarantine)
    unknown = ~queries["item_id"].isin(category_of)
    for row in queries[unknown].itertuples():
        quarantine.add_line(source, row.line, KIND, "ground-truth item not in the item pool file", row.item_id)
    queries = queries[~unknown].reset_index(drop=True)
    qrels = queries[["query_id", "item_id"]].assign(relevance=1.0)
    pool = same_category_pool(zip(qrels["query_id"], qrels["item_id"]), category_of, n_negatives, seed)
    frames = {"queries": queries[["query_id", "query"]], "qrels": qrels,
              "items": texts[texts["item_id"].isin(pool)].reset_index(drop=True)}
    return finish(frames, quarantine, root, "search", dataset)
