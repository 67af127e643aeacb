"""Aggregation and the leaderboard report (the paper's Table 6 and Figure 2).

Per encoder: the main metric on every (task, dataset) — NDCG@10 for sequential
recommendation, NDCG@20 for collaborative filtering, NDCG@100 for search — grouped into the
paper's four subtask columns (seqrec, CF, short-query search, complex-query search), then
- the per-subtask average (mean over that subtask's datasets the encoder has),
- the overall average (mean over all its datasets),
- the average of the task averages (each task weighs the same, however many datasets),
- the number of datasets it has results on (the table is sorted by it, then by the average of
  task averages: averages over fewer datasets are not comparable),
- the Borda count: on each dataset, an encoder gets one point per encoder it beats; encoders
  with equal scores share the points of the places they span (each gets the mean). An encoder
  without a result on a dataset gets no points there.
Context baselines (most-popular, EASE), which every CF result carries, are a separate table
below: they use no text, so they show whether an encoder helps at all, and they take no part
in the averages or the Borda count.
Only full-protocol runs with the default settings are ranked (`ranked`): capped runs (an epoch
cap or lr grid below the protocol's) and variants (another adaptor, width or seed) are listed
in their own table with their deviations, and the paper's ablations (Table 7, Fig. 3) pair
their runs side by side (`benchmark.ablations`). Where one (encoder, dataset) has several
ranked results (an older key), the newest counts.
Optional: Spearman correlation with user-supplied MTEB scores; Pearson correlation between
every pair of search datasets (do short and complex queries rank encoders alike?).
"""
from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from benchmark.protocol import CF_REPORT, COMPLEX_SEARCH_DATASETS, SEARCH_CUTOFF, SEQREC_REPORT
from parsing.atomic import atomic_path

TASK_ORDER = ("seqrec", "cf", "search_short", "search_complex")  # the paper's four subtask columns
TASK_NAMES = {"seqrec": "Seq. rec.", "cf": "CF", "search": "Search", "search_short": "Short search",
              "search_complex": "Complex search"}
MAIN_METRIC = {"seqrec": "{}@{}".format(*SEQREC_REPORT[0]), "cf": "{}@{}".format(*CF_REPORT[0]),
               "search": f"ndcg@{SEARCH_CUTOFF}"}
AVERAGE, TASK_AVERAGE, BORDA, COVERAGE = "Average", "Avg. of tasks", "Borda", "Datasets"


def main_score(result: dict) -> float | None:
    """The task's main test metric from a result file (key case is ignored)."""
    metrics = {str(k).lower(): v for k, v in (result.get("test") or {}).items()}
    value = metrics.get(MAIN_METRIC.get(result.get("task"), ""))
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def subtask(result: dict) -> str:
    """The leaderboard column group: the task, with search split into short and complex queries."""
    if result.get("task") != "search":
        return result.get("task")
    if result.get("subtask") in ("search_short", "search_complex"):
        return result["subtask"]
    return "search_complex" if str(result.get("dataset", "")).startswith(COMPLEX_SEARCH_DATASETS) else "search_short"


def ranked(result: dict) -> bool:
    """A full-protocol run with the default settings (results written before runs were keyed
    carry neither field and count as such)."""
    return result.get("protocol", "full") == "full" and not result.get("variant")


def capped(result: dict) -> bool:
    """A capped run (fewer epochs or learning rates than the protocol) with the default settings."""
    return result.get("protocol") == "capped" and not result.get("variant")


def scores_frame(results: Iterable[dict], keep=ranked) -> pd.DataFrame:
    """Encoders × (subtask, dataset) main scores of the results `keep` accepts (the newest of each)."""
    results = sorted((r for r in results if keep(r)), key=lambda r: r.get("created_at") or "")
    rows = [(r["encoder"], subtask(r), r["dataset"], main_score(r)) for r in results if r.get("task") in MAIN_METRIC]
    long = pd.DataFrame(rows, columns=["encoder", "task", "dataset", "score"]).dropna(subset=["score"])
    if long.empty:
        return pd.DataFrame(columns=pd.MultiIndex.from_tuples([], names=["task", "dataset"]))
    wide = long.pivot_table(index="encoder", columns=["task", "dataset"], values="score", aggfunc="last")
    order = sorted(wide.columns, key=lambda c: (TASK_ORDER.index(c[0]), c[1]))
    return wide[order]


CONTEXT_NAMES = {"most_popular": "most-popular", "ease": "EASE"}


def context_frame(results: Iterable[dict]) -> pd.DataFrame:
    """Context baselines × (task, dataset) main scores, from the "context" of CF results."""
    rows = [(CONTEXT_NAMES.get(name, name), r["task"], r["dataset"], main_score({"task": r["task"], "test": v["test"]}))
            for r in results if r.get("task") == "cf"
            for name, v in (r.get("context") or {}).items() if "test" in v]
    long = pd.DataFrame(rows, columns=["baseline", "task", "dataset", "score"]).dropna(subset=["score"])
    if long.empty:
        return pd.DataFrame()
    return long.pivot_table(index="baseline", columns=["task", "dataset"], values="score", aggfunc="last")


def borda(scores: pd.DataFrame) -> pd.Series:
    """Borda points per encoder summed over the columns (datasets); ties share points."""
    points = pd.Series(0.0, index=scores.index)
    for column in scores.columns:
        col = scores[column].dropna()
        values = col.to_numpy()
        lower = (values[None, :] < values[:, None]).sum(1)
        tied = (values[None, :] == values[:, None]).sum(1) - 1
        points.loc[col.index] += lower + tied / 2.0
    return points


def aggregate(scores: pd.DataFrame) -> pd.DataFrame:
    """The leaderboard table: the scores, per-task averages, the averages and the Borda count."""
    table = scores.copy()
    task_avgs = {}
    for task in TASK_ORDER:
        columns = [c for c in scores.columns if c[0] == task]
        if columns:
            task_avgs[task] = scores[columns].mean(axis=1)
            table[(task, "avg")] = task_avgs[task]
    order = sorted(table.columns, key=lambda c: (TASK_ORDER.index(c[0]), c[1] == "avg", c[1]))
    table = table[order]
    table[("all", AVERAGE)] = scores.mean(axis=1)
    table[("all", TASK_AVERAGE)] = pd.DataFrame(task_avgs).mean(axis=1) if task_avgs else np.nan
    table[("all", BORDA)] = borda(scores)
    # Averages over fewer datasets are not comparable (a search-only baseline): full coverage first.
    table[("all", COVERAGE)] = scores.notna().sum(axis=1)
    return table.sort_values([("all", COVERAGE), ("all", TASK_AVERAGE)], ascending=False, kind="mergesort")


def spearman_with(table: pd.DataFrame, reference: dict[str, float], column=("all", TASK_AVERAGE)) -> dict:
    """Spearman ρ between a reference score per encoder (e.g. MTEB) and a leaderboard column."""
    common = [e for e in table.index if e in reference and not pd.isna(table.loc[e, column])]
    if len(common) < 3:
        return {"n": len(common), "rho": None, "p": None}
    rho, p = stats.spearmanr([reference[e] for e in common], table.loc[common, column].to_numpy())
    return {"n": len(common), "rho": float(rho), "p": float(p)}


def search_pearson(scores: pd.DataFrame) -> list[dict]:
    """Pearson r between every pair of search datasets, over encoders that have both."""
    columns = [c for c in scores.columns if c[0].startswith("search")]
    out = []
    for i, a in enumerate(columns):
        for b in columns[i + 1:]:
            both = scores[[a, b]].dropna()
            r = float(stats.pearsonr(both[a], both[b])[0]) if len(both) >= 3 else None
            out.append({"a": a[1], "b": b[1], "n": len(both), "r": r})
    return out


def read_reference(path: str | Path) -> dict[str, float]:
    """Encoder → score from a JSON object or a CSV with columns encoder,score (e.g. MTEB averages)."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return {str(k): float(v) for k, v in json.loads(path.read_text()).items()}
    frame = pd.read_csv(path)
    return dict(zip(frame.iloc[:, 0].astype(str), frame.iloc[:, 1].astype(float)))


def _header(column) -> str:
    task, name = column
    if task == "all":
        return name
    return f"{TASK_NAMES[task]} avg" if name == "avg" else f"{TASK_NAMES[task]}: {name}"


def _cell(value, column) -> str:
    if pd.isna(value):
        return "–"
    return f"{value:g}" if column[1] in (BORDA, COVERAGE) else f"{value * 100:.2f}"


def search_detail(results: Iterable[dict]) -> str:
    """Per search set and encoder: NDCG@100 and Recall@100 (×100), as a Markdown table."""
    ndcg, recall = f"ndcg@{SEARCH_CUTOFF}", f"recall@{SEARCH_CUTOFF}"
    rows = sorted((subtask(r), r["dataset"], r["encoder"], (r.get("test") or {}).get(ndcg), (r.get("test") or {}).get(recall))
                  for r in results if r.get("task") == "search" and ranked(r))
    lines = [f"| Search set | Encoder | NDCG@{SEARCH_CUTOFF} | Recall@{SEARCH_CUTOFF} |", "|---|---|---|---|"]
    show = lambda v: "–" if v is None else f"{float(v) * 100:.2f}"  # noqa: E731
    lines += [f"| {TASK_NAMES[s]}: {d} | {e} | {show(n)} | {show(r)} |" for s, d, e, n, r in rows]
    return "\n".join(lines) if rows else ""


def unranked_detail(results: Iterable[dict]) -> str:
    """Variant runs (full or capped), each with how it differs, as a Markdown table."""
    rows = sorted((TASK_NAMES[subtask(r)], r["dataset"], r["encoder"], r.get("protocol", "full"),
                   "; ".join(r.get("deviations") or []), ", ".join(r.get("variant") or []), main_score(r))
                  for r in results if r.get("task") in MAIN_METRIC and r.get("variant"))
    lines = ["| Task: dataset | Encoder | Protocol | Deviations | Variant | Main metric |", "|---|---|---|---|---|---|"]
    lines += [f"| {t}: {d} | {e} | {p} | {dev or '–'} | {v or '–'} | {'–' if m is None else f'{m * 100:.2f}'} |"
              for t, d, e, p, dev, v, m in rows]
    return "\n".join(lines) if rows else ""


def to_markdown(table: pd.DataFrame) -> str:
    """A Markdown table: metric values ×100 (as in the paper), Borda as points."""
    headers = ["Encoder"] + [_header(c) for c in table.columns]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for encoder, row in table.iterrows():
        lines.append("| " + " | ".join([str(encoder)] + [_cell(row[c], c) for c in table.columns]) + " |")
    return "\n".join(lines)


def plot_tasks(table: pd.DataFrame, path: Path, title: str | None = None) -> Path:
    """Per-task bars: one group per task average, one bar per encoder."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = [c for c in table.columns if c[1] == "avg"] + [("all", TASK_AVERAGE)]
    fig, ax = plt.subplots(figsize=(3.5 + 1.6 * len(columns), 3.5))
    width = 0.8 / max(len(table), 1)
    x = np.arange(len(columns))
    for i, (encoder, row) in enumerate(table.iterrows()):
        ax.bar(x + i * width, [row[c] * 100 if not pd.isna(row[c]) else 0 for c in columns], width, label=str(encoder))
    ax.set_xticks(x + width * (len(table) - 1) / 2, [_header(c) for c in columns])
    ax.set_ylabel("main metric × 100")
    if title:
        ax.set_title(title, fontsize="small")
    ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    _save(fig, path)
    return path


def plot_reference(table: pd.DataFrame, reference: dict[str, float], path: Path, label: str = "MTEB") -> Path:
    """Scatter of a reference score (MTEB) against the benchmark's average of task averages (Figure 2)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    common = [e for e in table.index if e in reference and not pd.isna(table.loc[e, ("all", TASK_AVERAGE)])]
    fig, ax = plt.subplots(figsize=(4.5, 3.5))
    xs = [reference[e] for e in common]
    ys = [table.loc[e, ("all", TASK_AVERAGE)] * 100 for e in common]
    ax.scatter(xs, ys)
    for e, x, y in zip(common, xs, ys):
        ax.annotate(str(e), (x, y), fontsize="small", xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel(f"{label} score")
    ax.set_ylabel("benchmark (avg. of tasks × 100)")
    fig.tight_layout()
    _save(fig, path)
    return path


def _save(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)


def _write(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_report(results: Iterable[dict], out: str | Path, reference: dict[str, float] | None = None) -> dict:
    """Write leaderboard.md, leaderboard.html, leaderboard.png (and mteb.png) into `out`."""
    out = Path(out)
    results = list(results)
    scores = scores_frame(results)
    context = context_frame(results)
    table = aggregate(scores)
    markdown = to_markdown(table) if len(table) else "No full-protocol run with the default settings yet."
    capped_table = aggregate(scores_frame(results, keep=capped))
    capped_title = "Capped runs (fewer epochs or learning rates than the protocol): not full-protocol numbers"
    if len(capped_table):
        markdown += f"\n\n{capped_title}\n\n" + to_markdown(capped_table)
    notes = [f"Main metrics: " + ", ".join(f"{TASK_NAMES[t]} {m.upper()}" for t, m in MAIN_METRIC.items())
             + " (×100). Borda: one point per encoder beaten on a dataset; ties share points."]
    pearson = search_pearson(scores)
    for p in pearson:
        notes.append(f"Pearson r between search datasets {p['a']} and {p['b']}: "
                     + (f"{p['r']:.3f} (n={p['n']})" if p["r"] is not None else f"n/a (n={p['n']})"))
    files = {"markdown": out / "leaderboard.md", "html": out / "leaderboard.html"}
    images = []
    if len(table) or len(capped_table):
        files["plot"] = plot_tasks(table, out / "leaderboard.png") if len(table) else \
            plot_tasks(capped_table, out / "leaderboard.png", title="capped runs: not full-protocol numbers")
        images.append("leaderboard.png")
    spearman = None
    if reference:
        spearman = spearman_with(table, reference)
        rho = "n/a" if spearman["rho"] is None else f"{spearman['rho']:.3f} (p={spearman['p']:.3g})"
        notes.append(f"Spearman ρ with MTEB over {spearman['n']} encoders: {rho}")
        files["scatter"] = plot_reference(table, reference, out / "mteb.png")
        images.append("mteb.png")
    body = "# Leaderboard\n\n" + markdown + "\n\n" + "\n".join(f"- {n}" for n in notes) + "\n"
    if detail := search_detail(results):
        body += "\n## Search sets\n\n" + detail + "\n"
    context_title = "Context baselines (no text; not ranked)"
    if len(context):
        context_md = to_markdown(context).replace("| Encoder |", "| Context baseline |", 1)
        body += f"\n## {context_title}\n\n" + context_md + "\n"
    from benchmark.ablations import ABLATIONS, ablation_markdown

    for which, (*_, title) in ABLATIONS.items():
        if table_md := ablation_markdown(results, which):
            body += f"\n## Ablation — {title}\n\nMain metric ×100; a capped row is not a full-protocol number.\n\n{table_md}\n"
    if unranked := unranked_detail(results):
        body += ("\n## Variants (not ranked)\n\nRuns with other settings than the ranked defaults (adaptor, "
                 "width, seed, task options); they take no part in the tables above.\n\n" + unranked + "\n")
    body += "".join(f"\n![{name}]({name})\n" for name in images)
    _write(files["markdown"], body)
    to_html = lambda frame: frame.to_html(float_format=lambda v: f"{v:.4f}", na_rep="–")  # noqa: E731
    page = ("<!doctype html><meta charset='utf-8'><title>Leaderboard</title><h1>Leaderboard</h1>" + to_html(table)
            + (f"<h2>{html.escape(capped_title)}</h2>" + to_html(capped_table) if len(capped_table) else "")
            + (f"<h2>{context_title}</h2>" + to_html(context) if len(context) else "")
            + "<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>"
            + "".join(f"<img src='{name}' alt='{name}'>" for name in images))
    _write(files["html"], page)
    return {"table": table, "capped": capped_table, "markdown": markdown, "files": files, "spearman": spearman, "pearson": pearson,
            "context": context}
