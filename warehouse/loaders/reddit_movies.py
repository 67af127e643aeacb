"""Reddit-Movies (He et al., CIKM'23, `reddit_movie_large_v1`) → search frames.

Format (as the authors' processed release, `data/reddit/`, and INSPIRED in the same layout):
- `test.jsonl`: one line per recommender turn: `context` (list of earlier utterances; the
  last one is the seeker's), `resp`, `rec` (ids of the movies recommended in `resp`),
  `dialog_id`, `turn_id`, `is_user` (0 = the line answers a seeker turn); Reddit lines may
  also carry `upvotes` (the reply's score);
- `item_ids.json`: the movie list (IMDb ids such as "tt0113537");
- `entity2id.json`: "Title (Year)" → IMDb id (INSPIRED: a DBpedia URI → id).

Rules (BLAIR): queries are the seeker turns that got a recommendation (`is_user` 0, the
context up to and including the seeker's turn, joined by newlines); only replies with more
than 20 upvotes (when the lines carry `upvotes`; the log says when they do not); queries
deduplicated by the md5 of their text (the first kept); `rec` ids matched to the movie
list (unmatched ids dropped, a query with none left is dropped, both counted).
The pool is every movie of the list. Item text: `title` and `text_full` = "Title (Year)".
"""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from urllib.parse import unquote

import pandas as pd

from warehouse.loaders.frames import finish, items_frame
from warehouse.loaders.lines import json_lines
from warehouse.loaders.quarantine import Quarantine

log = logging.getLogger(__name__)

MIN_UPVOTES = 20  # strictly more than this
CONVERSATIONS_FILE = "test.jsonl"
ITEMS_FILE = "item_ids.json"
ENTITIES_FILE = "entity2id.json"


def entity_title(key: str) -> str:
    """"Title (Year)" stays; "<http://dbpedia.org/resource/Hoffa_(film)>" → "Hoffa (film)"."""
    if key.startswith("<") and key.endswith(">"):
        return unquote(key[1:-1].rsplit("/", 1)[-1]).replace("_", " ")
    return key


def read_movies(items_path: Path, entities_path: Path) -> pd.DataFrame:
    movie_ids = [str(i) for i in json.loads(items_path.read_text(encoding="utf-8"))]
    titles = {}
    for key, movie in json.loads(entities_path.read_text(encoding="utf-8")).items():
        titles.setdefault(str(movie), entity_title(key))
    missing = sum(1 for m in movie_ids if m not in titles)
    if missing:
        log.info("%s: %d movies have no title", items_path.name, missing)
    return items_frame((m, titles.get(m, ""), titles.get(m, "")) for m in dict.fromkeys(movie_ids))


def load_reddit_movies(source_path: str | Path, root: str | Path | None = None, dataset: str = "reddit_movies",
                       items_file: str | Path | None = None, entities_file: str | Path | None = None,
                       min_upvotes: int = MIN_UPVOTES) -> dict[str, pd.DataFrame]:
    """Read the conversations (a file, or a folder with `test.jsonl`) and the movie list into search frames."""
    source = Path(source_path)
    conversations = source / CONVERSATIONS_FILE if source.is_dir() else source
    folder = conversations.parent
    items = read_movies(Path(items_file or folder / ITEMS_FILE), Path(entities_file or folder / ENTITIES_FILE))
    known = set(items["item_id"])
    quarantine = Quarantine()
    queries, qrels, seen = [], [], set()
    counts = {"recommender turns": 0, "not answering a seeker": 0, "upvotes <= limit": 0,
              "md5 duplicates": 0, "no matched movie": 0, "unmatched ids": 0, "without upvotes": 0}
    for number, record in json_lines(conversations, quarantine):
        context, rec = record.get("context"), record.get("rec")
        if not isinstance(context, list) or not isinstance(rec, list):
            quarantine.add(conversations.name, number, "context or rec is not a list", json.dumps(record)[:200])
            continue
        counts["recommender turns"] += 1
        if record.get("is_user", 0) != 0 or not any(str(u).strip() for u in context):
            counts["not answering a seeker"] += 1
            continue
        upvotes = record.get("upvotes")
        if upvotes is None:
            counts["without upvotes"] += 1
        elif not isinstance(upvotes, (int, float)) or isinstance(upvotes, bool):
            quarantine.add(conversations.name, number, "upvotes is not a number", str(upvotes))
            continue
        elif upvotes <= min_upvotes:
            counts["upvotes <= limit"] += 1
            continue
        text = "\n".join(str(u).strip() for u in context if str(u).strip())
        digest = hashlib.md5(text.encode("utf-8")).hexdigest()
        if digest in seen:
            counts["md5 duplicates"] += 1
            continue
        matched = list(dict.fromkeys(str(m) for m in rec if str(m) in known))
        counts["unmatched ids"] += len(rec) - sum(1 for m in rec if str(m) in known)
        if not matched:
            counts["no matched movie"] += 1
            continue
        seen.add(digest)
        dialog, turn = record.get("dialog_id"), record.get("turn_id")
        query_id = f"{dialog}:{turn}" if dialog is not None and turn is not None else f"line{number}"
        queries.append((query_id, text))
        qrels += [(query_id, movie, 1.0) for movie in matched]
    log.info("%s: %s", dataset, ", ".join(f"{v} {k}" for k, v in counts.items()))
    if counts["without upvotes"]:
        log.info("%s: %d lines carry no upvotes: the > %d upvotes filter was not applied to them",
                 dataset, counts["without upvotes"], min_upvotes)
    frames = {"queries": pd.DataFrame(queries, columns=["query_id", "query"]),
              "qrels": pd.DataFrame(qrels, columns=["query_id", "item_id", "relevance"]),
              "items": items}
    if frames["queries"]["query_id"].duplicated().any():
        raise ValueError(f"{conversations}: repeated (dialog_id, turn_id) among the queries")
    return finish(frames, quarantine, root, "search", dataset)
