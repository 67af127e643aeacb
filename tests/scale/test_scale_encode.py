"""Encoding that scales: token-budget batches, resumable shards after a kill, two worker processes."""
from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmark import embeddings
from benchmark.embeddings import embed_items, shard_dir, store_path

pytestmark = [pytest.mark.model, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
WORDS = "wireless steel organic running yoga chef green tea mat shoes knife kettle lamp desk cable".split()


def titles(n: int) -> list[str]:
    """Deterministic product-like titles of 2 to 40 words (lengths vary, as real titles do)."""
    return [" ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(2 + (i * 13) % 39)) + f" {i}"
            for i in range(n)]


def items(n: int) -> pd.DataFrame:
    return pd.DataFrame({"item_id": [f"I{i:05d}" for i in range(n)], "title": titles(n)})


@pytest.fixture(scope="module")
def minilm():
    from benchmark.encoders import get_encoder

    return get_encoder("minilm", device="cpu", progress=False)


def test_batches_respect_the_token_budget_and_vectors_do_not_depend_on_it(minilm):
    texts = titles(120)
    sizes = [(len(pos), inputs["input_ids"].shape[1]) for pos, inputs in minilm.batches(texts, 64, token_budget=600)]
    assert sum(rows for rows, _ in sizes) == len(texts)
    assert all(rows * width <= 600 or rows == 1 for rows, width in sizes)
    # Longest first; each batch as many rows as the budget allows at its width (the last takes the rest).
    assert [w for _, w in sizes] == sorted((w for _, w in sizes), reverse=True) and sizes[-1][1] < sizes[0][1]
    assert all(rows == min(64, 600 // width) for rows, width in sizes[:-1])
    default = minilm.encode(texts)
    small = np.concatenate([minilm.forward(inputs).numpy()[np.argsort(pos)]
                            for pos, inputs in minilm.batches(texts, 64, sort=False, token_budget=300)])
    np.testing.assert_allclose(small, default, atol=2e-5)


KILLABLE = """
import sys
from benchmark import embeddings
from benchmark.encoders import get_encoder
import pandas as pd
embeddings.SHARD_ROWS = int(sys.argv[2])
frame = pd.read_parquet(sys.argv[3])
embeddings.embed_items(get_encoder("minilm", device="cpu", progress=False), frame, sys.argv[1], "killed")
"""


def test_a_killed_job_re_encodes_only_what_is_missing(tmp_path, minilm, monkeypatch):
    frame = items(400)  # 20 shards: a fast machine must not finish before the kill
    frame.to_parquet(tmp_path / "items.parquet")
    shards = shard_dir(store_path(tmp_path, "minilm", "killed"), minilm.revision)
    proc = subprocess.Popen([sys.executable, "-c", KILLABLE, str(tmp_path), "20", str(tmp_path / "items.parquet")],
                            env=os.environ | {"PYTHONPATH": str(REPO)}, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list(shards.glob("*.parquet"))) < 2 and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the job finished before it could be killed"
    finished = sum(len(pd.read_parquet(p)) for p in shards.glob("*.parquet"))
    assert 0 < finished < len(frame) and not store_path(tmp_path, "minilm", "killed").exists()

    monkeypatch.setattr(embeddings, "SHARD_ROWS", 20)
    vectors, stats = embed_items(minilm, frame, tmp_path, "killed")
    assert (stats.resumed, stats.encoded, stats.reused) == (finished, len(frame) - finished, 0)
    np.testing.assert_allclose(vectors, minilm.encode(frame["title"].tolist()), atol=2e-5)
    assert not shards.exists(), "the shards are folded into the store file"
    again = embed_items(minilm, frame, tmp_path, "killed")[1]
    assert (again.encoded, again.reused) == (0, len(frame))


def test_two_worker_processes_give_the_same_vectors_as_one(tmp_path, minilm, monkeypatch):
    from benchmark.encoders import get_encoder

    frame = items(120)
    monkeypatch.setattr(embeddings, "SHARD_ROWS", 30)
    factory = functools.partial(get_encoder, "minilm", progress=False)
    vectors, stats = embed_items(minilm, frame, tmp_path, "two", workers=2, encoder_factory=factory)
    assert stats.encoded == len(frame)
    np.testing.assert_allclose(vectors, minilm.encode(frame["title"].tolist()), atol=2e-5)


def write_with_pid(folder: Path, shard, vectors: np.ndarray) -> None:
    np.save(folder / f"{shard}-{os.getpid()}.npy", vectors)


def test_shards_spread_over_one_process_per_device(tmp_path):
    from benchmark.encoders import get_encoder
    from benchmark.encoders.parallel import encode_shards

    texts = titles(48)
    shards = [(f"s{i}", texts[i * 8:(i + 1) * 8]) for i in range(6)]
    factory = functools.partial(get_encoder, "minilm", progress=False)
    done = encode_shards(factory, shards, functools.partial(write_with_pid, tmp_path), ["cpu", "cpu"])
    files = sorted(tmp_path.glob("*.npy"))
    assert done == len(texts) and len(files) == len(shards)
    pids = {int(p.stem.rsplit("-", 1)[1]) for p in files}
    assert len(pids) == 2 and os.getpid() not in pids
