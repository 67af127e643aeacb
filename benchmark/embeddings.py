"""The embeddings store: one Parquet file per (encoder, dataset), keyed by item id and text hash.

`<root>/embeddings/encoder=<name>/dataset=<ds>/part-0.parquet` with `item_id`, `text_sha1`,
`vector` list<float32> (docs/CONTRACTS.md §6); `text_sha1` hashes what was encoded (the item
id for id-keyed baselines such as random vectors). The encoder's revision sits in the file's
key-value metadata: a different revision invalidates every stored vector. A re-run encodes
only items whose text is new or changed. The store is filed under the encoder's item identity
(`Encoder.item_identity`): encoders that differ only in the query instruction share it. A store
written before that, under the instructed encoder's own name and revision, is still read once
and rewritten under the shared identity.

Encoding is resumable: missing texts are encoded in shards of `SHARD_ROWS`, each written as soon
as it is done to `.shards-<revision>/` beside the store file (keyed by text hash); a killed job
finds them on its next run and encodes only the rest. With `workers` > 1 (or several visible
GPUs) the shards are spread over one process per device (`benchmark.encoders.parallel`).
"""
from __future__ import annotations

import functools
import hashlib
import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from benchmark.encoders.base import Encoder
from parsing.atomic import write_parquet
from warehouse import layout

log = logging.getLogger(__name__)
REVISION_KEY = b"blair.encoder_revision"
SHARD_ROWS = 4096  # texts per resumable shard: small enough to lose little to a kill, large enough to batch well


def path_name(name: str) -> str:
    """An encoder or dataset name as a single safe path segment (`hf:org/model` → `hf_org_model`)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._")
    if not safe:
        raise ValueError(f"cannot make a path segment from {name!r}")
    return safe


def store_path(root: str | Path, encoder: str, dataset: str) -> Path:
    return layout.embeddings(root) / f"encoder={path_name(encoder)}" / f"dataset={path_name(dataset)}" / "part-0.parquet"


def text_sha1(text: str) -> str:
    return hashlib.sha1(str(text).encode("utf-8")).hexdigest()


@dataclass
class EmbedStats:
    items: int
    encoded: int
    reused: int
    path: Path
    resumed: int = 0  # vectors taken from shards a killed run had finished


def _read_store(path: Path, revision: str) -> pd.DataFrame | None:
    if not path.exists():
        return None
    table = pq.read_table(path)
    stored = (table.schema.metadata or {}).get(REVISION_KEY, b"").decode()
    if stored != revision:
        log.info("%s: encoder revision %s ≠ stored %s; re-encoding everything", path, revision, stored)
        return None
    return table.to_pandas()


def shard_dir(path: Path, revision: str) -> Path:
    return path.parent / f".shards-{path_name(revision)}"


def _write_shard(folder: Path, shard: tuple[str, list[str]], vectors: np.ndarray) -> None:
    """Write one finished shard ((name, text hashes), vectors) atomically."""
    name, hashes = shard
    table = pa.table({"text_sha1": pa.array(hashes, pa.string()),
                      "vector": pa.array(list(vectors.astype(np.float32)), pa.list_(pa.float32()))})
    write_parquet(table, folder / f"{name}.parquet")


def _read_shards(folder: Path) -> dict[str, np.ndarray]:
    """text hash → vector from every finished shard (atomic writes: a file present is whole)."""
    found = {}
    for path in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
        table = pq.read_table(path)
        vectors = table["vector"].combine_chunks().flatten().to_numpy().reshape(table.num_rows, -1)
        found.update(zip(table["text_sha1"].to_pylist(), vectors))
    return found


def _shard_hashes(folder: Path) -> set[str]:
    """The text hashes finished shards hold (their hash column only)."""
    return {h for path in (folder.glob("*.parquet") if folder.is_dir() else [])
            for h in pq.read_table(path, columns=["text_sha1"])["text_sha1"].to_pylist()}


def _encode_missing(encoder: Encoder, todo: dict[str, str], folder: Path, batch_size: int | None,
                    workers: int | None, encoder_factory: Callable[..., Encoder] | None
                    ) -> tuple[dict[str, np.ndarray], set[str]]:
    """Encode `todo` (text hash → text) shard by shard into `folder`.

    Returns every vector found there and the hashes encoded by this call (the rest came from
    shards a killed run had finished).
    """
    from benchmark.encoders.parallel import encode_shards, visible_devices

    pending = sorted(set(todo) - _shard_hashes(folder))
    if len(pending) < len(todo):
        log.info("%s: %d vectors from finished shards, %d texts left", folder, len(todo) - len(pending), len(pending))
    shards = [((f"shard-{chunk[0]}", chunk), [todo[h] for h in chunk])
              for chunk in (pending[i:i + SHARD_ROWS] for i in range(0, len(pending), SHARD_ROWS))]
    write = functools.partial(_write_shard, folder)
    devices = visible_devices(workers) if encoder_factory is not None else []
    if len(devices) > 1 and len(shards) > 1:
        encode_shards(encoder_factory, shards, write, devices)
    else:
        for shard, texts in shards:
            write(shard, encoder.encode(texts, kind="item", batch_size=batch_size))
    return _read_shards(folder), set(pending)


def embed_items(encoder: Encoder, items: pd.DataFrame, root: str | Path, dataset: str,
                text_column: str = "title", batch_size: int | None = None, workers: int | None = None,
                encoder_factory: Callable[..., Encoder] | None = None) -> tuple[np.ndarray, EmbedStats]:
    """Vectors [len(items), dim] in `items` row order, using and refreshing the store.

    `dataset` names the store folder; callers that embed a non-default text column add it to
    the name. Rows of items not in `items` stay in the store (the task sets of one dataset
    share it); an item whose text changed is re-encoded and replaced. `encoder_factory(device=...)`
    builds the same encoder in a worker process: with it, missing texts are spread over
    `workers` processes (default: one per visible GPU; on CPU 1, i.e. this process).
    """
    ids = items["item_id"].astype(str).tolist()
    texts = items[text_column].fillna("").astype(str).tolist()
    keys = ids if encoder.keyed_by_id else texts
    hashes = [text_sha1(k) for k in keys]
    name, revision = encoder.item_identity()
    path = store_path(root, name, dataset)
    stored = _read_store(path, revision)
    if stored is None and name != encoder.name:  # vectors filed under the instructed name before
        stored = _read_store(store_path(root, encoder.name, dataset), encoder.revision)
    cached: dict[tuple[str, str], np.ndarray] = {}
    if stored is not None:
        cached = {(i, h): v for i, h, v in zip(stored["item_id"], stored["text_sha1"], stored["vector"])}
    missing = [row for row, key in enumerate(zip(ids, hashes)) if key not in cached]
    vectors = np.empty((len(ids), encoder.dim), dtype=np.float32)
    shards = shard_dir(path, revision)
    resumed = 0
    if missing:
        found, fresh = _encode_missing(encoder, {hashes[r]: keys[r] for r in missing}, shards, batch_size, workers,
                                       encoder_factory)
        vectors[missing] = np.stack([found[hashes[r]] for r in missing])
        resumed = sum(hashes[r] not in fresh for r in missing)
    for row, key in enumerate(zip(ids, hashes)):
        if key in cached:
            vectors[row] = np.asarray(cached[key], dtype=np.float32)
    if missing or stored is None or not path.exists():
        # Keep stored rows of other items: seqrec, cf and search sets of one dataset share a store.
        keep = stored[~stored["item_id"].isin(set(ids))] if stored is not None else None
        out_ids, out_hashes, out_vectors = list(ids), list(hashes), list(vectors)
        if keep is not None and len(keep):
            out_ids += keep["item_id"].tolist()
            out_hashes += keep["text_sha1"].tolist()
            out_vectors += [np.asarray(v, dtype=np.float32) for v in keep["vector"]]
        order = np.argsort(np.asarray(out_ids, dtype=object), kind="stable")
        table = pa.table({
            "item_id": pa.array([out_ids[i] for i in order], pa.string()),
            "text_sha1": pa.array([out_hashes[i] for i in order], pa.string()),
            "vector": pa.array([out_vectors[i] for i in order], pa.list_(pa.float32())),
        }).replace_schema_metadata({REVISION_KEY: revision.encode()})
        write_parquet(table, path)
    shutil.rmtree(shards, ignore_errors=True)  # everything is in the store file now
    stats = EmbedStats(items=len(ids), encoded=len(missing) - resumed, reused=len(ids) - len(missing), path=path,
                       resumed=resumed)
    log.info("%s on %s: %d items, %d encoded, %d from the store, %d from a killed run's shards", name,
             dataset, stats.items, stats.encoded, stats.reused, stats.resumed)
    return vectors, stats


def load_embeddings(root: str | Path, encoder: str, dataset: str) -> pd.DataFrame:
    """The stored (item_id, text_sha1, vector) rows, e.g. for DuckDB or a notebook."""
    return pq.read_table(store_path(root, encoder, dataset)).to_pandas()
