"""The benchmark tasks: sequential recommendation (`seqrec`), collaborative filtering (`cf`)."""
from __future__ import annotations

import pandas as pd


def item_index(items: pd.DataFrame) -> dict[str, int]:
    """item_id → row number of the items frame, which must be sorted by item_id (CONTRACTS §5)."""
    ids = items["item_id"].astype(str)
    if not ids.is_monotonic_increasing or ids.duplicated().any():
        raise ValueError("items frame must be sorted by item_id with unique ids (docs/CONTRACTS.md §5)")
    return {item: i for i, item in enumerate(ids)}
