"""`warehouse diff` between two builds of one root, every figure against a count done here from the inputs."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import pytest

from release_data import T1, T2

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _k_core(rows: list[dict], k: int) -> list[dict]:
    while True:
        users, items = Counter(r["user_id"] for r in rows), Counter(r["parent_asin"] for r in rows)
        kept = [r for r in rows if users[r["user_id"]] >= k and items[r["parent_asin"]] >= k]
        if len(kept) == len(rows):
            return rows
        rows = kept


def _split_sizes(rows: list[dict]) -> dict[str, int]:
    sizes = {}
    for k in (0, 5):
        core = _k_core(rows, k)
        sizes[f"{k}core/rating_only"] = len(core)
        per_user = Counter(r["user_id"] for r in core)
        last_out = {"train": sum(max(n - 2, 0) for n in per_user.values()),
                    "valid": sum(1 for n in per_user.values() if n >= 2), "test": len(per_user)}
        timestamp = {"train": sum(r["timestamp"] < T1 for r in core),
                     "valid": sum(T1 <= r["timestamp"] < T2 for r in core),
                     "test": sum(r["timestamp"] >= T2 for r in core)}
        for variant, counts in (("last_out", last_out), ("timestamp", timestamp)):
            for name in (variant, variant + "_w_his"):
                for split, n in counts.items():
                    sizes[f"{k}core/{name}/{split}"] = n
    return sizes


def _keyed_diff(before: list[dict], after: list[dict], key) -> dict:
    a, b = {key(r): r for r in before}, {key(r): r for r in after}
    return {"before": len(a), "after": len(b), "added": len(b.keys() - a.keys()), "removed": len(a.keys() - b.keys()),
            "changed": sum(1 for x in a.keys() & b.keys() if a[x] != b[x])}


def _set_diff(before: set, after: set) -> dict:
    return {"before": len(before), "after": len(after), "added": len(after - before), "gone": len(before - after)}


def _expected(v1: dict, v2: dict, category: str) -> dict:
    empty = {"reviews": [], "meta": []}
    old, new = v1.get(category, empty), v2.get(category, empty)
    items = lambda d: {r["parent_asin"] for r in d["reviews"]} | {m["parent_asin"] for m in d["meta"]}  # noqa: E731
    sizes_a, sizes_b = _split_sizes(old["reviews"]), _split_sizes(new["reviews"])
    return {
        "reviews": _keyed_diff(old["reviews"], new["reviews"], lambda r: (r["user_id"], r["parent_asin"])),
        "meta": _keyed_diff(old["meta"], new["meta"], lambda m: m["parent_asin"]),
        "users": _set_diff({r["user_id"] for r in old["reviews"]}, {r["user_id"] for r in new["reviews"]}),
        "items": _set_diff(items(old), items(new)),
        "splits": {name: {"before": sizes_a[name] if old["reviews"] else 0, "after": sizes_b[name]}
                   for name in sizes_b},
    }


def _cli(*args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-m", "warehouse", "diff", *args], capture_output=True, text=True,
                          timeout=300, env=env)


def test_every_figure_of_the_diff_matches_an_independent_count(two_builds):
    from warehouse.diff import diff

    result = diff(two_builds["root"])  # default: the last two builds
    assert (result["from"], result["to"]) == (two_builds["first"], two_builds["second"])
    assert result["new_categories"] == ["All_Beauty"] and result["removed_categories"] == []
    assert sorted(result["categories"]) == ["All_Beauty", "Baby_Products", "Toys_and_Games"]
    for category, got in result["categories"].items():
        assert got == _expected(two_builds["v1"], two_builds["v2"], category), category


def test_the_changed_input_really_changes_every_kind_of_figure(two_builds):
    """Guards the fixture: the figures above would be trivially equal if nothing had changed."""
    toys = _expected(two_builds["v1"], two_builds["v2"], "Toys_and_Games")
    assert all(toys["reviews"][f] > 0 for f in ("added", "removed", "changed"))
    assert all(toys["meta"][f] > 0 for f in ("added", "removed", "changed"))
    assert toys["users"]["added"] and toys["users"]["gone"] and toys["items"]["added"] and toys["items"]["gone"]
    assert any(s["before"] != s["after"] for name, s in toys["splits"].items() if name.startswith("5core"))
    baby = _expected(two_builds["v1"], two_builds["v2"], "Baby_Products")
    assert baby["reviews"]["added"] == baby["reviews"]["removed"] == baby["reviews"]["changed"] == 0


def test_the_cli_prints_json_and_markdown(two_builds):
    from warehouse.diff import diff

    root = str(two_builds["root"])
    run = _cli("--root", root, "--from", two_builds["first"], "--to", two_builds["second"], "--json")
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout) == diff(root)
    markdown = _cli("--root", root)
    assert markdown.returncode == 0, markdown.stderr[-2000:]
    assert "New categories: All_Beauty" in markdown.stdout
    toys = diff(root)["categories"]["Toys_and_Games"]["reviews"]
    assert (f"| Toys_and_Games | reviews | {toys['before']} | {toys['after']} | {toys['added']} | "
            f"{toys['removed']} | {toys['changed']} |") in markdown.stdout


def test_an_unknown_build_is_a_clear_error(two_builds):
    run = _cli("--root", str(two_builds["root"]), "--from", "19990101T000000-1")
    assert run.returncode != 0 and run.stdout == ""
    assert "19990101T000000-1" in run.stderr


def test_the_diff_holds_after_the_older_builds_data_is_gone(two_builds, tmp_path):
    """The README's promise: the diff reads the row snapshots, not the (pruned) lake versions."""
    import shutil

    from warehouse import layout
    from warehouse.diff import diff

    root = tmp_path / "data"
    shutil.copytree(two_builds["root"], root, symlinks=True)
    shutil.rmtree(layout.lake(root) / two_builds["first"])  # as pruning does to an old version
    assert not (layout.lake(root) / two_builds["first"]).exists()
    assert diff(root) == diff(two_builds["root"])
