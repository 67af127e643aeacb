"""Loaders for outside datasets in their original formats → the task inputs of CONTRACTS §5.

Each `load_<name>(source_path, root=None, ...)` returns a dict of DataFrames (the task's
frames plus `quarantine`: the source lines it could not use, with a reason) and, when `root`
is given, writes the task with `warehouse.tasks.write_task`.

| name | source | task | dataset |
|---|---|---|---|
| movielens | ML-1M `ratings.dat`, `movies.dat` | seqrec or cf | ml_1m |
| yelp | Yelp `business.json`, `review.json` | seqrec or cf | yelp |
| bookcrossing | `BX-Book-Ratings.csv`, `BX-Books.csv` | cf | bookcrossing |
| recbole | RecBole `<name>.inter`, `<name>.item` | seqrec or cf | `<name>` |
| esci | ESCI parquet files or the OpenSearch judgment export, linked to a lake's 2023 metadata | search | esci |
| amazon_c4 | Amazon-C4 queries + `sampled_item_metadata_1M.jsonl` | search | amazon_c4 |
| reddit_movies | Reddit-Movies conversations + movie list | search | reddit_movies |
| sandbox | the sandbox's `truth/search_queries.jsonl` + `truth/meta_{Cat}.jsonl` | search | sandbox |
"""
from __future__ import annotations

from warehouse.loaders.amazon_c4 import load_amazon_c4
from warehouse.loaders.bookcrossing import load_bookcrossing
from warehouse.loaders.esci import load_esci
from warehouse.loaders.movielens import load_movielens
from warehouse.loaders.recbole import load_recbole
from warehouse.loaders.reddit_movies import load_reddit_movies
from warehouse.loaders.sandbox_search import load_sandbox_search
from warehouse.loaders.yelp import load_yelp

LOADERS = {
    "movielens": load_movielens,
    "yelp": load_yelp,
    "bookcrossing": load_bookcrossing,
    "recbole": load_recbole,
    "esci": load_esci,
    "amazon_c4": load_amazon_c4,
    "reddit_movies": load_reddit_movies,
    "sandbox": load_sandbox_search,
}



def option_value(text: str) -> int | str:
    """A loader keyword given as text (`--set KEY=VALUE`, Dagster's options): integers as int."""
    return int(text) if text.lstrip("-").isdigit() else text


__all__ = ["LOADERS", "option_value", *(loader.__name__ for loader in LOADERS.values())]
