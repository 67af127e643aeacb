"""Every path under the data root is built by `warehouse/layout.py` (DESIGN §3): a walk of the code
for `something / "gold"` (or any other top-level folder of the data root) outside the layout."""
from __future__ import annotations

import ast
from repo_files import REPO, tracked

# The top-level names of the data root (DESIGN §3).
TOP = {"raw", "bronze", "silver", "gold", "lake", "manifests", "sandbox", "exports", "embeddings", "results",
       "reports", "synthesis", "warehouse.duckdb"}
LAYOUT = "warehouse/layout.py"
# Files whose `/ "results"`-style paths are not under the data root, or not yet moved.
EXCEPTIONS = {
    "warehouse/release.py": "paths inside a release folder (--out), which mirrors the Hub layout, not the data root",
    "perf/": "benchmarks build their own scratch trees and keep perf/results",
}


def leftmost(node: ast.expr) -> ast.expr:
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        node = node.left
    return node


def hand_built(source: str) -> list[tuple[int, str]]:
    """(line, expression) of each `x / "<top-level name>[/...]"` not built on a `layout.` path."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)):
            continue
        right = node.right
        if not (isinstance(right, ast.Constant) and isinstance(right.value, str)):
            continue
        if right.value.split("/")[0] not in TOP:
            continue
        if ast.unparse(leftmost(node)).startswith("layout."):
            continue  # below a folder the layout gave
        found.append((node.lineno, ast.unparse(node)))
    return found


def excepted(rel: str) -> bool:
    return any(rel == key or (key.endswith("/") and rel.startswith(key)) for key in EXCEPTIONS)


def test_data_root_paths_come_from_the_layout():
    files = [str(p.relative_to(REPO)) for p in tracked("*.py")]
    offenders = [f"{rel}:{line}: {expr}" for rel in files
                 if not rel.startswith("tests/") and rel != LAYOUT and not excepted(rel) and (REPO / rel).is_file()
                 for line, expr in hand_built((REPO / rel).read_text(encoding="utf-8"))]
    assert offenders == []
    assert hand_built((REPO / LAYOUT).read_text()), "the walk finds nothing even in the layout: it is broken"


def test_a_hand_built_path_is_caught():
    source = ('from pathlib import Path\nfrom warehouse import layout\n'
              'a = Path(root) / "gold" / "tasks"\n'
              'b = root / "warehouse.duckdb"\n'
              'c = layout.staging(root) / build / "gold"\n'
              'd = root / "gold/benchmark"\n'
              'e = root / "site" / "manifest.json"\n')
    assert sorted(line for line, _ in hand_built(source)) == [3, 4, 6]
