"""Reddit-Movies curated from the raw dump format, with known counts of kept and dropped posts."""
from __future__ import annotations

import csv
import json

import pytest

from warehouse.loaders.reddit_movies import load_reddit_movies
from warehouse.tasks import read_task

FIELDS = ["conv_id", "turn_id", "is_seeker", "raw_text", "upvotes", "movies", "utc_time"]


@pytest.fixture(scope="module")
def vocabulary(shared_fixtures):
    folder = shared_fixtures / "crs_reddit_inspired_llmzsrec"
    names = json.loads((folder / "reddit_entity2id.json").read_text())  # "Title (Year)" → IMDb id
    return folder, list(names.items())[:4]


def write(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS)
        writer.writeheader()
        for conv, turn, seeker, text, upvotes, movies in rows:
            writer.writerow({"conv_id": conv, "turn_id": turn, "is_seeker": seeker, "raw_text": text,
                             "upvotes": upvotes, "movies": movies, "utc_time": 1600000000})


def test_raw_dump_kept_and_dropped_by_reason(vocabulary, tmp_path):
    folder, movies = vocabulary
    (name_a, a), (name_b, b), (name_c, c), (name_d, d) = movies
    raw = tmp_path / "reddit_movie_large_v1"
    raw.mkdir()
    ask = "Looking for slow-burn thrillers with an unreliable narrator, nothing too gory please"
    write(raw / "test.csv", [
        ("c1", 0, True, ask, 5, ""),
        ("c1", 1, False, "Try this one", 25, json.dumps([a])),           # > 20: suggests A
        ("c1", 2, False, "Or this", 3, json.dumps([b])),                # too few upvotes: B is not relevant
        ("c2", 0, "True", "A feel-good movie for a rainy Sunday with my family?", 1, ""),
        ("c2", 1, "False", "This one", 20, f"['{c}']"),                 # exactly 20 is not more than 20
        ("c3", 0, 1, "Animated movies that adults will enjoy as much as kids", 2, ""),
        ("c3", 1, 0, "You will love it", 50, name_c),                   # linked by its name
        ("c4", 0, True, ask, 9, ""),                                    # the same text as c1: md5 duplicate
        ("c4", 1, False, "Same answer", 30, json.dumps([a])),
        ("c5", 0, True, "Something like a movie nobody has heard of", 0, ""),
        ("c5", 1, False, "This obscure one", 40, "Not A Real Movie (1801)"),  # not in the movie list
        ("c6", 0, True, "", 0, ""),                                     # empty post
        ("c6", 1, False, "Anything", 99, json.dumps([d])),
        ("c7", 0, True, "Heist movies with a twist at the end", 4, ""),
        ("c7", 1, False, "Classic pick", 21, f"{name_d}|{d}"),          # one movie, named twice
        ("c7", 2, True, "Thanks! And something lighter after that?", 1, ""),
        ("c7", 3, False, "Maybe", 5, json.dumps([b])),                  # the second post's only reply: 5
        ("c8", "two", True, "A row whose turn is not a number", 1, ""),
    ])
    write(raw / "train.csv", [("t1", 0, True, "Train post one", 1, ""), ("t1", 1, False, "x", 80, json.dumps([a])),
                              ("t2", 0, True, "Train post two", 1, ""), ("t2", 1, False, "y", 80, json.dumps([b]))])
    write(raw / "validation.csv", [("v1", 0, True, "Valid post", 1, ""), ("v1", 1, False, "z", 80, json.dumps([c]))])

    frames = load_reddit_movies(raw, root=tmp_path / "data", items_file=folder / "reddit_item_ids.json",
                                entities_file=folder / "reddit_entity2id.json")
    queries = dict(zip(frames["queries"]["query_id"], frames["queries"]["query"]))
    assert queries == {"c1:0": ask, "c3:0": "Animated movies that adults will enjoy as much as kids",
                       "c7:0": "Heist movies with a twist at the end"}
    relevant = frames["qrels"].groupby("query_id")["item_id"].apply(sorted).to_dict()
    assert relevant == {"c1:0": [a], "c3:0": [c], "c7:0": [d]}
    reasons = frames["quarantine"]["reason"].value_counts().to_dict()
    assert reasons == {"not in the test split": 3, "no response with more than 20 upvotes": 2, "md5 duplicate": 1,
                       "no suggested movie linked to IMDb": 1, "empty post": 1, "turn_id or upvotes is not a number": 1}
    assert len(frames["items"]) == 7506  # the pool is every movie; item text "Title (Year)"
    assert frames["items"].set_index("item_id").loc[c, "title"] == name_c
    back = read_task(tmp_path / "data", "search", "reddit_movies")
    assert len(back["queries"]) == 3 and len(back["qrels"]) == 3
