"""The Dagster code location loads, declares the pools, and the libraries never import Dagster."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import dagster as dg

from pipelines.pools import POOL_LIMITS, apply_pool_limits

REPO = Path(__file__).resolve().parents[2]
LIBRARIES = ("crawler", "parsing", "warehouse", "benchmark")


def test_definitions_load_and_resolve():
    from pipelines.definitions import defs

    assert isinstance(defs, dg.Definitions)
    repository = defs.get_repository_def()
    assert "data_root" in repository.get_top_level_resources()
    # Every asset's dependencies resolve to assets defined in the location.
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        for parent in graph.get(key).parent_keys:
            assert graph.has(parent), f"{key} depends on undefined {parent}"


def test_dagster_cli_validates_the_location():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("dagster")), "definitions", "validate", "-m", "pipelines.definitions"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pools_are_written_into_the_instance(tmp_path):
    (tmp_path / "dagster.yaml").write_text((REPO / "dagster_home" / "dagster.yaml").read_text())
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        assert apply_pool_limits(instance) == POOL_LIMITS
    assert set(POOL_LIMITS) == {"spark", "duckdb_writer", "gpu", "crawl"}


def test_libraries_never_import_dagster():
    offenders = []
    for package in LIBRARIES:
        for path in (REPO / package).rglob("*.py"):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                if any(n == "dagster" or n.startswith("dagster") for n in names):
                    offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
