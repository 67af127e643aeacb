"""An encoder describes itself without its weights; the weights load on first encode.

A result served from the cache must not load a (7B) model just to learn the key, and the key's
revision must be the one stored vectors and results were filed under before weights loaded lazily.
"""
from __future__ import annotations

import pytest
import transformers

from benchmark.encoders import get_encoder
from benchmark.encoders.hf import revision
from benchmark.runner import run_one

pytestmark = pytest.mark.model

# What `get_encoder(...).revision` was when the weights loaded in the constructor (main before this
# change, same pinned MiniLM package): stored vectors and result keys carry these.
EAGER_REVISIONS = {"minilm": "ecaaa06b3e66", "minilm[instruction=on]": "37c9d715e4d7",
                   "minilm[dimensions=96]": "5ac40aa8bd9a"}


@pytest.fixture
def weight_loads(monkeypatch) -> list[str]:
    """Every real `AutoModel.from_pretrained` call (it still loads: counted, not replaced)."""
    calls: list[str] = []
    real = transformers.AutoModel.from_pretrained

    def counting(model, *args, **kwargs):
        calls.append(str(model))
        return real(model, *args, **kwargs)

    monkeypatch.setattr(transformers.AutoModel, "from_pretrained", counting)
    return calls


@pytest.mark.parametrize("switches", [{}, {"instruction": "on"}, {"matryoshka": True, "dimensions": 96}])
def test_description_without_weights_equals_after_load(weight_loads, switches):
    lazy = get_encoder("minilm", device="cpu", progress=False, **switches)
    described = lazy.describe()
    assert weight_loads == [] and "model" not in vars(lazy)  # name, revision and dim came from config.json
    assert described["revision"] == EAGER_REVISIONS[lazy.name]
    lazy.load()  # what a worker process does before it takes shards
    vectors = lazy.encode(["usb cable", "green tea"])
    assert len(weight_loads) == 1 and vectors.shape == (2, lazy.dim)
    # After the real load: the loaded model's config gives the same revision and width.
    assert revision(lazy.settings, lazy.dtype, lazy.model.config) == described["revision"]
    assert lazy.dim == min(lazy.model.config.hidden_size, switches.get("dimensions", 10**6))
    assert lazy.describe() == described


def test_cached_result_does_not_load_the_model(tmp_path, search_frames, weight_loads):
    first = run_one("minilm", "search", ("pool", search_frames), tmp_path, progress=False, device="cpu")
    assert len(weight_loads) == 1 and first["embeddings"]["encoded"] == len(search_frames["items"])
    encoder = get_encoder("minilm", device="cpu", progress=False)
    again = run_one(encoder, "search", ("pool", search_frames), tmp_path, progress=False, device="cpu")
    by_name = run_one("minilm", "search", ("pool", search_frames), tmp_path, progress=False, device="cpu")
    assert again["created_at"] == by_name["created_at"] == first["created_at"]  # served from the cache
    assert len(weight_loads) == 1 and "model" not in vars(encoder) and "tokenizer" not in vars(encoder)
    # A changed setting computes, and only then loads the weights.
    other = run_one(encoder, "search", ("pool", search_frames), tmp_path, progress=False, device="cpu", text="full")
    assert other["key"] != first["key"] and len(weight_loads) == 2 and "model" in vars(encoder)


def test_instruction_settings_share_item_vectors(tmp_path, search_frames):
    from benchmark.embeddings import store_path

    results = {switch: run_one(get_encoder("minilm", device="cpu", progress=False, instruction=switch), "search",
                               ("pool", search_frames), tmp_path, progress=False, device="cpu")
               for switch in ("off", "on", "Find the product this shopper wants")}
    encoded = {s: (r["embeddings"]["encoded"], r["embeddings"]["reused"]) for s, r in results.items()}
    items = len(search_frames["items"])
    assert list(encoded.values()) == [(items, 0), (0, items), (0, items)]  # items encoded once
    assert len({r["key"] for r in results.values()}) == 3  # three results, each with its own key
    assert [r["encoder_config"]["query_instruction"] for r in results.values()] == [False, True, True]
    stores = sorted(p.parent.parent.name for p in (tmp_path / "embeddings").rglob("part-0.parquet"))
    assert stores == ["encoder=minilm"] and store_path(tmp_path, "minilm", "pool").exists()


def test_store_filed_under_the_instructed_name_is_still_found(tmp_path, search_frames):
    """Before item vectors were shared, `minilm[instruction=on]` had its own store: it is reused once."""
    from benchmark.embeddings import embed_items, store_path

    on = get_encoder("minilm", device="cpu", progress=False, instruction="on")
    legacy = get_encoder("minilm", device="cpu", progress=False, instruction="on")
    legacy.items_as = None  # files its items as the instructed encoder did before
    before, stats = embed_items(legacy, search_frames["items"], tmp_path, "pool")
    assert stats.encoded == len(before) and store_path(tmp_path, "minilm[instruction=on]", "pool").exists()
    after, stats = embed_items(on, search_frames["items"], tmp_path, "pool")
    assert (stats.encoded, stats.reused) == (0, len(before)) and (after == before).all()
    assert store_path(tmp_path, "minilm", "pool").exists()  # rewritten under the shared identity
    plain = get_encoder("minilm", device="cpu", progress=False)
    assert embed_items(plain, search_frames["items"], tmp_path, "pool")[1].encoded == 0


def test_a_width_keeps_its_own_item_store(tmp_path, search_frames):
    """Only the query instruction is shared: a Matryoshka width is another vector, so another store."""
    from benchmark.embeddings import store_path

    full, narrow = (get_encoder("minilm", device="cpu", progress=False, **switches)
                    for switches in ({}, {"matryoshka": True, "dimensions": 96}))
    encoded = [run_one(e, "search", ("pool", search_frames), tmp_path, progress=False, device="cpu")["embeddings"]
               for e in (full, narrow)]
    assert [(e["encoded"], e["reused"]) for e in encoded] == [(len(search_frames["items"]), 0)] * 2
    assert narrow.item_identity() == (narrow.name, narrow.revision) != full.item_identity()
    assert store_path(tmp_path, full.name, "pool").exists() and store_path(tmp_path, narrow.name, "pool").exists()
