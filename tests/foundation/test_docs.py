"""A fresh clone has every document the code cites, and every environment variable is documented."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from repo_files import REPO, tracked

DOCS = REPO / "docs"
# "DESIGN §4", "CONTRACTS §5b", "docs/CONTRACTS.md §6": a section of one of our documents.
SECTION = re.compile(r"\b(DESIGN|CONTRACTS|FIELD_POLICY|ENVIRONMENT)(?:\.md)? §(\d+[a-z]?)")
DOC_PATH = re.compile(r"\bdocs/([A-Za-z_]+\.md)")
ENV_NAME = re.compile(r"^BLAIR_[A-Z0-9_]*$")


def code_files() -> list[Path]:
    """Everything that may cite a document: code, tests, the Makefile, the README and the docs."""
    return [p for p in tracked("*.py", "*.md", "Makefile", "*.toml") if p != Path(__file__).resolve()]


def citations(files: list[Path]) -> set[tuple[str, str, str]]:
    found = set()
    for path in files:
        for doc, section in SECTION.findall(path.read_text(encoding="utf-8", errors="replace")):
            found.add((doc, section, path.name if not path.is_relative_to(REPO) else str(path.relative_to(REPO))))
    return found


def headings(doc: Path) -> set[str]:
    """Section numbers of `## N. Title` headings."""
    return set(re.findall(r"^## (\d+[a-z]?)\. ", doc.read_text(encoding="utf-8"), flags=re.M))


def missing_sections(files: list[Path], docs: Path) -> list[str]:
    missing = []
    for doc, section, where in sorted(citations(files)):
        path = docs / f"{doc}.md"
        if not path.is_file():
            missing.append(f"{where}: cites {doc} §{section}, but docs/{doc}.md does not exist")
        elif doc != "FIELD_POLICY" and section not in headings(path):
            missing.append(f"{where}: cites {doc} §{section}, which docs/{doc}.md lacks")
    return missing


def test_every_cited_section_exists():
    assert citations(code_files()), "the pattern finds no citation at all: it is broken"
    assert missing_sections(code_files(), DOCS) == []


def test_a_missing_section_is_caught(tmp_path):
    cites = tmp_path / "cites.py"
    cites.write_text('"""Rules of DESIGN §4 and CONTRACTS §9 and FIELD_POLICY §1."""\n')
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "DESIGN.md").write_text("# Design\n\n## 4. Rules\n")
    (docs / "CONTRACTS.md").write_text("# Contracts\n\n## 5. Tasks\n")
    found = missing_sections([cites], docs)
    assert len(found) == 2
    assert "CONTRACTS §9" in found[0] and "docs/CONTRACTS.md lacks" in found[0]
    assert "docs/FIELD_POLICY.md does not exist" in found[1]


def test_every_cited_docs_file_exists():
    named = {name for path in code_files() for name in DOC_PATH.findall(path.read_text(errors="replace"))}
    assert "CONTRACTS.md" in named
    assert sorted(n for n in named if not (DOCS / n).is_file()) == []


def env_reads(source: str) -> set[str]:
    """Variable names a module reads: `os.environ.get("X")`, `os.environ["X"]`, `"X" in os.environ`,
    `os.getenv("X")`, `dg.EnvVar("X")`, and every `BLAIR_*` string (names passed around as data,
    e.g. `env.get(...)` on a mapping; a name ending in `_` is a prefix)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and ENV_NAME.match(node.value):
            names.add(node.value)
        args = []
        if isinstance(node, ast.Call):
            func = ast.unparse(node.func)
            if func in ("os.environ.get", "os.getenv", "dg.EnvVar", "EnvVar", "os.environ.setdefault"):
                args = node.args[:1]
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) \
                and ast.unparse(node.value) == "os.environ":  # a read, not a write
            args = [node.slice]
        elif isinstance(node, ast.Compare) and any(ast.unparse(c) == "os.environ" for c in node.comparators):
            args = [node.left]
        names |= {a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return names


def documented(table: str) -> tuple[set[str], set[str]]:
    """(exact names, prefixes) of the first column: `BLAIR_SOURCE_<NAME>` documents the prefix."""
    exact, prefixes = set(), set()
    for cell in re.findall(r"^\| `([A-Z0-9_<>]+)` \|", table, flags=re.M):
        if "<" in cell:
            prefixes.add(cell.split("<", 1)[0])
        else:
            exact.add(cell)
    return exact, prefixes


def undocumented(read: set[str], table: str) -> list[str]:
    exact, prefixes = documented(table)
    return sorted(n for n in read if n not in exact and not (n.endswith("_") and n in prefixes))


def test_every_environment_variable_read_is_in_the_table():
    from warehouse.spark import ENV_PREFIX, SparkSettings

    read = set()
    for path in tracked("*.py"):
        if path.relative_to(REPO).parts[0] != "tests":
            read |= env_reads(path.read_text(encoding="utf-8"))
    # SparkSettings.from_env builds its names from the fields.
    read |= {ENV_PREFIX + name.upper() for name in SparkSettings.__dataclass_fields__}
    assert {"BLAIR_DATA_ROOT", "BLAIR_DEBUG", "BLAIR_SPARK_SHUFFLE_PARTITIONS", "BLAIR_SOURCE_",
            "DAGSTER_HOME"} <= read, "the walk misses variables it should find"
    assert undocumented(read, (DOCS / "ENVIRONMENT.md").read_text(encoding="utf-8")) == []


def test_an_undocumented_variable_is_caught():
    source = 'import os\nA = os.environ.get("FOO_HOME")\nB = os.environ["BLAIR_NEW"]\nP = "BLAIR_PFX_"\n'
    read = env_reads(source)
    assert read == {"FOO_HOME", "BLAIR_NEW", "BLAIR_PFX_"}
    table = "| `BLAIR_NEW` | x |\n| `BLAIR_OTHER_<N>` | y |\n"
    assert undocumented(read, table) == ["BLAIR_PFX_", "FOO_HOME"]
