"""Every LLM answer, stored the moment it arrives, under (review id, model, prompt hash, settings).

SQLite in WAL mode, one commit per answer: a run killed at any point loses at most the answer
in flight, and a re-run (or a run with a larger N) asks only for what is not stored yet.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path

from benchmark.synthesis.llm import Answer


def answer_key(review_id: str, model: str, prompt_hash: str, settings: dict) -> str:
    blob = json.dumps([review_id, model, prompt_hash, settings], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class AnswerCache:
    def __init__(self, path: str | Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, review_id TEXT, text TEXT, "
                         "prompt_tokens INTEGER, completion_tokens INTEGER, error TEXT)")
        self._lock = threading.Lock()

    def get(self, key: str) -> Answer | None:
        with self._lock:
            row = self._db.execute("SELECT text, prompt_tokens, completion_tokens, error FROM answers WHERE key = ?",
                                   (key,)).fetchone()
        return None if row is None else Answer(*row)

    def put(self, key: str, review_id: str, answer: Answer) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                             (key, review_id, answer.text, answer.prompt_tokens, answer.completion_tokens, answer.error))

    def close(self) -> None:
        self._db.close()
