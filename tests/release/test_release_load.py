"""The release folder loads as a user would load it: `datasets.load_dataset(DIR, CONFIG)`, offline."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from warehouse.settings import T1_MS

pytestmark = [pytest.mark.spark, pytest.mark.slow]
INTERNAL = {"seq", "user_seq", "flags", "category"}
LOADER = """
import json, sys
import datasets
out = {}
for config in datasets.get_dataset_config_names(sys.argv[1]):
    loaded = datasets.load_dataset(sys.argv[1], config, cache_dir=sys.argv[2])
    out[config] = {split: {"rows": d.num_rows, "columns": d.column_names, "first": d[0] if d.num_rows else None,
                           "features": str(d.features)} for split, d in loaded.items()}
print(json.dumps(out, default=str))
"""


@pytest.fixture(scope="module")
def released(two_builds, tmp_path_factory):
    from warehouse.release import release

    out = tmp_path_factory.mktemp("release") / "amazon-reviews-2023"
    summary = release(two_builds["root"], out)
    env = dict(os.environ, HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1",
               HF_HOME=str(tmp_path_factory.mktemp("hf_home")), PYTHONPATH=os.pathsep.join(sys.path))
    run = subprocess.run([sys.executable, "-c", LOADER, str(out), str(tmp_path_factory.mktemp("hf_cache"))],
                         capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    return {"out": out, "summary": summary, "loaded": json.loads(run.stdout.splitlines()[-1])}


def _lake_rows(folder) -> int:
    from warehouse import layout

    return sum(pq.ParquetFile(p).metadata.num_rows for p in layout.parquet_files(folder))


def _expected_configs(root) -> dict[str, dict[str, int]]:
    """Config → split → rows, read from the lake's folders."""
    from warehouse import layout

    expected = {}
    for category in layout.categories_in(layout.silver(root, "reviews")):
        expected[f"raw_review_{category}"] = {"full": _lake_rows(layout.partition(layout.silver(root, "reviews"), category))}
        expected[f"raw_meta_{category}"] = {"full": _lake_rows(layout.partition(layout.silver(root, "meta"), category))}
        for k in (0, 5):
            only = _lake_rows(layout.partition(layout.benchmark(root, k, "rating_only"), category))
            if not only:
                continue
            expected[f"{k}core_rating_only_{category}"] = {"full": only}
            for variant in layout.VARIANTS[1:]:
                folder = layout.partition(layout.benchmark(root, k, variant), category)
                expected[f"{k}core_{variant}_{category}"] = {
                    hf: _lake_rows(folder / f"split={split}")
                    for split, hf in (("train", "train"), ("valid", "validation"), ("test", "test"))}
    return expected


def test_every_config_loads_with_the_lakes_splits_and_rows(released, two_builds):
    expected = _expected_configs(two_builds["root"])
    got = {config: {split: s["rows"] for split, s in splits.items()} for config, splits in released["loaded"].items()}
    assert got == expected
    assert "5core_timestamp_w_his_Toys_and_Games" in got  # a non-empty 5-core is released
    assert not any(c.startswith("5core") and c.endswith("Baby_Products") for c in got)  # an empty one is not


def test_no_internal_column_and_official_columns(released):
    from parsing.schemas import META_SCHEMA, REVIEW_SCHEMA

    for config, splits in released["loaded"].items():
        for split in splits.values():
            assert not INTERNAL & set(split["columns"]), config
            if config.startswith("raw_review_"):
                assert split["columns"] == REVIEW_SCHEMA.names
            elif config.startswith("raw_meta_"):
                assert split["columns"] == META_SCHEMA.names
            else:
                history = ["history"] if "_w_his_" in config else []
                assert split["columns"] == ["user_id", "parent_asin", "rating", "timestamp", *history], config


def test_nested_fields_load(released, two_builds):
    meta = released["loaded"]["raw_meta_Toys_and_Games"]["full"]["first"]
    source = {m["parent_asin"]: m for m in two_builds["v2"]["Toys_and_Games"]["meta"]}[meta["parent_asin"]]
    assert json.loads(meta["details"]) == source["details"]  # a JSON object string, as the official release
    assert meta["images"] == source["images"] and meta["videos"] == source["videos"]
    assert meta["features"] == source["features"] and meta["categories"] == source["categories"]
    review = released["loaded"]["raw_review_Toys_and_Games"]["full"]["first"]
    assert review["images"][0]["attachment_type"] == "IMAGE" and review["images"][0]["large_image_url"].endswith("l.jpg")
    first_input = two_builds["v2"]["Toys_and_Games"]["reviews"][0]
    assert {k: review[k] for k in first_input} == first_input  # input order, every official field


def test_the_card_has_configs_info_statistics_provenance_and_terms(released, two_builds):
    import yaml

    text = (released["out"] / "README.md").read_text()
    front = yaml.safe_load(text.split("---\n")[1])
    configs = {c["config_name"]: {f["split"]: f["path"] for f in c["data_files"]} for c in front["configs"]}
    assert set(configs) == set(released["loaded"])
    for config, files in configs.items():
        for path in files.values():
            assert (released["out"] / path).is_file(), path
    info = {i["config_name"]: i for i in front["dataset_info"]}
    assert {s["name"]: s["num_examples"] for s in info["0core_timestamp_Toys_and_Games"]["splits"]} == \
        {split: s["rows"] for split, s in released["loaded"]["0core_timestamp_Toys_and_Games"].items()}
    for section in ("## Statistics (Table 1)", "## Benchmark datasets (Table 3)", "## Provenance", "## Terms",
                    "## Changes since the previous build", "New categories: All_Beauty", f"t1 = {T1_MS}"):
        assert section in text, section
    provenance = json.loads((released["out"] / "provenance.json").read_text())
    assert provenance["categories"]["All_Beauty"] == two_builds["second"]
    inputs = [path for b in provenance["builds"] for path, e in b["inputs"].items() if len(e["sha256"]) == 64]
    assert any("Toys_and_Games" in p for p in inputs)


def test_release_refuses_to_replace_a_folder_that_is_not_a_release(two_builds, tmp_path):
    keep = tmp_path / "precious"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    run = subprocess.run([sys.executable, "-m", "warehouse", "release", "--root", str(two_builds["root"]),
                          "--out", str(keep)], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode != 0 and "not a release folder" in run.stderr
    assert (keep / "notes.txt").read_text() == "mine" and len(list(keep.iterdir())) == 1


def test_a_build_published_during_the_release_does_not_mix_into_it(two_builds, tmp_path, monkeypatch):
    """Switch `lake/current` back to the first build after the release has started: every file
    still comes from the version that was current when it started (the second build)."""
    import shutil

    from warehouse import layout, release as release_module, versions

    root = tmp_path / "data"
    shutil.copytree(two_builds["root"], root, symlinks=True)
    configs = release_module._configs

    def switch_then_write(*args):
        versions._symlink(two_builds["first"], layout.current(root))  # as a build's publish does
        return configs(*args)

    monkeypatch.setattr(release_module, "_configs", switch_then_write)
    summary = release_module.release(root, tmp_path / "out")
    assert versions.current_id(root) == two_builds["first"]  # the switch did happen
    assert summary["configs"]["raw_review_Toys_and_Games"]["full"] == len(two_builds["v2"]["Toys_and_Games"]["reviews"])
    assert "raw_review_All_Beauty" in summary["configs"]  # a category only the second build has
