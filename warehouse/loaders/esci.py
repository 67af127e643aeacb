"""ESCI Shopping Queries (Reddy et al. 2022) → search frames, linked to the 2023 metadata.

Two source formats:
- the original release (amazon-science/esci-data): `shopping_queries_dataset_examples.parquet`
  (`example_id, query, query_id, product_id, product_locale, esci_label, small_version,
  large_version, split`) and optionally `shopping_queries_dataset_products.parquet`
  (`product_id, product_title, product_description, product_bullet_point, product_brand,
  product_color, product_locale`, plus `category` if a user joined one in);
- the OpenSearch judgment export (`esci_us_judgments.json`: `{"judgmentRatings": [{"query",
  "ratings": [{"docId", "rating"}]}]}`, US locale only), where the ratings 100/10/1/0 stand
  for E/S/C/I (inferred from their proportions; the file does not say).

Rules (BLAIR): US locale, the small version, Exact = relevant (relevance 1.0; S/C/I are
judged but not relevant). The pool is every judged item plus 50 items of the same category
per (query, Exact item) pair.

Linked to a lake (`lake_root`, or `root` itself when its lake holds one of the judged
products): a product is kept when its ASIN is a `parent_asin` of the lake's silver meta (a
child ASIN that is not a parent is not linked); its text is the lake's item text (title;
title + features + categories + description) and its category is the 2023 category it is
filed under, so the 50 negatives come from that category's items. Judged products not in the
lake are left out (no text to rank), and so are queries left without an Exact item; the
product file is then not read. Without a lake:
- the product file gives the texts; ESCI products carry no category, so without a `category`
  column negatives are drawn from all known products (the product file, else the judged items);
- with neither, texts are empty: the benchmark refuses to search such a pool.
"Queries after t2" is never applied: ESCI queries carry no time (neither the parquet release
nor the export has a timestamp), and the log says so. The OpenSearch export has no
small_version or locale column (it is the US set).
Item text without a lake: `title` = product_title; `text_full` = title, brand, color, bullet
points, description.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from parsing.quarantine import Quarantine
from warehouse.settings import DATA_SEED, SAME_CATEGORY_NEGATIVES
from warehouse.loaders.frames import finish, items_frame
from warehouse.loaders.lake_items import category_members, has_meta, lake_texts
from warehouse.loaders.pool import same_category_pool
from warehouse.task_frames import join_text

KIND = "loader/esci"  # the quarantine's kind: which loader refused the line

log = logging.getLogger(__name__)

EXAMPLES_FILE = "shopping_queries_dataset_examples.parquet"
PRODUCTS_FILE = "shopping_queries_dataset_products.parquet"
JUDGMENTS_FILE = "esci_us_judgments.json"
LOCALE = "us"
EXACT = "E"
OPENSEARCH_LABELS = {100.0: "E", 10.0: "S", 1.0: "C", 0.0: "I"}
# text_full order: title, brand, color, bullet points, description
TEXT_FIELDS = ("product_title", "product_brand", "product_color", "product_bullet_point", "product_description")


def read_examples(path: Path, quarantine: Quarantine, small_only: bool, split: str | None) -> pd.DataFrame:
    """The original examples file → (query_id, query, item_id, label), US and small version only."""
    frame = pd.read_parquet(path)
    frame = frame[(frame["product_locale"] == LOCALE)]
    if small_only:
        frame = frame[frame["small_version"] == 1]
    if split is not None:
        frame = frame[frame["split"] == split]
    frame = frame.sort_values("example_id", kind="mergesort")
    bad = ~frame["esci_label"].isin(list(OPENSEARCH_LABELS.values())) | frame["query"].isna() | frame["product_id"].isna()
    for row in frame[bad].itertuples():
        quarantine.add_line(path, int(row.example_id), KIND, "unknown esci_label or empty query/product",
                            f"{row.query_id}\t{row.product_id}\t{row.esci_label}")
    frame = frame[~bad]
    return pd.DataFrame({"query_id": frame["query_id"].astype(str), "query": frame["query"].astype(str),
                         "item_id": frame["product_id"].astype(str), "label": frame["esci_label"]})


def read_judgments(path: Path, quarantine: Quarantine) -> pd.DataFrame:
    """The OpenSearch export → (query_id, query, item_id, label); query ids are file positions."""
    document = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for position, entry in enumerate(document.get("judgmentRatings", [])):
        query = entry.get("query") if isinstance(entry, dict) else None
        if not isinstance(query, str) or not query.strip():
            quarantine.add_line(path, position, KIND, "judgment without a query", json.dumps(entry))
            continue
        for rating in entry.get("ratings", []):
            try:
                label = OPENSEARCH_LABELS[float(rating["rating"])]
                item = str(rating["docId"]).strip()
            except (KeyError, TypeError, ValueError):
                quarantine.add_line(path, position, KIND, "rating is not one of 100/10/1/0 with a docId", json.dumps(rating))
                continue
            rows.append((str(position), query.strip(), item, label))
    return pd.DataFrame(rows, columns=["query_id", "query", "item_id", "label"])


def read_products(path: Path, quarantine: Quarantine) -> tuple[pd.DataFrame, dict[str, str | None]]:
    """US products → items frame and {item_id: category or None}; repeated ids keep the first."""
    frame = pd.read_parquet(path)
    frame = frame[(frame["product_locale"] == LOCALE) & frame["product_id"].notna()]
    repeated = frame["product_id"].duplicated()
    for position, row in zip(frame.index[repeated], frame[repeated].itertuples()):
        quarantine.add_line(path, int(position), KIND, "duplicate product_id", f"{row.product_id}\t{row.product_title}")
    frame = frame[~repeated]
    # Missing text fields are null in the release: read them as empty, never as "nan".
    text = {c: frame[c].fillna("").astype(str) if c in frame else pd.Series("", index=frame.index) for c in TEXT_FIELDS}
    records = [(item, title, join_text(title, *rest))
               for item, title, *rest in zip(frame["product_id"].astype(str), *text.values())]
    categories = frame["category"] if "category" in frame else pd.Series(None, index=frame.index)
    return items_frame(records), dict(zip(frame["product_id"].astype(str), categories.where(categories.notna(), None)))


def linked_to_lake(lake: Path, judged: pd.DataFrame, dataset: str) -> tuple[dict[str, str], pd.DataFrame] | None:
    """{item: 2023 category} for every item of the categories holding a judged product, and the
    judgments of the products found in the lake; None when the lake holds none of them."""
    members = category_members(lake, judged["item_id"].unique())
    category_of = {item: category for category, items in members.items() for item in items}
    linked = judged["item_id"].isin(category_of)
    if not linked.any():
        return None
    log.info("%s: %d of %d judged products linked to the lake's 2023 metadata (%s); the others are left out",
             dataset, judged.loc[linked, "item_id"].nunique(), judged["item_id"].nunique(), ", ".join(sorted(members)))
    return category_of, judged[linked]


def load_esci(source_path: str | Path, root: str | Path | None = None, dataset: str = "esci",
              small_only: bool = True, split: str | None = None,
              n_negatives: int = SAME_CATEGORY_NEGATIVES, seed: int = DATA_SEED,
              lake_root: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Read an ESCI folder (original parquet files or the OpenSearch judgment export) into search
    frames; link them to the 2023 metadata of the lake at `lake_root` (default: `root` when it
    holds one)."""
    if lake_root is not None and not has_meta(lake_root):
        raise ValueError(f"lake_root {lake_root}: no built lake with 2023 metadata (silver/meta) there")
    lake = Path(lake_root) if lake_root is not None else Path(root) if root is not None and has_meta(root) else None
    source = Path(source_path)
    quarantine = Quarantine()
    folder = source if source.is_dir() else source.parent
    if (folder / EXAMPLES_FILE).is_file():
        judged = read_examples(folder / EXAMPLES_FILE, quarantine, small_only, split)
    else:
        judged = read_judgments(source if source.is_file() else folder / JUDGMENTS_FILE, quarantine)
        log.info("%s: OpenSearch export: no small_version/locale columns (US set), no split", dataset)
    log.info("%s: 'queries after t2' not applied: ESCI queries carry no timestamps", dataset)
    linked = linked_to_lake(lake, judged, dataset) if lake is not None else None
    if linked is None and lake is not None:
        if lake_root is not None:
            raise ValueError(f"none of the {judged['item_id'].nunique()} judged ESCI products is a parent_asin "
                             f"of the 2023 metadata of the lake at {lake_root}")
        log.info("%s: the lake at %s holds none of the judged products: not linked", dataset, lake)
    texts = None
    if linked is not None:
        category_of, judged = linked
    elif (folder / PRODUCTS_FILE).is_file():
        texts, category_of = read_products(folder / PRODUCTS_FILE, quarantine)
    else:
        log.warning("%s: no linked lake and no product file: item texts are empty; a search over them fails", dataset)
        texts, category_of = items_frame([]), {}
    for item in judged["item_id"].unique():
        category_of.setdefault(item, None)
    if all(category is None for category in category_of.values()):
        log.info("%s: no product categories: negatives drawn from all %d known products", dataset, len(category_of))

    exact = judged[judged["label"] == EXACT].drop_duplicates(["query_id", "item_id"])
    queries = judged.drop_duplicates("query_id")[["query_id", "query"]]
    without = set(queries["query_id"]) - set(exact["query_id"])
    if without:
        log.info("%s: %d queries without an Exact item left out", dataset, len(without))
    queries = queries[~queries["query_id"].isin(without)].reset_index(drop=True)
    judged = judged[~judged["query_id"].isin(without)]
    qrels = exact[["query_id", "item_id"]].assign(relevance=1.0).reset_index(drop=True)

    pool = same_category_pool(zip(qrels["query_id"], qrels["item_id"]), category_of, n_negatives, seed)
    pool |= set(judged["item_id"])
    if texts is None:
        texts = lake_texts(lake, {category_of[item] for item in pool}, pool)
    known = texts.set_index("item_id")
    missing = sorted(pool - set(known.index))
    if missing and len(known):
        log.info("%s: %d pool items have no product text", dataset, len(missing))
    items = pd.concat([texts[texts["item_id"].isin(pool)], items_frame((i, "", "") for i in missing)])
    frames = {"queries": queries, "qrels": qrels, "items": items.sort_values("item_id").reset_index(drop=True)}
    return finish(frames, quarantine, root, "search", dataset)
