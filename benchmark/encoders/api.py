"""An OpenAI-compatible embeddings client (POST <base_url>/embeddings) over httpx.

Texts go in batches; a batch that fails with a transport error, 429 or 5xx is retried with
exponential backoff, or as long as a Retry-After header says, and requests are spaced to respect
a rate limit (`benchmark.http_retry`, shared with the synthesis chat client). A batch that
still fails raises `EmbeddingAPIError` naming the batch and its first texts: it never turns
into zero vectors. The API key is read from an environment variable whose *name* is a
setting; the key itself is never logged, put in an error, or written into a result.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import httpx
import numpy as np

from benchmark.encoders.base import DOCUMENT_TEMPLATE, Encoder, Kind, l2_normalise, settings_hash
from benchmark.protocol import QUERY_INSTRUCTION, QUERY_TEMPLATE
from benchmark.http_retry import Endpoint, RetriesSpent


class EmbeddingAPIError(RuntimeError):
    """A batch could not be embedded; the message names the batch and its texts."""


@dataclass(frozen=True)
class APISettings:
    model: str
    base_url: str = "https://api.openai.com/v1"
    api_key_env: str = "OPENAI_API_KEY"  # the variable's name, never its value
    dimensions: int | None = None  # Matryoshka API models accept a width
    matryoshka: bool | None = None  # a prefix of the vector is an embedding (default: when dimensions is set)
    batch_size: int = 128
    max_retries: int = 5
    backoff_s: float = 1.0  # first retry wait; doubles each time, at most 60 s
    requests_per_minute: float = 300.0
    timeout_s: float = 60.0
    normalise: bool = True
    query_instruction: bool = False
    instruction: str = QUERY_INSTRUCTION
    query_template: str = QUERY_TEMPLATE
    document_template: str = DOCUMENT_TEMPLATE


class APIEncoder(Encoder):
    def __init__(self, settings: APISettings, name: str | None = None, client: httpx.Client | None = None):
        self.settings = settings
        self.name = name or f"api:{settings.model}"
        self.query_instruction = settings.query_instruction
        self.instruction, self.query_template = settings.instruction, settings.query_template
        self.document_template = settings.document_template
        self.matryoshka = settings.dimensions is not None if settings.matryoshka is None else settings.matryoshka
        # The revision names the model, endpoint and prompts, not the key.
        named = ("model", "base_url", "dimensions", "normalise")
        if settings.document_template != DOCUMENT_TEMPLATE:
            named += ("document_template",)
        if settings.query_instruction:  # (left out when off, as vectors stored before it were made)
            named += ("query_instruction", "instruction", "query_template")
        self.revision = settings_hash({k: v for k, v in asdict(settings).items() if k in named})
        self._endpoint = Endpoint(self.name, settings.base_url, settings.api_key_env,
                                  requests_per_minute=settings.requests_per_minute, max_retries=settings.max_retries,
                                  backoff_s=settings.backoff_s, timeout_s=settings.timeout_s, client=client)
        self._dim = settings.dimensions

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = self._embed_batch(["dimension probe"], 0).shape[1]
        return self._dim

    def _embed_batch(self, texts: list[str], number: int) -> np.ndarray:
        what = f"batch {number} ({len(texts)} texts, first {texts[0][:60]!r})"
        body = {"model": self.settings.model, "input": texts}
        if self.settings.dimensions:
            body["dimensions"] = self.settings.dimensions
        try:
            response = self._endpoint.post("/embeddings", body)
        except RetriesSpent as exc:
            raise EmbeddingAPIError(f"{self.name}: {what} failed after {self.settings.max_retries} tries: {exc}") from None
        if response.status_code != 200:
            # The body may echo the request, never the key: the key is only in a header.
            raise EmbeddingAPIError(f"{self.name}: {what} failed: HTTP {response.status_code}: "
                                    f"{self._endpoint.scrub(response.text[:200])}")
        try:
            data = sorted(response.json()["data"], key=lambda d: d["index"])
            vectors = np.asarray([d["embedding"] for d in data], dtype=np.float32)
        except (ValueError, KeyError, TypeError) as exc:
            raise EmbeddingAPIError(f"{self.name}: {what}: malformed response ({exc})") from None
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise EmbeddingAPIError(f"{self.name}: {what}: got {len(vectors)} vectors for {len(texts)} texts")
        return vectors

    def _encode(self, texts: list[str], kind: Kind, batch_size: int | None) -> np.ndarray:
        size = batch_size or self.settings.batch_size
        parts = [self._embed_batch(texts[i:i + size], n) for n, i in enumerate(range(0, len(texts), size))]
        vectors = np.concatenate(parts)
        if self._dim is None:
            self._dim = vectors.shape[1]
        return l2_normalise(vectors) if self.settings.normalise else vectors
