"""The release folder users download: Parquet laid out as the Hugging Face Hub expects, and its card.

`OUT/` holds one config per file set, loadable with `datasets.load_dataset(OUT, CONFIG)`:
- `raw_review_<Cat>`, `raw_meta_<Cat>`: silver reviews and metadata (split `full`, input order);
- `<k>core_rating_only_<Cat>` (split `full`) and `<k>core_<variant>_<Cat>` (splits `train`,
  `validation`, `test`): the gold benchmark tables in the official row order.
Only the official fields are released (no `seq`, `user_seq`, `flags` or `category`); `details`
(a map, which `datasets` cannot load) becomes a JSON object string, as in the official release.
A category whose k-core is empty has no configs for that k. `README.md` is the dataset card:
YAML `configs` and `dataset_info`, then the statistics (Tables 1 and 3), the provenance (inputs
with sha256, code version, builds, t1/t2), the changes since the previous build, and the terms.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from parsing.atomic import atomic_path, write_parquet
from parsing.schemas import META_SCHEMA, REVIEW_SCHEMA
from warehouse import diff as build_diff
from warehouse import layout, stats, versions
from warehouse.publish import code_version
from warehouse.settings import LakeSettings
from warehouse.task_inputs import ORDER

SPLIT_NAMES = {"train": "train", "valid": "validation", "test": "test"}  # lake → Hugging Face
PROVENANCE = "provenance.json"  # also marks a folder as a release (the only kind `release` replaces)
FULL = "full"  # the one split of a config that has no train/validation/test
BENCHMARK_COLUMNS = ("user_id", "parent_asin", "rating", "timestamp")
TERMS = ("Research use only, under the terms of the Amazon Reviews 2023 release (McAuley Lab). The files hold "
         "only the official fields of the public reviews and item pages: no user metadata beyond the "
         "anonymised `user_id`, nothing else about a reviewer.")


def _read(files: list[Path]) -> pa.Table | None:
    return pa.concat_tables([pq.read_table(p) for p in files], promote_options="default") if files else None


def _public_reviews(table: pa.Table) -> pa.Table:
    table = table.sort_by([("seq", "ascending")])
    return table.select(REVIEW_SCHEMA.names).cast(REVIEW_SCHEMA)


def _details_json(column: pa.ChunkedArray) -> pa.Array:
    """map<str,str> → a JSON object string per row (key order kept; null stays null)."""
    return pa.array([None if v is None else json.dumps(dict(v), ensure_ascii=False) for v in column.to_pylist()],
                    pa.string())


def _public_meta(table: pa.Table) -> pa.Table:
    table = table.sort_by([("seq", "ascending")])
    columns, fields = [], []
    for field in META_SCHEMA:
        values = table.column(field.name) if field.name in table.column_names else pa.nulls(table.num_rows, field.type)
        if field.name == "details":
            values, field = _details_json(values), pa.field("details", pa.string())
        else:
            values = values.cast(field.type)
        columns.append(values)
        fields.append(field)
    return pa.table(columns, schema=pa.schema(fields))


def _benchmark(table: pa.Table, history: bool) -> pa.Table:
    table = table.sort_by([(c, "ascending") for c in ORDER])
    return table.select(list(BENCHMARK_COLUMNS) + (["history"] if history else []))


def _write(table: pa.Table, path: Path) -> dict:
    write_parquet(table, path)
    return {"rows": table.num_rows, "bytes": path.stat().st_size, "memory": table.nbytes}


def _configs(root: Path, out: Path, category: str, settings: LakeSettings) -> list[dict]:
    """Write the files of one category; return its configs: name, splits {split: (path, sizes)}, schema."""
    configs = []
    for table, name, public in (("reviews", "raw_review", _public_reviews), ("meta", "raw_meta", _public_meta)):
        data = _read(layout.parquet_files(layout.partition(layout.silver(root, table), category)))
        if data is not None and data.num_rows:
            data = public(data)
            path = out / "raw" / table / category / f"{FULL}.parquet"
            configs.append({"name": f"{name}_{category}", "schema": data.schema,
                            "splits": {FULL: (path, _write(data, path))}})
    for k in settings.cores:
        only = _read(layout.parquet_files(layout.partition(layout.benchmark(root, k, "rating_only"), category)))
        if only is None or only.num_rows == 0:
            continue  # an empty k-core: no configs, as the official release has no files for it
        only = _benchmark(only, False)
        path = out / "benchmark" / f"{k}core" / "rating_only" / category / f"{FULL}.parquet"
        configs.append({"name": f"{k}core_rating_only_{category}", "schema": only.schema,
                        "splits": {FULL: (path, _write(only, path))}})
        for variant in layout.VARIANTS[1:]:
            history = variant.endswith("_w_his")
            splits, schema = {}, None
            for split, hf_split in SPLIT_NAMES.items():
                folder = layout.partition(layout.benchmark(root, k, variant), category) / f"split={split}"
                data = _read(layout.parquet_files(folder))
                data = _benchmark(data, history) if data is not None else pa.table(
                    {c: pa.array([], only.schema.field(c).type) for c in BENCHMARK_COLUMNS}
                    | ({"history": pa.array([], pa.string())} if history else {}))
                schema = data.schema
                path = out / "benchmark" / f"{k}core" / variant / category / f"{hf_split}.parquet"
                splits[hf_split] = (path, _write(data, path))
            configs.append({"name": f"{k}core_{variant}_{category}", "schema": schema, "splits": splits})
    return configs


def _dataset_info(config: dict) -> dict:
    from datasets import Features  # the card's feature types are the ones `datasets` derives

    splits = [{"name": s, "num_bytes": sizes["memory"], "num_examples": sizes["rows"]}
              for s, (_, sizes) in config["splits"].items()]
    return {"config_name": config["name"], "features": Features.from_arrow_schema(config["schema"])._to_yaml_list(),
            "splits": splits, "download_size": sum(sizes["bytes"] for _, sizes in config["splits"].values()),
            "dataset_size": sum(s["num_bytes"] for s in splits)}


def provenance(root: str | Path, settings: LakeSettings = LakeSettings()) -> dict:
    """Per category the latest build that wrote it, and every build's steps, inputs and code version."""
    root = Path(root)
    builds: dict[str, dict] = {}
    latest: dict[str, str] = {}
    for path in sorted(layout.manifests(root).glob("*/*.json")) if layout.manifests(root).is_dir() else []:
        manifest = json.loads(path.read_text())
        if not isinstance(manifest, dict) or "build_id" not in manifest or "step" not in manifest:
            continue  # not a step manifest
        build = builds.setdefault(manifest["build_id"], {"build_id": manifest["build_id"], "steps": {}, "inputs": {}})
        build["steps"][manifest["step"]] = manifest.get("written_at")
        build["code_version"] = manifest.get("code_version")
        for entry in manifest.get("inputs", []):
            if not entry["path"].startswith(("silver/", "gold/")):  # the build's own outputs are not inputs
                build["inputs"][entry["path"]] = {"sha256": entry["sha256"], "rows": entry["rows"],
                                                  "bytes": entry["bytes"]}
        for category in manifest.get("categories", []):
            latest[category] = max(latest.get(category, ""), manifest["build_id"])
    used = sorted(set(latest.values()))
    return {"categories": latest, "builds": [builds[b] for b in used], "t1": settings.t1, "t2": settings.t2,
            "code_version": code_version(),
            "released_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}


def _md_table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    lines = ["| " + " | ".join(title for _, title in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join("" if row.get(key) is None else f"{row[key]:,}" if isinstance(row[key], int)
                                       else str(row[key]) for key, _ in columns) + " |")
    return "\n".join(lines)


def _time(ms) -> str | None:
    return None if ms is None else dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y-%m-%d")


def card(configs: list[dict], infos: list[dict], table1: list[dict], table3: list[dict], prov: dict,
         changes: str | None) -> str:
    """The dataset card: YAML front matter, then the Markdown sections."""
    header = {
        "pretty_name": "Amazon Reviews 2023 (rebuilt) and the BLAIR benchmark files",
        "license": "other",
        "configs": [{"config_name": c["name"], "data_files": [
            {"split": s, "path": path.relative_to(c["out"]).as_posix()}
            for s, (path, _) in c["splits"].items()]} for c in configs],
        "dataset_info": infos,
    }
    for row in table1:
        row["tokens_review"] = f"{row.get('review_tokens_cl100k') or 0:,} ({row.get('review_tokens') or 0:,})"
        row["tokens_meta"] = f"{row.get('meta_tokens_cl100k') or 0:,} ({row.get('meta_tokens') or 0:,})"
        row["timespan"] = f"{_time(row.get('time_min'))} – {_time(row.get('time_max'))}"
    config_rows = [{"config": c["name"], **{s: sizes["rows"] for s, (_, sizes) in c["splits"].items()}}
                   for c in configs]
    inputs = [{"build": b["build_id"], "input": p, "sha256": f"`{e['sha256']}`", "rows": e["rows"]}
              for b in prov["builds"] for p, e in sorted(b["inputs"].items())]
    builds = [{"build": b["build_id"], "code version": b.get("code_version"),
               "categories": ", ".join(c for c, used in sorted(prov["categories"].items()) if used == b["build_id"]),
               "written": max(v for v in b["steps"].values() if v)} for b in prov["builds"]]
    sections = [
        "# Amazon Reviews 2023 (rebuilt) and the BLAIR benchmark files", "",
        "Reviews and item metadata per category, and the benchmark splits of the BLAIR paper, rebuilt by this "
        "project's pipeline. Load one config with `datasets.load_dataset(\"<this folder>\", \"<config>\")`, "
        "e.g. `5core_timestamp_w_his_All_Beauty`.", "",
        "## Configs", "",
        _md_table(config_rows, [("config", "config"), (FULL, FULL), ("train", "train"),
                                ("validation", "validation"), ("test", "test")]), "",
        "## Statistics (Table 1)", "",
        "Tokens are cl100k_base tokens, with the whitespace-separated count in brackets; reviews count "
        "title + text, items title + features + description.", "",
        _md_table(table1, [("category", "category"), ("users", "users"), ("items", "items"), ("reviews", "reviews"),
                           ("tokens_review", "review tokens"), ("tokens_meta", "meta tokens"),
                           ("timespan", "timespan")]), "",
        "## Benchmark datasets (Table 3)", "",
        _md_table(table3, [("task", "task"), ("dataset", "dataset"), ("items", "items"), ("train", "train"),
                           ("valid", "valid"), ("test", "test"), ("queries", "queries"),
                           ("items_per_user", "avg items / user"), ("meta_chars", "avg meta chars"),
                           ("query_chars", "avg query chars")]) if table3 else "_no task inputs_", "",
        "## Provenance", "",
        f"Released {prov['released_at']} by code version `{prov['code_version']}`. Timestamp split cut-offs "
        f"t1 = {prov['t1']}, t2 = {prov['t2']} (Unix ms): `ts < t1` train, `t1 ≤ ts < t2` validation, "
        "`ts ≥ t2` test.", "",
        _md_table(builds, [("build", "build"), ("code version", "code version"), ("categories", "categories"),
                           ("written", "written")]), "",
        "Inputs:", "",
        _md_table(inputs, [("build", "build"), ("input", "file"), ("rows", "rows"), ("sha256", "sha256")]), "",
        "## Changes since the previous build", "",
        changes or "_no earlier build to compare with_", "",
        "## Terms", "", TERMS, "",
    ]
    return "---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True) + "---\n\n" + "\n".join(sections)


def release(root: str | Path, out: str | Path, categories: list[str] | None = None,
            settings: LakeSettings = LakeSettings()) -> dict:
    """Write the release folder `out` (replacing an earlier release there); returns a summary."""
    root, out = Path(root), Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir()) and not (out / PROVENANCE).is_file()):
        raise ValueError(f"{out} exists and is not a release folder: refusing to replace it")
    lake = versions.current_dir(root) or root  # one version throughout, whatever a build publishes meanwhile
    categories = categories or layout.categories_in(layout.silver(lake, "reviews"))
    if not categories:
        raise ValueError(f"{root}: the lake holds no category to release")
    table1 = stats.read_stats(lake)
    table1 = [r for r in (table1.to_pylist() if table1 is not None else [])
              if r["category"] in categories or r["category"] == stats.ALL]
    table3 = stats.compute_benchmark_stats(lake).to_pylist()
    try:
        changes = build_diff.diff(root)
    except ValueError:
        changes = None
    prov = provenance(root, settings)
    with atomic_path(out) as tmp:
        tmp.mkdir(parents=True)
        configs = []
        for category in categories:
            for config in _configs(lake, tmp, category, settings):
                config["out"] = tmp
                configs.append(config)
        infos = [_dataset_info(c) for c in configs]
        (tmp / "README.md").write_text(card(configs, infos, table1, table3, prov,
                                            build_diff.to_markdown(changes) if changes else None), encoding="utf-8")
        (tmp / PROVENANCE).write_text(json.dumps(prov, indent=1, sort_keys=True))
        if changes:
            (tmp / "changes.json").write_text(json.dumps(changes, indent=1, sort_keys=True))
    return {"out": str(out), "configs": {c["name"]: {s: sizes["rows"] for s, (_, sizes) in c["splits"].items()}
                                         for c in configs}, "diff": changes}
