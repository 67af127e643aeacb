"""The paper's ablations, one command each, and their side-by-side tables.

- Table 7: PCA whitening vs Matryoshka truncation at the same width (the recommendation tasks;
  search uses raw vectors, so it has no adaptor to compare).
- Fig. 3: item text = title vs title + description (`text_full`), on any task.

An ablation is two ordinary runs (`benchmark.runner.run_one`) that differ in one setting, so
each is cached under its own key and shows in the leaderboard's tables. The side-by-side table
pairs results whose settings are equal except for that one; a capped run says so in its row.
"""
from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd

from benchmark.leaderboard import main_score

# name → (the setting it varies, its two values, their column titles, a title for the report)
ABLATIONS = {
    "table7": ("adaptor", ("pca", "matryoshka"), ("PCA", "MRL"), "Table 7: PCA whitening vs Matryoshka (same width)"),
    "fig3": ("text", ("title", "full"), ("title", "title + description"), "Fig. 3: item text, title vs title + description"),
}


def run_ablation(which: str, encoder, task: str, dataset, root, **kwargs) -> list[dict]:
    """Both runs of ablation `which` (cached like any run); `encoder` (a name or an Encoder) and
    kwargs go to `run_one`."""
    from benchmark.runner import RunError, run_one  # torch and the encoders: only when running

    if which not in ABLATIONS:
        raise RunError(f"unknown ablation {which!r}; expected one of {sorted(ABLATIONS)}")
    axis, values, _, _ = ABLATIONS[which]
    if axis == "adaptor" and task == "search":
        raise RunError("table7 compares adaptors, which only seqrec and cf use (search ranks raw vectors)")
    kwargs.pop(axis, None)
    return [run_one(encoder, task, dataset, root, **{axis: value}, **kwargs) for value in values]


def ablation_frame(results: Iterable[dict], which: str) -> pd.DataFrame:
    """One row per pair of results that differ only in the ablation's setting (newest wins)."""
    axis, values, titles, _ = ABLATIONS[which]
    pairs: dict[str, dict] = {}
    for r in sorted((r for r in results if r.get("settings")), key=lambda r: r.get("created_at", "")):
        settings = r["settings"]
        if settings.get(axis) not in values:
            continue
        rest = json.dumps({k: v for k, v in settings.items() if k != axis}, sort_keys=True, default=str)
        row = pairs.setdefault(rest, {"Encoder": settings["encoder"].get("name", r["encoder"]),
                                      "Task": r["task"], "Dataset": r["dataset"], "Width": settings.get("width"),
                                      "Protocol": set()})
        row[titles[values.index(settings[axis])]] = main_score(r)
        row["Protocol"].add(r.get("protocol", "full"))
    rows = [row | {"Protocol": "capped" if "capped" in row.pop("Protocol") else "full"}
            for row in pairs.values() if all(t in row for t in titles)]
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows)
    frame[f"Δ ({titles[1]} − {titles[0]})"] = frame[titles[1]] - frame[titles[0]]
    frame = frame[[c for c in frame.columns if c != "Protocol"] + ["Protocol"]]
    if axis != "adaptor":
        frame = frame.drop(columns="Width")
    return frame.sort_values(["Task", "Dataset", "Encoder"], kind="mergesort").reset_index(drop=True)


def ablation_markdown(results: Iterable[dict], which: str) -> str:
    """The side-by-side table in Markdown (metric ×100, as the leaderboard), or "" when no pair exists."""
    frame = ablation_frame(results, which)
    if frame.empty:
        return ""
    _, _, titles, _ = ABLATIONS[which]
    scored = [c for c in frame.columns if c in titles or c.startswith("Δ")]
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    for _, row in frame.iterrows():
        cells = ["–" if pd.isna(row[c]) else f"{row[c] * 100:.2f}" if c in scored else str(row[c]) for c in frame.columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
