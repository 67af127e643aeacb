"""Loaders for outside datasets in their original formats → the task inputs of CONTRACTS §5.

Each `load_<name>(source_path, root=None, ...)` returns a dict of DataFrames (the task's
frames plus `quarantine`: the source lines it could not use, with a reason) and, when `root`
is given, writes the task with `warehouse.tasks.write_task`.
"""
from __future__ import annotations

from warehouse.loaders.recbole import load_recbole

LOADERS = {
    "recbole": load_recbole,
}

__all__ = ["LOADERS", *(f"load_{name}" for name in LOADERS)]
