"""POST JSON to an OpenAI-compatible endpoint with the retries both API clients share.

Requests are spaced to a requests-per-minute limit (shared by every thread using the endpoint);
a transport error, 429 or 5xx is retried with exponential backoff (tenacity, at most 60 s), and a
Retry-After header in seconds sets the wait instead (capped). The key is read from the environment
variable *named* by a setting, sent only in the Authorization header, and scrubbed from any text
that leaves here. Used by `benchmark.encoders.api` (embeddings) and `benchmark.synthesis.llm` (chat).
"""
from __future__ import annotations

import logging
import os
import threading
import time

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

log = logging.getLogger(__name__)

RETRY_AFTER_CAP_S = 120.0  # a server asking for longer than this is waited on for this long


class RetriesSpent(Exception):
    """Every try failed; the message is the last error's type and text, with the key scrubbed."""


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return min(RETRY_AFTER_CAP_S, max(0.0, float(value))) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to the exponential wait


class Endpoint:
    """One OpenAI-compatible base URL: `post(path, body)` returns the first response that is not a
    429 or 5xx, or raises `RetriesSpent` after `max_retries` tries."""

    def __init__(self, name: str, base_url: str, api_key_env: str, *, requests_per_minute: float,
                 max_retries: int, backoff_s: float, timeout_s: float, client: httpx.Client | None = None):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.api_key_env = api_key_env  # the variable's name, never its value
        self.requests_per_minute = requests_per_minute
        self.max_retries = max_retries
        self._backoff = wait_exponential(multiplier=backoff_s, max=60)
        self._client = client or httpx.Client(timeout=timeout_s)
        self._lock = threading.Lock()
        self._next_request = 0.0

    def key(self) -> str | None:
        return os.environ.get(self.api_key_env) or None

    def scrub(self, text: str) -> str:
        key = self.key()
        return text.replace(key, "***") if key else text

    def _space_requests(self) -> None:
        with self._lock:
            now = time.monotonic()
            wait = max(0.0, self._next_request - now)
            self._next_request = max(now, self._next_request) + 60.0 / self.requests_per_minute
        if wait:
            time.sleep(wait)

    def _wait(self, state) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return exc.retry_after
        return self._backoff(state)

    def _post_once(self, path: str, body: dict) -> httpx.Response:
        self._space_requests()
        key = self.key()
        response = self._client.post(self.base_url + path, json=body,
                                     headers={"Authorization": f"Bearer {key}"} if key else {})
        if response.status_code == 429 or response.status_code >= 500:
            log.info("%s: HTTP %d, retrying", self.name, response.status_code)
            raise _Retryable(f"HTTP {response.status_code}", _retry_after(response))
        return response

    def post(self, path: str, body: dict) -> httpx.Response:
        try:
            for attempt in Retrying(stop=stop_after_attempt(self.max_retries), wait=self._wait, reraise=True,
                                    retry=retry_if_exception_type((_Retryable, httpx.TransportError))):
                with attempt:
                    response = self._post_once(path, body)
        except (_Retryable, httpx.TransportError) as exc:
            raise RetriesSpent(f"{type(exc).__name__}: {self.scrub(str(exc))}") from None
        return response
