"""Book-Crossing: real partial files (bad lines, entities, the k-core) and a written original-format pair."""
from __future__ import annotations

import random
from collections import Counter

import pytest

from warehouse.settings import CF_SPLIT
from loaders_reference import assert_k_core, peel_k_core
from warehouse.loaders.bookcrossing import K_CORE, load_bookcrossing
from warehouse.tasks import read_task

RATINGS = "BX-Book-Ratings.chunk_users43842-55178.csv"
BOOKS = "BX-Books.subset_grode23.csv"


def plain_ratings(path) -> list[tuple[str, str]]:
    """Independent reader: strip quotes, split on ';'."""
    lines = path.read_text("latin-1").splitlines()
    rows = [tuple(f.strip('"') for f in line.split(";")) for line in lines if line]
    return [(u, i) for u, i, _ in rows if u != "User-ID"]


def split_pairs(frames) -> list[tuple[str, str]]:
    return [p for s in ("train", "valid", "test") for p in zip(frames[s].user_id, frames[s].item_id)]


@pytest.fixture(scope="module")
def bx(shared_fixtures):
    return shared_fixtures / "bookcrossing_sample"


@pytest.mark.parametrize("k", [K_CORE, 5])
def test_bookcrossing_real_files_k_core(bx, k, tmp_path):
    frames = load_bookcrossing(bx, root=tmp_path, k=k, ratings_file=RATINGS, books_file=BOOKS)
    # three real lines have a broken \"...\" quote in the title: quarantined, not dropped silently
    assert Counter(frames["quarantine"]["reason"]) == {"expected 8 fields, got 6": 3}
    books = {line.split(";")[0] for line in (bx / BOOKS).read_text("latin-1").splitlines()[1:]}
    bad = set(frames["quarantine"]["excerpt"].str.split(";").str[0])
    usable = books - bad
    described = [p for p in dict.fromkeys(plain_ratings(bx / RATINGS)) if p[1] in usable]
    expected = {described[i] for i in peel_k_core(described, k)}
    got = split_pairs(frames)
    assert set(got) == expected and len(got) == len(expected)
    assert_k_core([u for u, _ in got], [i for _, i in got], k)
    # the 20-core of this 39k-rating chunk is empty (items need 20 raters inside one user range)
    assert (len(got) == 0) == (k == K_CORE)
    if got:
        n = len(got)
        n_train, n_valid = n * CF_SPLIT[0] // sum(CF_SPLIT), n * CF_SPLIT[1] // sum(CF_SPLIT)
        assert [len(frames[s]) for s in ("train", "valid", "test")] == [n_train, n_valid, n - n_train - n_valid]
        assert read_task(tmp_path, "cf", "bookcrossing")["train"].equals(frames["train"])
        titles = frames["items"]["title"]
        assert not titles.str.contains("&amp;").any()
        assert set(frames["items"]["item_id"]) == {i for _, i in got}


def write_bx(folder, ratings, books, extra_ratings=(), extra_books=()):
    """The original format: quoted, ';'-separated, header, CRLF, latin-1."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ['"User-ID";"ISBN";"Book-Rating"'] + [f'"{u}";"{i}";"{r}"' for u, i, r in ratings] + list(extra_ratings)
    (folder / "BX-Book-Ratings.csv").write_bytes("\r\n".join(lines).encode("latin-1") + b"\r\n")
    head = '"ISBN";"Book-Title";"Book-Author";"Year-Of-Publication";"Publisher";"Image-URL-S";"Image-URL-M";"Image-URL-L"'
    lines = [head] + [f'"{i}";"{t}";"{a}";"{y}";"Pub &amp; Co";"s";"m";"l"' for i, t, a, y in books] + list(extra_books)
    (folder / "BX-Books.csv").write_bytes("\r\n".join(lines).encode("latin-1") + b"\r\n")


def test_bookcrossing_written_files_20core_and_deterministic_split(tmp_path):
    rng = random.Random(5)
    books = [(f"0{n:08d}X", f"Livre n°{n}; édition", "Émile Zola", 1990 + n % 20) for n in range(40)]
    ratings = []
    for user in range(90):
        for isbn, *_ in rng.choices(books, [(r + 1) ** -0.3 for r in range(40)], k=rng.randint(15, 60)):
            ratings.append((str(1000 + user), isbn, rng.randint(0, 10)))
    extras = ['"5";"0000000000";"eleven"', '"6";"";"3"', '"7";"0000000001"']
    write_bx(tmp_path / "a", ratings, books, extras, ['"0123";"Broken \\"Title\\"";"A";"2000";"P";"s";"m";"l"'])
    frames = load_bookcrossing(tmp_path / "a", root=tmp_path / "data")

    pairs = list(dict.fromkeys((u, i) for u, i, _ in ratings))
    expected = {pairs[i] for i in peel_k_core(pairs, K_CORE)}
    assert 0 < len(expected) < len(pairs)
    assert set(split_pairs(frames)) == expected
    assert Counter(frames["quarantine"]["reason"]) == {
        "Book-Rating is not 0-10": 1, "empty User-ID or ISBN": 1, "expected 3 fields, got 2": 1}
    items = frames["items"].set_index("item_id")
    some = next(iter(items.index))
    number = int(some[1:9])
    assert items.loc[some, "title"] == f"Livre n°{number}; édition"
    assert items.loc[some, "text_full"] == f"Livre n°{number}; édition. by Émile Zola. Pub & Co. {1990 + number % 20}"

    # the split depends on the pairs, not on the order of the source file
    shuffled = ratings[:]
    random.Random(9).shuffle(shuffled)
    write_bx(tmp_path / "b", shuffled, books)
    again = load_bookcrossing(tmp_path / "b")
    for split in ("train", "valid", "test"):
        assert again[split].equals(frames[split])
