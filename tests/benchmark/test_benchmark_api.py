"""The OpenAI-compatible client against a real HTTP server on 127.0.0.1 started here."""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from benchmark.encoders.api import APIEncoder, APISettings, EmbeddingAPIError

KEY = "sk-test-4f1c9a7e-secret"
DIM = 8


def vector_for(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [b / 255.0 + 0.01 for b in digest[:DIM]]


class Server:
    def __init__(self):
        self.requests: list[dict] = []
        self.flaky_left = 1
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                if self.headers.get("Authorization") != f"Bearer {KEY}":
                    return self.reply(401, {"error": {"message": "invalid api key"}})
                texts = body["input"]
                if any("FAIL" in t for t in texts):
                    return self.reply(500, {"error": "boom"})
                if any("FLAKY" in t for t in texts) and outer.flaky_left:
                    outer.flaky_left -= 1
                    return self.reply(429, {"error": "slow down"})
                data = [{"object": "embedding", "index": i, "embedding": vector_for(t)} for i, t in enumerate(texts)]
                return self.reply(200, {"object": "list", "data": data[::-1], "model": body["model"]})

            def reply(self, status, payload):
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join()


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("TEST_EMBEDDINGS_KEY", KEY)
    srv = Server()
    yield srv
    srv.close()


def encoder(server, **kw) -> APIEncoder:
    settings = APISettings(model="test-embed", base_url=server.url, api_key_env="TEST_EMBEDDINGS_KEY",
                           batch_size=4, backoff_s=0.01, requests_per_minute=60_000, **kw)
    return APIEncoder(settings)


def test_batches_in_order_and_normalised(server):
    texts = [f"product number {i}" for i in range(10)]
    vectors = encoder(server).encode(texts)
    assert len(server.requests) == 3  # 4 + 4 + 2
    assert [len(r["body"]["input"]) for r in server.requests] == [4, 4, 2]
    assert server.requests[0]["path"] == "/v1/embeddings" and server.requests[0]["body"]["model"] == "test-embed"
    expected = np.array([vector_for(t) for t in texts], dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(vectors, expected, atol=1e-6)


def test_retries_a_rate_limited_batch(server):
    vectors = encoder(server).encode(["a", "FLAKY b", "c"])
    assert vectors.shape == (3, DIM)
    assert len(server.requests) == 2 and server.flaky_left == 0


def test_failed_batch_raises_naming_it_and_never_leaks_the_key(server, caplog):
    caplog.set_level(logging.DEBUG)
    enc = encoder(server, max_retries=2)
    texts = ["ok 1", "ok 2", "ok 3", "ok 4", "ok 5", "FAIL here", "ok 7"]
    with pytest.raises(EmbeddingAPIError) as info:
        enc.encode(texts)
    message = str(info.value)
    assert "batch 1" in message and "ok 5" in message
    assert len(server.requests) == 1 + 2  # batch 0 once, batch 1 tried twice
    assert KEY not in message and KEY not in caplog.text
    assert KEY not in json.dumps(enc.describe()) and KEY not in repr(enc.settings)


def test_wrong_key_is_an_error_not_zero_vectors(server, monkeypatch):
    monkeypatch.setenv("TEST_EMBEDDINGS_KEY", "wrong")
    with pytest.raises(EmbeddingAPIError, match="HTTP 401"):
        encoder(server).encode(["anything"])


def test_rate_limit_spaces_requests(server):
    enc = APIEncoder(APISettings(model="m", base_url=server.url, api_key_env="TEST_EMBEDDINGS_KEY", batch_size=1,
                                 requests_per_minute=600))  # one request per 0.1 s
    started = time.monotonic()
    enc.encode(["a", "b", "c", "d"])
    assert time.monotonic() - started >= 0.3
    assert enc.dim == DIM


def test_unreachable_endpoint_is_an_error_naming_the_batch(server):
    url = server.url
    server.close()  # nothing listens on the port any more
    enc = APIEncoder(APISettings(model="m", base_url=url, api_key_env="TEST_EMBEDDINGS_KEY", max_retries=2,
                                 backoff_s=0.01, requests_per_minute=60_000))
    with pytest.raises(EmbeddingAPIError, match=r"batch 0 .*failed after 2 tries: ConnectError"):
        enc.encode(["lonely text"])
