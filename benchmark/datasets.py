"""Resolve a dataset SPEC to a (name, task frames) pair.

A SPEC is one of:
- a lake dataset name: `<root>/gold/tasks/<task>/<name>/` (docs/CONTRACTS.md §5);
- a folder holding task Parquet files (`items.parquet`, ...) directly;
- a RecBole atomic-file folder (`<name>.inter`, `<name>.item`), read by `warehouse.loaders.recbole`;
- `<loader>:<source>`: any loader of `warehouse.loaders.LOADERS` (e.g. `esci:path/to/esci`;
  a loader that links items to a lake, as esci does, links them to the lake at `root`).

A search set whose item pool holds an item with neither a title nor a full text is refused:
ranking empty texts gives a meaningless score (ESCI without its product texts did, silently).
"""
from __future__ import annotations

import inspect
from pathlib import Path

import pandas as pd

from warehouse.tasks import FILES, read_task, task_dir


class UnknownDataset(LookupError):
    pass


def _read_folder(folder: Path, task: str) -> dict[str, pd.DataFrame]:
    missing = [n for n in FILES[task] if not (folder / f"{n}.parquet").exists()]
    if missing:
        raise UnknownDataset(f"{folder}: not a {task} task folder (missing {missing})")
    return {name: pd.read_parquet(folder / f"{name}.parquet") for name in FILES[task]}


def _name(text: str) -> str:
    from warehouse.loaders.recbole import dataset_name

    return dataset_name(text)


def _check_texts(name: str, items: pd.DataFrame) -> None:
    empty = items["title"].fillna("").str.strip().eq("") & items["text_full"].fillna("").str.strip().eq("")
    if empty.any():
        example = items["item_id"][empty].iloc[0]
        raise UnknownDataset(f"{name}: {int(empty.sum())} of {len(items)} pool items have no text (e.g. {example}); "
                             "link them to their metadata first (esci: a lake with the 2023 metadata, --lake-root)")


def resolve(spec: str, task: str, root: str | Path) -> tuple[str, dict[str, pd.DataFrame]]:
    """Find and read the dataset named by `spec` for `task`; returns (dataset name, frames)."""
    name, frames = _resolve(spec, task, root)
    if task == "search":
        _check_texts(name, frames["items"])
    return name, frames


def _resolve(spec: str, task: str, root: str | Path) -> tuple[str, dict[str, pd.DataFrame]]:
    path = Path(spec)
    if path.is_dir():
        if (path / "items.parquet").exists():
            return _name(path.name), _read_folder(path, task)
        if any(path.glob("*.inter")):
            from warehouse.loaders.recbole import find_atomic, load_recbole

            if task == "search":
                raise UnknownDataset(f"{path}: RecBole files hold interactions, not a search set")
            return _name(find_atomic(path, None)), load_recbole(path, task=task)
        raise UnknownDataset(f"{path}: neither task Parquet files nor RecBole atomic files")
    loader_name, sep, source = spec.partition(":")
    if sep and loader_name and not path.exists():
        from warehouse.loaders import LOADERS
        from warehouse.loaders.lake_items import has_meta

        if loader_name not in LOADERS:
            raise UnknownDataset(f"no loader {loader_name!r}; known: {sorted(LOADERS)}")
        loader = LOADERS[loader_name]
        parameters = inspect.signature(loader).parameters
        kwargs = {"task": task} if "task" in parameters else {}
        if "lake_root" in parameters and has_meta(root):
            kwargs["lake_root"] = root
        frames = loader(source, **kwargs)
        missing = [n for n in FILES[task] if n not in frames]
        if missing:
            raise UnknownDataset(f"loader {loader_name!r} gives no {task} task (missing {missing})")
        default = parameters["dataset"].default if "dataset" in parameters else None
        return (default if isinstance(default, str) else _name(Path(source).stem)), frames
    try:
        lake = task_dir(root, task, spec)
    except ValueError as exc:
        raise UnknownDataset(f"{spec!r}: not a folder, a loader spec or a dataset name ({exc})") from None
    if lake.is_dir():
        return spec, read_task(root, task, spec)
    raise UnknownDataset(f"{spec!r}: no folder {spec}, and no lake dataset at {lake}")
