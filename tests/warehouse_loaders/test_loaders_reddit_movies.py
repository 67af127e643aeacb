"""Reddit-Movies: the real Reddit movie list with written conversations, and real INSPIRED turns."""
from __future__ import annotations

import json
import logging
import random
from collections import Counter

import pytest

from warehouse.loaders.reddit_movies import MIN_UPVOTES, load_reddit_movies
from warehouse.tasks import read_task


@pytest.fixture(scope="module")
def crs(shared_fixtures):
    return shared_fixtures / "crs_reddit_inspired_llmzsrec"


def test_reddit_filters_on_written_conversations_with_real_movie_list(crs, tmp_path):
    vocabulary = json.loads((crs / "reddit_entity2id.json").read_text())
    movies, titles = sorted(vocabulary.values()), sorted(vocabulary)
    rng = random.Random(8)
    lines, expected, skipped = [], {}, Counter()
    for n in range(40):
        rec = rng.sample(movies, rng.randint(1, 3)) + (["tt9999999999"] if n % 7 == 0 else [])
        upvotes = rng.choice([3, MIN_UPVOTES, MIN_UPVOTES + 1, 150])
        post = f"Looking for movies like {titles[n % 30]}"   # posts 30.. repeat earlier ones
        lines.append({"context": [post], "resp": "Try these", "rec": rec, "dialog_id": f"d{n}",
                      "turn_id": "t1", "is_user": 0, "upvotes": upvotes})
        # kept: more than MIN_UPVOTES, and the first of its text (md5 dedup)
        if upvotes <= MIN_UPVOTES:
            skipped["upvotes"] += 1
        elif post in {text for text, _ in expected.values()}:
            skipped["duplicate"] += 1
        else:
            expected[f"d{n}:t1"] = (post, [m for m in rec if m in movies])
    lines.append({"context": ["only unknown movies"], "rec": ["tt0"], "dialog_id": "dx", "turn_id": "t1",
                  "is_user": 0, "upvotes": 99})
    lines.append({"context": ["a seeker line"], "rec": [movies[0]], "dialog_id": "dy", "turn_id": "t0",
                  "is_user": 1, "upvotes": 99})
    text = "".join(json.dumps(line) + "\n" for line in lines) + "{oops\n" + json.dumps({"context": "x", "rec": []}) + "\n"
    (tmp_path / "test.jsonl").write_text(text)
    frames = load_reddit_movies(tmp_path / "test.jsonl", root=tmp_path / "data",
                                items_file=crs / "reddit_item_ids.json", entities_file=crs / "reddit_entity2id.json")
    assert skipped["upvotes"] and skipped["duplicate"]          # both filters had work to do
    assert frames["queries"]["query_id"].tolist() == list(expected)
    assert frames["queries"]["query"].tolist() == [post for post, _ in expected.values()]
    assert list(zip(frames["qrels"].query_id, frames["qrels"].item_id)) == [
        (q, m) for q, (_, recs) in expected.items() for m in recs]
    assert Counter(frames["quarantine"]["reason"]) == {"invalid JSON": 1, "context or rec is not a list": 1}
    items = frames["items"].set_index("item_id")
    assert len(items) == len(json.loads((crs / "reddit_item_ids.json").read_text())) == 7506   # all movies
    assert items.loc["tt0113537", "title"] == "Kicking and Screaming (1995)"
    back = read_task(tmp_path / "data", "search", "reddit_movies")
    assert back["qrels"].equals(frames["qrels"]) and len(back["items"]) == 7506


def test_inspired_conversations_same_format(crs, caplog):
    rows = [json.loads(line) for line in (crs / "inspired_test.jsonl").read_text().splitlines()]
    caplog.set_level(logging.INFO, logger="warehouse.loaders.reddit_movies")
    frames = load_reddit_movies(crs / "inspired_test.jsonl", dataset="inspired",
                                items_file=crs / "inspired_item_ids.json", entities_file=crs / "inspired_entity2id.json")
    answered = [r for r in rows if r["is_user"] == 0 and any(u.strip() for u in r["context"])]
    assert frames["queries"]["query"].tolist() == ["\n".join(u.strip() for u in r["context"] if u.strip()) for r in answered]
    assert len(frames["qrels"]) == sum(len(set(r["rec"])) for r in answered)
    assert "upvotes filter was not applied" in caplog.text        # INSPIRED lines carry no upvotes
    assert frames["items"].set_index("item_id").loc["0", "title"] == "Hoffa (film)"
