"""ML-1M: a written ratings.dat/movies.dat in the original format, titles from the real movie list."""
from __future__ import annotations

import random

import pytest

from benchmark.protocol import SEED
from warehouse.settings import CF_SPLIT, MAX_HISTORY_ML1M
from loaders_reference import assert_k_core, core_rows, dedup_earliest, frame_rows, leave_last_out
from loaders_reference import cf_split as reference_cf_split
from warehouse.loaders.movielens import K_CORE, load_movielens
from warehouse.tasks import SPLITS, read_task, task_dir


def real_movies(shared_fixtures) -> list[tuple[str, str, list[str]]]:
    """The real ML-1M movie list (RecBole form in the fixture) as (id, 'Title (Year)', genres)."""
    lines = (shared_fixtures / "movielens_ml1m_items_llmrank" / "ml-1m.item").read_text("utf-8").splitlines()
    movies = []
    for line in lines[1:]:
        movie, title, year, genres = line.split("\t")
        movies.append((movie, f"{title} ({year})", genres.split()))
    return movies


def write_ml1m(folder, movies, ratings, extra_ratings=()):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "movies.dat", "w", encoding="latin-1", newline="\n") as out:
        for movie, title, genres in movies:
            out.write(f"{movie}::{title}::{'|'.join(genres)}\n")
    with open(folder / "ratings.dat", "w", encoding="latin-1", newline="\n") as out:
        for user, movie, ts in ratings:
            out.write(f"{user}::{movie}::{random.Random(ts).randint(1, 5)}::{ts}\n")
        out.writelines(extra_ratings)


def synthetic_ratings(movie_ids, users=120, seed=7):
    """Skewed popularity and a spread of activity, so the 20-core drops users and items in cascade."""
    rng = random.Random(seed)
    weights = [(rank + 1) ** -0.5 for rank in range(len(movie_ids))]
    rows = []
    for user in range(1, users + 1):
        for movie in rng.choices(movie_ids, weights, k=rng.randint(5, 60)):
            rows.append((str(user), movie, 978_300_000 + rng.randint(0, 400)))  # ties happen
    return rows


@pytest.fixture(scope="module")
def movies(shared_fixtures):
    return real_movies(shared_fixtures)


def test_movielens_20core_leave_last_out(movies, tmp_path):
    ids = [m for m, _, _ in movies[:80]]
    ratings = synthetic_ratings(ids)
    write_ml1m(tmp_path / "ml-1m", movies, ratings, extra_ratings=[
        "1::999999::5::978300000\n",     # movie not in movies.dat: dropped, counted
        "garbage line\n", "2::1::5\n", "3::x::4::978300001\n"])
    frames = load_movielens(tmp_path / "ml-1m", root=tmp_path / "data")

    kept = core_rows(dedup_earliest([(u, m, ts * 1000) for u, m, ts in ratings]), K_CORE)
    assert 0 < len(kept) < len(ratings)                       # the filter did something
    assert len({u for u, _, _ in kept}) < len({u for u, _, _ in ratings})
    assert len({m for _, m, _ in kept}) < len(ids)
    expected = leave_last_out(kept, MAX_HISTORY_ML1M)
    for split in ("train", "valid", "test"):
        assert frame_rows(frames[split]) == expected[split]
    everything = frames["train"].target.tolist() + frames["valid"].target.tolist() + frames["test"].target.tolist()
    firsts = [h[0] for h in frames["valid"].history]          # each user's first item only shows as history
    assert_k_core([u for u, _, _ in kept], [m for _, m, _ in kept], K_CORE)
    assert set(frames["items"].item_id) == {m for _, m, _ in kept} == set(everything) | set(firsts)
    quarantined = frames["quarantine"]
    assert sorted(quarantined["source"]) == [f"ratings.dat:{len(ratings) + n}" for n in (2, 3, 4)]
    assert set(quarantined["kind"]) == {"loader/movielens"}

    back = read_task(tmp_path / "data", "seqrec", "ml_1m")
    assert frame_rows(back["train"]) == expected["train"]
    assert back["items"].item_id.tolist() == sorted(back["items"].item_id)


def test_movielens_cf_433_split_of_the_20core(movies, tmp_path):
    ratings = synthetic_ratings([m for m, _, _ in movies[:80]])
    write_ml1m(tmp_path / "ml-1m", movies, ratings, extra_ratings=["1::999999::5::978300000\n"])
    frames = load_movielens(tmp_path / "ml-1m", root=tmp_path / "data", task="cf")

    pairs = [(u, m) for u, m, _ in core_rows(dedup_earliest([(u, m, ts * 1000) for u, m, ts in ratings]), K_CORE)]
    n = len(set(pairs))
    expected = reference_cf_split(pairs, SEED, CF_SPLIT)
    assert n > 100 and [len(expected[s]) for s in SPLITS] == [n * 4 // 10, n * 3 // 10, n - n * 4 // 10 - n * 3 // 10]
    back = read_task(tmp_path / "data", "cf", "ml_1m")
    for split in SPLITS:
        assert list(zip(frames[split].user_id, frames[split].item_id)) == expected[split]
        assert list(zip(back[split].user_id, back[split].item_id)) == expected[split]
    assert set(back["items"]["item_id"]) == {m for _, m in pairs}
    assert back["items"].set_index("item_id").loc[pairs[0][1], "title"] in {t for _, t, _ in movies}
    assert not task_dir(tmp_path / "data", "seqrec", "ml_1m").exists()


def test_movielens_history_capped_at_200(movies, tmp_path):
    ids = [m for m, _, _ in movies[:300]]
    # 25 users who each rate the same 260 movies in a user-specific order: all survive the 20-core
    ratings = []
    for user in range(1, 26):
        order = random.Random(user).sample(ids[:260], 260)
        ratings += [(str(user), movie, 978_000_000 + step) for step, movie in enumerate(order)]
    write_ml1m(tmp_path / "ml-1m", movies, ratings)
    frames = load_movielens(tmp_path / "ml-1m")
    assert frames["test"].history.map(len).tolist() == [MAX_HISTORY_ML1M] * 25
    user1 = [m for u, m, _ in ratings if u == "1"]
    row = frames["test"].set_index("user_id").loc["1"]
    assert list(row.history) == user1[-1 - MAX_HISTORY_ML1M:-1] and row.target == user1[-1]
    assert len(frames["train"]) == 25 * (260 - 3)


def test_movielens_real_movie_titles(movies, tmp_path):
    # every real movie rated by 20 users 20 times... too big; instead read movies.dat alone
    from warehouse.loaders.movielens import read_movies
    from parsing.quarantine import Quarantine

    write_ml1m(tmp_path / "ml-1m", movies, [])
    quarantine = Quarantine()
    items = read_movies(tmp_path / "ml-1m" / "movies.dat", quarantine).set_index("item_id")
    assert len(items) == len(movies) == 3883 and len(quarantine) == 0
    assert items.loc["1", "title"] == "Toy Story (1995)"
    assert items.loc["1", "text_full"] == "Toy Story (1995). Animation, Children's, Comedy"
    assert items.loc["73", "title"] == "Misérables, Les (1995)"   # latin-1 read back intact
