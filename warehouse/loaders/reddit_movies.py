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

The raw dump (`reddit_movie_large_v1`: `train.csv`, `valid.csv` or `validation.csv`, `test.csv`,
or one file with a `split` column; CSV or JSON lines) has one row per Reddit utterance:
`conv_id`, `turn_id`, `is_seeker`, the text (`text`, `raw_text` or `clean_text`), `upvotes`, and
the movies it mentions (`movies`, `movie_ids` or `imdb_ids`: IMDb ids or "Title (Year)" names, as a
list or `|`-separated). It is read when the source is such a file or a folder holding `test.csv`
(`load_reddit_movies_raw`). Rules (BLAIR): a query is a post with `is_seeker` true whose
responses (the later non-seeker rows up to the next seeker post) include at least one with more
than 20 upvotes; its relevant movies are the ones those upvoted responses suggest, linked to IMDb
ids through the movie list (an id as is, a name through `entity2id.json`); only the test split is
evaluated; queries deduplicated by md5. Every dropped post is quarantined with its reason.
"""
from __future__ import annotations

import ast
import csv
import hashlib
import json
import logging
import re
from pathlib import Path
from urllib.parse import unquote

import pandas as pd

from parsing.quarantine import Quarantine
from warehouse.loaders.frames import finish, items_frame
from warehouse.loaders.lines import json_lines

KIND = "loader/reddit_movies"  # the quarantine's kind: which loader refused the line

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
    """Read the conversations (a file, or a folder with `test.jsonl`) and the movie list into search frames;
    a raw-dump CSV, or a folder with `test.csv`, is curated by `load_reddit_movies_raw`."""
    source = Path(source_path)
    if is_raw_source(source):
        return load_reddit_movies_raw(source, root, dataset, items_file, entities_file, min_upvotes)
    conversations = source / CONVERSATIONS_FILE if source.is_dir() else source
    folder = conversations.parent
    items = read_movies(Path(items_file or folder / ITEMS_FILE), Path(entities_file or folder / ENTITIES_FILE))
    known = set(items["item_id"])
    quarantine = Quarantine()
    queries, qrels, seen = [], [], set()
    counts = {"recommender turns": 0, "not answering a seeker": 0, "upvotes <= limit": 0,
              "md5 duplicates": 0, "no matched movie": 0, "unmatched ids": 0, "without upvotes": 0}
    for number, record in json_lines(conversations, quarantine, KIND):
        context, rec = record.get("context"), record.get("rec")
        if not isinstance(context, list) or not isinstance(rec, list):
            quarantine.add_line(conversations, number, KIND, "context or rec is not a list", json.dumps(record))
            continue
        counts["recommender turns"] += 1
        if record.get("is_user", 0) != 0 or not any(str(u).strip() for u in context):
            counts["not answering a seeker"] += 1
            continue
        upvotes = record.get("upvotes")
        if upvotes is None:
            counts["without upvotes"] += 1
        elif not isinstance(upvotes, (int, float)) or isinstance(upvotes, bool):
            quarantine.add_line(conversations, number, KIND, "upvotes is not a number", str(upvotes))
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


# ------------------------------------------------------------------ the raw dump

RAW_SPLIT_FILES = {"train": ("train",), "valid": ("valid", "validation"), "test": ("test",)}
RAW_TEXT_FIELDS = ("text", "raw_text", "clean_text")
RAW_MOVIE_FIELDS = ("movies", "movie_ids", "imdb_ids")
MAX_FIELD_CHARS = 1_000_000  # a Reddit post is far shorter; a bigger field is a broken file
_SPACE = re.compile(r"\s+")


def _truthy(value) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1", "yes")


def _mentions(value) -> list[str]:
    """A list cell: a JSON/Python list, or names or ids separated by `|`."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value or "").strip()
    if text.startswith("["):
        try:
            parsed = ast.literal_eval(text)
            if isinstance(parsed, (list, tuple)):
                return [str(v).strip() for v in parsed if str(v).strip()]
        except (ValueError, SyntaxError):
            pass
    return [part.strip() for part in text.split("|") if part.strip()]


def _norm(name: str) -> str:
    return _SPACE.sub(" ", name).strip().lower()


def _raw_rows(path: Path, quarantine: Quarantine):
    if path.suffix == ".csv":
        csv.field_size_limit(MAX_FIELD_CHARS)
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            reader = csv.DictReader(handle)
            for record in reader:
                yield reader.line_num, record
    else:
        yield from json_lines(path, quarantine, KIND)


def raw_files(source: Path) -> list[tuple[str | None, Path]]:
    """(split or None when rows carry it, file) for a raw file or folder."""
    if source.is_file():
        return [(None, source)]
    found = []
    for split, stems in RAW_SPLIT_FILES.items():
        for stem in stems:
            for suffix in (".csv", ".jsonl"):
                if (source / f"{stem}{suffix}").is_file():
                    found.append((split, source / f"{stem}{suffix}"))
    if not any(split == "test" for split, _ in found):
        raise FileNotFoundError(f"{source}: no test.csv or test.jsonl of the raw Reddit-Movies dump")
    return found


def is_raw_source(source: Path) -> bool:
    return (source.is_file() and source.suffix == ".csv") or (source.is_dir() and (source / "test.csv").is_file())


def load_reddit_movies_raw(source_path: str | Path, root: str | Path | None = None, dataset: str = "reddit_movies",
                           items_file: str | Path | None = None, entities_file: str | Path | None = None,
                           min_upvotes: int = MIN_UPVOTES) -> dict[str, pd.DataFrame]:
    """Curate the raw dump into search frames (see the module doc); the pool is every movie of the list."""
    source = Path(source_path)
    folder = source if source.is_dir() else source.parent
    items = read_movies(Path(items_file or folder / ITEMS_FILE), Path(entities_file or folder / ENTITIES_FILE))
    known = set(items["item_id"])
    by_name = {_norm(t): i for i, t in zip(items["item_id"], items["title"]) if t}
    quarantine = Quarantine()
    conversations: dict[tuple[str, str], list[dict]] = {}
    for split, path in raw_files(source):
        for number, record in _raw_rows(path, quarantine):
            text = next((str(record[f]) for f in RAW_TEXT_FIELDS if record.get(f) not in (None, "")), "")
            row_split = split or str(record.get("split") or "").strip().lower().replace("validation", "valid")
            try:
                upvotes = int(float(record.get("upvotes") or 0))
                turn = int(float(record["turn_id"]))
            except (KeyError, TypeError, ValueError):
                quarantine.add_line(path, number, KIND, "turn_id or upvotes is not a number", json.dumps(record))
                continue
            conv = str(record.get("conv_id") or "").strip()
            if not conv:
                quarantine.add_line(path, number, KIND, "missing conv_id", json.dumps(record))
                continue
            movies = next((record[f] for f in RAW_MOVIE_FIELDS if record.get(f) not in (None, "")), "")
            conversations.setdefault((row_split, conv), []).append(
                {"turn": turn, "seeker": _truthy(record.get("is_seeker")), "text": text.strip(), "upvotes": upvotes,
                 "movies": _mentions(movies), "source": path.name, "line": number})
    queries, qrels, seen = [], [], set()
    unlinked = 0
    for (split, conv), rows in conversations.items():
        rows.sort(key=lambda r: r["turn"])
        for index, post in enumerate(rows):
            if not post["seeker"]:
                continue
            if split != "test":
                quarantine.add_line(post["source"], post["line"], KIND, "not in the test split", f"{conv}:{post['turn']} ({split or 'no split'})")
                continue
            if not post["text"]:
                quarantine.add_line(post["source"], post["line"], KIND, "empty post", f"{conv}:{post['turn']}")
                continue
            responses = []
            for reply in rows[index + 1:]:
                if reply["seeker"]:
                    break
                responses.append(reply)
            upvoted = [r for r in responses if r["upvotes"] > min_upvotes]
            if not upvoted:
                quarantine.add_line(post["source"], post["line"], KIND, f"no response with more than {min_upvotes} upvotes", post["text"])
                continue
            linked = []
            for reply in upvoted:
                for mention in reply["movies"]:
                    movie = mention if mention in known else by_name.get(_norm(mention))
                    if movie is None:
                        unlinked += 1
                    elif movie not in linked:
                        linked.append(movie)
            if not linked:
                quarantine.add_line(post["source"], post["line"], KIND, "no suggested movie linked to IMDb", post["text"])
                continue
            digest = hashlib.md5(post["text"].encode("utf-8")).hexdigest()
            if digest in seen:
                quarantine.add_line(post["source"], post["line"], KIND, "md5 duplicate", post["text"])
                continue
            seen.add(digest)
            query_id = f"{conv}:{post['turn']}"
            queries.append((query_id, post["text"]))
            qrels += [(query_id, movie, 1.0) for movie in linked]
    log.info("%s: %d queries from the raw dump; %d movie mentions not linked to the movie list", dataset,
             len(queries), unlinked)
    frames = {"queries": pd.DataFrame(queries, columns=["query_id", "query"]),
              "qrels": pd.DataFrame(qrels, columns=["query_id", "item_id", "relevance"]),
              "items": items}
    return finish(frames, quarantine, root, "search", dataset)
