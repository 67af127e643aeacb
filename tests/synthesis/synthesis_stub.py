"""A local chat-completions stub (127.0.0.1, port 0) with scripted answers, for the synthesis tests."""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from synthesis_lake import review_text

GOOD = "I want something dependable that I can use every day without worrying about it wearing out"
SCRIPT = {  # review marker → (answer, expected quarantine reason or None)
    0: (GOOD + " at home.", None),
    1: ("As an AI language model, I cannot help with rephrasing this review.", "refusal or meta-talk"),
    2: (f"{review_text(2)}", "copy of the review"),
    3: ("I need a Botanica Lab Unscented Body Lotion for Sensitive Skin that lasts.", "names the product"),
    4: (GOOD + " on long hikes.", None),       # first asked: 429 with Retry-After: 1
    5: (GOOD + " when camping outside.", None),  # first asked: 500
    6: ("Sure, here is the rephrased output: I want a bottle that keeps my drinks cold.", "refusal or meta-talk"),
    7: ("", "empty or too short"),
    8: ("Looking for a shampoo from Lunaria that keeps my dry hair soft all week long.", "names the product"),
    9: ("Too short.", "empty or too short"),
}
FIRST_FAILS = {4: (429, {"Retry-After": "1"}), 5: (500, {})}


class Stub:
    """A chat-completions endpoint: answers from SCRIPT, fails first asks as FIRST_FAILS says, and can hang."""

    def __init__(self, hang_on_request: int | None = None):
        self.log: list[dict] = []  # one entry per request: marker, status, time, auth, content
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.hang_on_request = hang_on_request
        self.hanging = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                content = body["messages"][0]["content"]
                marker = int(re.search(r"ZQ(\d+)", content).group(1))
                with stub.lock:
                    number = len(stub.log) + 1
                    seen = sum(1 for e in stub.log if e["marker"] == marker)
                    entry = {"marker": marker, "time": time.monotonic(), "auth": self.headers.get("Authorization"),
                             "content": content, "path": self.path, "model": body.get("model"), "status": None}
                    stub.log.append(entry)
                if number == stub.hang_on_request:
                    stub.hanging.set()
                    stub.release.wait(30)
                    entry["status"] = "abandoned"
                    return self._send(503, {"error": "gone"})
                if marker in FIRST_FAILS and seen == 0:
                    status, headers = FIRST_FAILS[marker]
                    entry["status"] = status
                    return self._send(status, {"error": {"message": "try later"}}, headers)
                entry["status"] = 200
                self._send(200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": SCRIPT[marker][0]}}],
                                 "usage": {"prompt_tokens": 100 + marker, "completion_tokens": 20}})

            def _send(self, status, payload, headers=None):
                data = json.dumps(payload).encode()
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answered(self) -> list[int]:
        return [e["marker"] for e in self.log if e["status"] == 200]

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


