"""Book-Crossing (Ziegler et al. 2005; `BX-Book-Ratings.csv`, `BX-Books.csv`) → cf frames.

Format: latin-1, `;`-separated, fields in double quotes (quotes optional here: re-written
copies drop them), CRLF. Ratings: `"User-ID";"ISBN";"Book-Rating"` (0 = implicit, 1–10 =
explicit). Books: `"ISBN";"Book-Title";"Book-Author";"Year-Of-Publication";"Publisher";
"Image-URL-S";"Image-URL-M";"Image-URL-L"`. The header line is optional (also recognised
as `0;1;2;...`, as in re-written copies). Titles carry HTML entities (`&amp;`).

Rules (BLAIR's Book-Crossing set-up): every rating, implicit or explicit, is an interaction;
ratings of ISBNs absent from the book file are dropped; iterative 20-core on the unique
(user, book) pairs; collaborative filtering only (4:3:3 split of the unique pairs).
Item text: `title` = the book title; `text_full` = title, author, publisher, year.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from parsing.quarantine import Quarantine
from warehouse.loaders.frames import cf_frames, drop_undescribed, finish, items_frame
from warehouse.loaders.interactions import dedup_earliest, k_core
from warehouse.task_frames import join_text

KIND = "loader/bookcrossing"  # the quarantine's kind: which loader refused the line

K_CORE = 20
ENCODING = "latin-1"
RATINGS_FILE = "BX-Book-Ratings.csv"
BOOKS_FILE = "BX-Books.csv"
RATING_HEADERS = ({"User-ID", "0"}, {"ISBN", "1"})
BOOK_HEADERS = ({"ISBN", "0"}, {"Book-Title", "1"})


def csv_rows(path: Path, width: int, headers: tuple[set, set], quarantine: Quarantine):
    """(line number, fields) of every row with `width` fields; the header row is skipped."""
    with open(path, encoding=ENCODING, newline="") as handle:
        reader = csv.reader(handle, delimiter=";", quotechar='"', escapechar="\\", strict=False)
        first = True
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                quarantine.add_line(path, reader.line_num, KIND, f"CSV error: {error}")
                continue
            number = reader.line_num
            if first:
                first = False
                if len(row) >= 2 and row[0] in headers[0] and row[1] in headers[1]:
                    continue
            if not row or row == [""]:
                continue
            if len(row) != width:
                quarantine.add_line(path, number, KIND, f"expected {width} fields, got {len(row)}", ";".join(row))
                continue
            yield number, [field.strip() for field in row]


def read_books(path: Path, quarantine: Quarantine) -> pd.DataFrame:
    records, seen = [], set()
    for number, (isbn, title, author, year, publisher, *_images) in csv_rows(path, 8, BOOK_HEADERS, quarantine):
        if not isbn or not title:
            quarantine.add_line(path, number, KIND, "empty ISBN or title", f"{isbn};{title}")
            continue
        if isbn in seen:
            quarantine.add_line(path, number, KIND, "duplicate ISBN", isbn)
            continue
        seen.add(isbn)
        year = "" if year in ("", "0") else year
        records.append((isbn, title, join_text(title, f"by {author}" if author else "", publisher, year)))
    return items_frame(records)


def read_ratings(path: Path, quarantine: Quarantine) -> pd.DataFrame:
    users, isbns, orders = [], [], []
    for number, (user, isbn, rating) in csv_rows(path, 3, RATING_HEADERS, quarantine):
        if not user or not isbn:
            quarantine.add_line(path, number, KIND, "empty User-ID or ISBN", f"{user};{isbn};{rating}")
            continue
        if not rating.isdigit() or int(rating) > 10:
            quarantine.add_line(path, number, KIND, "Book-Rating is not 0-10", f"{user};{isbn};{rating}")
            continue
        users.append(user)
        isbns.append(isbn)
        orders.append(number)
    # No timestamps in Book-Crossing: the file order stands in for time.
    frame = pd.DataFrame({"user_id": users, "item_id": isbns, "timestamp": 0, "order": orders})
    return frame.astype({"timestamp": "int64", "order": "int64"})


def load_bookcrossing(source_path: str | Path, root: str | Path | None = None, dataset: str = "bookcrossing",
                      k: int = K_CORE, ratings_file: str = RATINGS_FILE,
                      books_file: str = BOOKS_FILE) -> dict[str, pd.DataFrame]:
    """Read the Book-Crossing folder into cf frames (`k`-core, 4:3:3); write them under `root`."""
    folder = Path(source_path)
    quarantine = Quarantine()
    items = read_books(folder / books_file, quarantine)
    ratings = read_ratings(folder / ratings_file, quarantine)
    interactions = k_core(dedup_earliest(drop_undescribed(ratings, items, dataset)), k)
    return finish(cf_frames(interactions, items), quarantine, root, "cf", dataset)
