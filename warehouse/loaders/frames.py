"""Turn cleaned interactions and item texts into the task frames of CONTRACTS §5, and write them."""
from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from parsing.quarantine import Quarantine
from parsing.text import clean_item_text
from warehouse.loaders.interactions import cf_split, leave_last_out
from warehouse.tasks import write_task

log = logging.getLogger(__name__)

INTERACTION_TASKS = ("seqrec", "cf")


def items_frame(records) -> pd.DataFrame:
    """(item_id, title, text_full) tuples → the items frame, texts cleaned, sorted by item_id."""
    frame = pd.DataFrame(list(records), columns=["item_id", "title", "text_full"])
    frame["item_id"] = frame["item_id"].astype(str)
    frame["title"] = frame["title"].map(clean_item_text)
    frame["text_full"] = frame["text_full"].map(clean_item_text)
    return frame.sort_values("item_id", kind="mergesort").reset_index(drop=True)


def drop_undescribed(interactions: pd.DataFrame, items: pd.DataFrame, what: str) -> pd.DataFrame:
    """DESIGN §4: interactions with items that have no text are dropped (counted, logged)."""
    known = interactions["item_id"].isin(items["item_id"])
    if not known.all():
        log.info("%s: %d interactions with items without text dropped", what, int((~known).sum()))
    return interactions[known].reset_index(drop=True)


def seqrec_frames(interactions: pd.DataFrame, items: pd.DataFrame, max_history: int) -> dict[str, pd.DataFrame]:
    """Leave-last-out frames; the items frame keeps only the items that appear in an interaction."""
    frames = leave_last_out(interactions, max_history)
    frames["items"] = items[items["item_id"].isin(interactions["item_id"])].reset_index(drop=True)
    return frames


def cf_frames(interactions: pd.DataFrame, items: pd.DataFrame) -> dict[str, pd.DataFrame]:
    frames = cf_split(interactions)
    frames["items"] = items[items["item_id"].isin(interactions["item_id"])].reset_index(drop=True)
    return frames


def check_task(task: str) -> str:
    """Loaders that make both recommendation tasks take `task`; checked before any reading."""
    if task not in INTERACTION_TASKS:
        raise ValueError(f"task must be 'seqrec' or 'cf', not {task!r}")
    return task


def interaction_frames(task: str, interactions: pd.DataFrame, items: pd.DataFrame,
                       max_history: int) -> dict[str, pd.DataFrame]:
    """The same cleaned interactions as seqrec frames (leave-last-out) or cf frames (4:3:3)."""
    if check_task(task) == "seqrec":
        return seqrec_frames(interactions, items, max_history)
    return cf_frames(interactions, items)


def finish(frames: dict[str, pd.DataFrame], quarantine: Quarantine, root: str | Path | None,
           task: str, dataset: str) -> dict[str, pd.DataFrame]:
    """Attach the quarantine frame, log the counts, and write the task when `root` is given."""
    quarantine.log(log, f"{task}/{dataset}")
    frames["quarantine"] = quarantine.frame()
    sizes = ", ".join(f"{name} {len(frame)}" for name, frame in frames.items())
    log.info("%s/%s: %s", task, dataset, sizes)
    if root is not None:
        write_task(root, task, dataset, frames)
    return frames
