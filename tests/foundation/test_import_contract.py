"""Who may import whom (docs/DESIGN.md §2), read from the source with `ast`: nothing is imported.

Libraries never import `pipelines` or Dagster; `parsing` imports nothing of ours; `warehouse` never
imports `benchmark`; the sandbox is imported only by tests, perf, the Dagster sandbox target and
the crawler's `crawl --sandbox` convenience. A test plants forbidden imports in a temp copy and
sees each one caught.
"""
from __future__ import annotations

import ast
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOMS = ("parsing", "crawler", "sandbox", "warehouse", "benchmark", "pipelines", "perf", "tools")
LIBRARIES = ("parsing", "crawler", "sandbox", "warehouse", "benchmark")
# What each room may import of ours ("pkg" or "pkg.module"); tests may import anything.
ALLOWED = {
    "parsing": (),
    "crawler": ("parsing",),
    "sandbox": ("parsing", "warehouse.settings"),
    "warehouse": ("parsing",),
    "benchmark": ("parsing", "warehouse"),
    "pipelines": ("parsing", "crawler", "sandbox", "warehouse", "benchmark"),
    "perf": ("parsing", "crawler", "sandbox", "warehouse", "benchmark"),
    "tools": (),
}
# Outside tests and perf (harnesses), only these files may import the sandbox.
SANDBOX_USERS = {"crawler/__main__.py", "pipelines/crawl_target.py", "pipelines/assets/crawl.py",
                 "pipelines/demo.py"}
DAGSTER_ROOMS = ("pipelines",)


def room_of(module: str) -> str | None:
    """The room (top-level package) a dotted module belongs to, or None if it is not ours."""
    top = module.split(".")[0]
    return top if top in ROOMS else None


def is_dagster(module: str) -> bool:
    top = module.split(".")[0]
    return top in ("dagster", "dg") or top.startswith("dagster_")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path) -> list[tuple]:
    """(line, absolute module[, its package]) of every import in a file, relative ones resolved; also
    `importlib.import_module("x")` with a constant name."""
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            # `from pkg import name`: `name` may be a submodule (pkg.name) or an attribute of pkg.
            found += [(node.lineno, f"{module}.{alias.name}", module) for alias in node.names]
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append((node.lineno, node.args[0].value))
    return found


def allowed(importer_room: str, module: str) -> bool:
    return any(module == a or module.startswith(a + ".") for a in ALLOWED[importer_room])


def sources(root: Path) -> list[Path]:
    return sorted(p for room in ROOMS if (root / room).is_dir() for p in (root / room).rglob("*.py")
                  if not any(part.startswith(".") for part in p.relative_to(root).parts))


def problem(importer: str, rel: str, module: str) -> str | None:
    """Why `module` may not be imported by the file `rel` of room `importer`, or None if it may."""
    if is_dagster(module):
        return None if importer in DAGSTER_ROOMS else "Dagster"
    target = room_of(module)
    if target is None or target == importer:
        return None
    if target == "sandbox":
        return None if importer == "perf" or rel in SANDBOX_USERS else module
    return None if allowed(importer, module) else module


def is_module(root: Path, module: str) -> bool:
    path = root.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def violations(root: Path) -> list[str]:
    """Every import that breaks the contract, as `path:line: room imports what (module)`."""
    out = []
    for path in sources(root):
        rel = path.relative_to(root).as_posix()
        importer = room_of(module_name(path, root))
        for line, module, *package in imports_of(path, root):
            if package and not is_module(root, module):
                module = package[0]  # `from pkg import name` where name is not a submodule
            why = problem(importer, rel, module)
            entry = f"{rel}:{line}: {importer} imports {why} ({module})"
            if why and entry not in out:
                out.append(entry)
    return out


def test_the_import_contract_holds():
    assert violations(REPO) == []


def test_the_walk_sees_the_imports_it_judges():
    """Guard against a check that passes because it reads nothing."""
    found = {m for _, m, *_ in imports_of(REPO / "benchmark" / "tasks" / "seqrec.py", REPO)}
    assert "warehouse.settings.MAX_HISTORY" in found
    rooms = {room_of(module_name(p, REPO)) for p in sources(REPO)}
    assert set(LIBRARIES) <= rooms


def copy_rooms(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for room in ROOMS:
        if (REPO / room).is_dir():
            shutil.copytree(REPO / room, root / room, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


def plant(root: Path, rel: str, source: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(path.read_text() + "\n" + source if path.exists() else source)


def test_a_planted_forbidden_import_fails_the_check(tmp_path):
    root = copy_rooms(tmp_path)
    assert violations(root) == []
    planted = {
        "warehouse/planted_a.py": "from benchmark.protocol import SEED\n",
        "warehouse/loaders/planted_b.py": "from ...benchmark import protocol\n",
        "parsing/planted_c.py": "import warehouse.layout\n",
        "benchmark/planted_d.py": "import dagster as dg\n",
        "crawler/planted_e.py": "from pipelines.resources import DataRoot\n",
        "warehouse/planted_f.py": "from sandbox.profiles import PROFILES\n",
        "sandbox/planted_g.py": "from crawler.frontier import Frontier\n",
        "benchmark/planted_h.py": "import importlib\nm = importlib.import_module('pipelines.demo')\n",
        "crawler/planted_i.py": "from sandbox import server\n",
    }
    for rel, source in planted.items():
        plant(root, rel, source)
    found = violations(root)
    assert sorted({line.split(":")[0] for line in found}) == sorted(planted), found
    assert any("warehouse imports benchmark.protocol" in line for line in found)
    assert any("benchmark imports Dagster" in line for line in found)
    assert any("crawler imports pipelines.resources" in line for line in found)


def test_allowed_imports_pass(tmp_path):
    root = copy_rooms(tmp_path)
    plant(root, "benchmark/planted_ok.py", "from warehouse.layout import silver\nfrom parsing import schemas\n")
    plant(root, "pipelines/planted_ok.py", "import dagster as dg\nfrom benchmark import protocol\n")
    assert violations(root) == []
