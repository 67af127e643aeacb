"""The one encoder interface: frozen text → float32 vectors, for items and for queries.

DESIGN §5: pooling, the query instruction, normalisation and max length are per-encoder
settings. `revision` is the cache key of stored embeddings: it changes whenever the weights
or any setting that changes an item vector changes.
"""
from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Literal

import numpy as np

from benchmark.protocol import QUERY_INSTRUCTION, QUERY_TEMPLATE

Kind = Literal["item", "query"]
KINDS = ("item", "query")

DOCUMENT_TEMPLATE = "{text}"  # a document (item) as it is, unless a model's card asks for a marker


def with_instruction(queries: Sequence[str], instruction: str = QUERY_INSTRUCTION,
                     template: str = QUERY_TEMPLATE) -> list[str]:
    """Write each query with the instruction in `template` (items never get the instruction)."""
    return [template.format(instruction=instruction, query=q) for q in queries]


def settings_hash(*parts) -> str:
    """A short, stable hash of JSON-able settings: part of an encoder's revision."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha1(blob).hexdigest()[:12]


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero rather than becoming NaN)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


class Encoder(ABC):
    """A frozen text encoder.

    Attributes every encoder sets: `name` (what results and paths call it), `revision` (the
    cache key), `dim` (output width), `query_instruction` (whether queries get `instruction`
    written in `query_template`; without it a query is written like a document, in
    `document_template`), `matryoshka` (whether a prefix of the vector is itself an embedding, so the
    adaptor may truncate instead of PCA) and `keyed_by_id` (vectors depend on the item id, not
    its text: the random baseline). `items_as` (name, revision), when set, files the item vectors
    under another encoder's identity: the registry sets it for an encoder that differs from its
    preset only in the query instruction, which never reaches an item.
    """

    name: str
    revision: str
    dim: int
    query_instruction: bool = False
    instruction: str = QUERY_INSTRUCTION
    query_template: str = QUERY_TEMPLATE
    document_template: str = DOCUMENT_TEMPLATE
    matryoshka: bool = False
    keyed_by_id: bool = False
    items_as: tuple[str, str] | None = None

    def load(self) -> None:
        """Load what encoding needs now rather than on the first encode (weights, tokenizer); default: nothing."""

    def item_identity(self) -> tuple[str, str]:
        """(name, revision) the item vectors are stored under (`items_as`, else the encoder's own)."""
        return self.items_as or (self.name, self.revision)

    def encode(self, texts: Sequence[str], kind: Kind = "item", batch_size: int | None = None) -> np.ndarray:
        """Encode `texts` as `kind` into a float32 array [len(texts), dim], in input order."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        texts = self.prompt([str(t) for t in texts], kind)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.asarray(self._encode(texts, kind, batch_size), dtype=np.float32)
        if out.shape != (len(texts), self.dim):
            raise RuntimeError(f"{self.name}: expected shape {(len(texts), self.dim)}, got {out.shape}")
        if not np.isfinite(out).all():
            raise RuntimeError(f"{self.name}: non-finite values in {int((~np.isfinite(out)).any(1).sum())} vectors")
        return out

    def prompt(self, texts: list[str], kind: Kind) -> list[str]:
        """The texts as the encoder sees them: queries with the instruction when it is on."""
        if kind == "query" and self.query_instruction:
            return with_instruction(texts, self.instruction, self.query_template)
        if self.document_template == DOCUMENT_TEMPLATE:
            return texts
        return [self.document_template.format(text=t) for t in texts]

    def prompt_prefix(self, kind: Kind) -> str:
        """What `prompt` puts before every text of `kind` (GritLM pools without it)."""
        marker = "\x00"
        return self.prompt([marker], kind)[0].split(marker)[0]

    @abstractmethod
    def _encode(self, texts: list[str], kind: Kind, batch_size: int | None) -> np.ndarray:
        """Encode already-prefixed texts."""

    def describe(self) -> dict:
        """The settings that go into a result file (never a secret)."""
        described = {"name": self.name, "revision": self.revision, "dim": self.dim,
                     "query_instruction": self.query_instruction, "matryoshka": self.matryoshka}
        if self.query_instruction:
            described |= {"instruction": self.instruction, "query_template": self.query_template}
        if self.document_template != DOCUMENT_TEMPLATE:
            described["document_template"] = self.document_template
        return described
