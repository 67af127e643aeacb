"""MovieLens-1M (`ratings.dat`, `movies.dat`) → seqrec or cf frames.

Format (the ML-1M README): latin-1 text, `::`-separated, no header.
`ratings.dat`: `UserID::MovieID::Rating::Timestamp` (Unix seconds; stored here in ms).
`movies.dat`: `MovieID::Title (Year)::Genre|Genre|...`.

Rules (BLAIR's ML-1M set-up): every rating is an interaction (ratings are not thresholded);
ratings of movies missing from `movies.dat` are dropped; a repeated (user, movie) keeps the
earliest; iterative 20-core; then seqrec: leave-last-out with histories of up to 200 items,
or cf (`task="cf"`): the same interactions' unique (user, movie) pairs split 4:3:3 by the
lake's keyed shuffle (`interactions.cf_split`, the rule of every CF input).
Item text: `title` = the title with its year as in `movies.dat` ("Toy Story (1995)");
`text_full` = title and genres.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from parsing.quarantine import Quarantine
from warehouse.settings import MAX_HISTORY_ML1M
from warehouse.loaders.frames import check_task, drop_undescribed, finish, interaction_frames, items_frame
from warehouse.loaders.interactions import dedup_earliest, k_core
from warehouse.task_frames import join_text

KIND = "loader/movielens"  # the quarantine's kind: which loader refused the line

K_CORE = 20
ENCODING = "latin-1"
SEP = "::"


def read_movies(path: Path, quarantine: Quarantine) -> pd.DataFrame:
    records, seen = [], set()
    with open(path, encoding=ENCODING) as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            parts = line.split(SEP)
            if len(parts) != 3 or not parts[0].strip().isdigit() or not parts[1].strip():
                quarantine.add_line(path, number, KIND, "not MovieID::Title::Genres", line)
                continue
            movie, title, genres = (p.strip() for p in parts)
            if movie in seen:
                quarantine.add_line(path, number, KIND, "duplicate MovieID", line)
                continue
            seen.add(movie)
            records.append((movie, title, join_text(title, [g for g in genres.split("|") if g])))
    return items_frame(records)


def read_ratings(path: Path, quarantine: Quarantine) -> pd.DataFrame:
    users, movies, stamps = [], [], []
    with open(path, encoding=ENCODING) as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            parts = line.split(SEP)
            if len(parts) != 4 or not all(p.strip().isdigit() for p in parts):
                quarantine.add_line(path, number, KIND, "not UserID::MovieID::Rating::Timestamp", line)
                continue
            users.append(parts[0].strip())
            movies.append(parts[1].strip())
            stamps.append(int(parts[3]) * 1000)
    frame = pd.DataFrame({"user_id": users, "item_id": movies, "timestamp": stamps})
    frame["order"] = range(len(frame))
    return frame.astype({"timestamp": "int64", "order": "int64"})


def load_movielens(source_path: str | Path, root: str | Path | None = None, dataset: str = "ml_1m",
                   task: str = "seqrec", k: int = K_CORE,
                   max_history: int = MAX_HISTORY_ML1M) -> dict[str, pd.DataFrame]:
    """Read the ML-1M folder (`ratings.dat`, `movies.dat`) into `task` ("seqrec" or "cf") frames;
    write them under `root`."""
    check_task(task)
    folder = Path(source_path)
    quarantine = Quarantine()
    items = read_movies(folder / "movies.dat", quarantine)
    interactions = read_ratings(folder / "ratings.dat", quarantine)
    interactions = k_core(dedup_earliest(drop_undescribed(interactions, items, dataset)), k)
    return finish(interaction_frames(task, interactions, items, max_history), quarantine, root, task, dataset)
