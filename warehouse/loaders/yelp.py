"""Yelp Open Dataset (`yelp_academic_dataset_business.json`, `..._review.json`) → seqrec or cf frames.

Format (Yelp's dataset documentation): JSON lines. Business: `business_id`, `name`, `city`,
`state`, `stars`, `review_count`, `attributes` (object or null), `categories` (comma-separated
string or null), `hours` (object or null), ... Review: `user_id`, `business_id`, `date`
("2018-07-07 22:09:11", read as UTC; stored in ms), ...

Rules (BLAIR's Yelp set-up): reviews dated in 2019 only; reviews of businesses absent from
the business file are dropped; a repeated (user, business) keeps the earliest review;
iterative 5-core; then seqrec: leave-last-out, histories of up to 50; or cf (`task="cf"`):
the same interactions' unique (user, business) pairs split 4:3:3 by the lake's keyed shuffle.
Item text: name, categories, stars, review_count, city, state, attributes, hours, as
"Name. Categories: ... . Stars: 4.5. Review count: 22. City: ... . State: ... . Attributes:
k: v, ... . Hours: Monday: 8:0-18:30, ...". Both `title` and `text_full` hold it (it is the
paper's item text for Yelp, and the benchmark embeds `title` by default).
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from parsing.quarantine import Quarantine
from warehouse.settings import MAX_HISTORY
from warehouse.loaders.frames import check_task, drop_undescribed, finish, interaction_frames, items_frame
from warehouse.loaders.interactions import dedup_earliest, k_core
from warehouse.loaders.lines import json_lines
from warehouse.task_frames import join_text

KIND = "loader/yelp"  # the quarantine's kind: which loader refused the line

log = logging.getLogger(__name__)

K_CORE = 5
YEAR = 2019
# The names in Yelp's download first, then the short names the papers use.
BUSINESS_FILES = ("yelp_academic_dataset_business.json", "business.json")
REVIEW_FILES = ("yelp_academic_dataset_review.json", "review.json")
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def pairs(mapping) -> list[str]:
    return [f"{key}: {value}" for key, value in (mapping or {}).items()] if isinstance(mapping, dict) else []


def business_text(record: dict) -> str:
    fields = (
        record.get("name"),
        f"Categories: {record['categories']}" if record.get("categories") else None,
        f"Stars: {record['stars']}" if record.get("stars") is not None else None,
        f"Review count: {record['review_count']}" if record.get("review_count") is not None else None,
        f"City: {record['city']}" if record.get("city") else None,
        f"State: {record['state']}" if record.get("state") else None,
        ("Attributes: " + ", ".join(pairs(record.get("attributes")))) if pairs(record.get("attributes")) else None,
        ("Hours: " + ", ".join(pairs(record.get("hours")))) if pairs(record.get("hours")) else None,
    )
    return join_text(*fields)


def read_businesses(path: Path, quarantine: Quarantine) -> pd.DataFrame:
    records, seen = [], set()
    for number, record in json_lines(path, quarantine, KIND):
        business, name = record.get("business_id"), record.get("name")
        if not isinstance(business, str) or not business or not isinstance(name, str) or not name.strip():
            quarantine.add_line(path, number, KIND, "missing business_id or name", json.dumps(record))
            continue
        if business in seen:
            quarantine.add_line(path, number, KIND, "duplicate business_id", business)
            continue
        seen.add(business)
        text = business_text(record)
        records.append((business, text, text))
    return items_frame(records)


def read_reviews(path: Path, quarantine: Quarantine, year: int) -> tuple[pd.DataFrame, int]:
    """The reviews of `year` (and the number of valid reviews of other years, left out)."""
    users, businesses, stamps, orders, other_years = [], [], [], [], 0
    for number, record in json_lines(path, quarantine, KIND):
        user, business, date = record.get("user_id"), record.get("business_id"), record.get("date")
        if not (isinstance(user, str) and user and isinstance(business, str) and business):
            quarantine.add_line(path, number, KIND, "missing user_id or business_id", json.dumps(record))
            continue
        try:
            when = datetime.strptime(str(date), DATE_FORMAT).replace(tzinfo=timezone.utc)
        except ValueError:
            quarantine.add_line(path, number, KIND, "date is not YYYY-MM-DD HH:MM:SS", str(date))
            continue
        if when.year != year:
            other_years += 1
            continue
        users.append(user)
        businesses.append(business)
        stamps.append(int(when.timestamp()) * 1000)
        orders.append(number)
    frame = pd.DataFrame({"user_id": users, "item_id": businesses, "timestamp": stamps, "order": orders})
    return frame.astype({"timestamp": "int64", "order": "int64"}), other_years


def first_present(folder: Path, names: tuple[str, ...]) -> str:
    found = next((name for name in names if (folder / name).is_file()), None)
    if found is None:
        raise FileNotFoundError(f"{folder}: none of {names}")
    return found


def load_yelp(source_path: str | Path, root: str | Path | None = None, dataset: str = "yelp",
              task: str = "seqrec", year: int = YEAR, k: int = K_CORE, max_history: int = MAX_HISTORY,
              business_file: str | None = None, review_file: str | None = None) -> dict[str, pd.DataFrame]:
    """Read the Yelp folder into `task` ("seqrec" or "cf") frames (reviews of `year`, `k`-core);
    write them under `root`."""
    check_task(task)
    folder = Path(source_path)
    quarantine = Quarantine()
    items = read_businesses(folder / (business_file or first_present(folder, BUSINESS_FILES)), quarantine)
    reviews, other_years = read_reviews(folder / (review_file or first_present(folder, REVIEW_FILES)), quarantine, year)
    log.info("%s: %d reviews of %d kept, %d of other years left out", dataset, len(reviews), year, other_years)
    interactions = k_core(dedup_earliest(drop_undescribed(reviews, items, dataset)), k)
    return finish(interaction_frames(task, interactions, items, max_history), quarantine, root, task, dataset)
