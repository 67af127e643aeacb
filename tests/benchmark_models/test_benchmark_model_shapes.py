"""Model shapes of DESIGN §5: parameter counts derived by hand, causal mask, unit-length scores."""
from __future__ import annotations

import pytest
import torch

from benchmark import protocol
from benchmark.models.alpharec import AlphaRec, AlphaRecConfig
from benchmark.models.sasrec import SASRec, SASRecConfig
from benchmark.models.unisrec import IGNORE, UniSRec, UniSRecConfig
from warehouse.settings import MAX_HISTORY


def transformer_parameters(hidden: int, inner: int, layers: int, max_len: int, positions: str) -> int:
    """Learned positions (absolute: a vector per position; relative: a bias per head and
    distance) + input LayerNorm + per layer: attention (q, k, v, output; all with bias),
    LayerNorm, feed-forward (hidden→inner→hidden, with biases), LayerNorm."""
    per_layer = 4 * (hidden * hidden + hidden) + 2 * hidden + (hidden * inner + inner) + (inner * hidden + hidden) + 2 * hidden
    position = max_len * hidden if positions == "absolute" else protocol.SEQREC_HEADS * max_len
    return position + 2 * hidden + layers * per_layer


def moe_parameters(d: int, hidden: int, experts: int) -> int:
    """Each expert: a bias subtracted from the input (d) and a bias-free map d→hidden; gate d→experts
    and the noisy gate's noise scale d→experts."""
    return experts * (d + d * hidden) + 2 * d * experts


@pytest.mark.parametrize("d, positions", [(128, "absolute"), (64, "absolute"), (128, "relative")])
def test_unisrec_parameter_count(d, positions):
    model = UniSRec(UniSRecConfig(input_dim=d, positions=positions), torch.randn(30, d))
    h, inner, layers, experts, max_len = (protocol.SEQREC_HIDDEN, protocol.SEQREC_INNER, protocol.SEQREC_LAYERS,
                                          protocol.SEQREC_EXPERTS, MAX_HISTORY)
    expected = moe_parameters(d, h, experts) + transformer_parameters(h, inner, layers, max_len, positions)
    assert sum(p.numel() for p in model.parameters()) == expected
    if d == 128:  # the same formula, written out once: 309,248 + positions + 600 + 2 × 516,556
        position = 50 * 300 if positions == "absolute" else 2 * 50
        assert expected == 8 * (128 + 128 * 300) + 2 * 128 * 8 + position + 600 + 2 * (4 * 90_300 + 600 + 77_056 + 77_100 + 600)
    # The text vectors are frozen: not a parameter.
    assert all(p.data_ptr() != model.item_vectors.data_ptr() for p in model.parameters())


def test_sasrec_and_alpharec_parameter_counts():
    sasrec = SASRec(SASRecConfig(n_items=1682))
    h = protocol.SASREC_HIDDEN  # per block: 2 LayerNorms, q, k, v, output (with bias), FFN h→h→h
    per_block = 2 * 2 * h + 4 * (h * h + h) + 2 * (h * h + h)
    assert sum(p.numel() for p in sasrec.parameters()) == 1682 * h + 50 * h + protocol.SASREC_BLOCKS * per_block + 2 * h
    alpharec = AlphaRec(AlphaRecConfig(input_dim=128), torch.randn(20, 128), torch.randn(7, 128))
    assert sum(p.numel() for p in alpharec.parameters()) == 128 * protocol.CF_WIDTH  # one bias-free map


@pytest.mark.parametrize("positions", ["absolute", "relative"])
def test_unisrec_forward_shapes_and_causal_mask(positions):
    torch.manual_seed(0)
    model = UniSRec(UniSRecConfig(input_dim=16, max_len=6, positions=positions), torch.randn(40, 16))
    seq = torch.randint(0, 40, (3, 6))
    labels = torch.randint(0, 40, (3, 6))
    labels[0, 4:] = IGNORE
    loss = model(seq, labels)
    assert loss.ndim == 0 and torch.isfinite(loss)
    loss.backward()
    assert model.adaptor.gate.grad is not None and model.adaptor.gate.grad.abs().sum() > 0
    model.eval()
    states = model.sequence_repr(seq)
    changed = seq.clone()
    changed[:, 3] = (changed[:, 3] + 1) % 40
    after = model.sequence_repr(changed)
    assert torch.allclose(states[:, :3], after[:, :3], atol=1e-6)  # earlier positions never see later items
    assert not torch.allclose(states[:, 3:], after[:, 3:])
    # So trailing padding can be cut off a batch without changing the real positions.
    assert torch.allclose(model.sequence_repr(seq[:, :4]), states[:, :4], atol=1e-5)
    queries, items = model.ranking_vectors(seq, torch.tensor([6, 2, 1]))
    assert queries.shape == (3, 300) and items.shape == (40, 300)
    assert torch.allclose(queries.norm(dim=1), torch.ones(3)) and torch.allclose(items.norm(dim=1), torch.ones(40))
    assert torch.allclose(queries[1], torch.nn.functional.normalize(states[1, 1], dim=0), atol=1e-6)


def test_moe_gate_mixes_experts():
    torch.manual_seed(0)
    model = UniSRec(UniSRecConfig(input_dim=8, max_len=4), torch.randn(5, 8)).eval()
    x = torch.randn(5, 8)
    with torch.no_grad():
        model.adaptor.gate.normal_()
        gates = torch.softmax(x @ model.adaptor.gate, dim=-1)
        by_hand = sum(gates[:, e:e + 1] * ((x - model.adaptor.bias[e]) @ model.adaptor.weight[e]) for e in range(8))
        assert torch.allclose(model.adaptor(x), by_hand, atol=1e-5)


def test_relative_positions_give_every_target_of_a_long_sequence_the_state_of_its_own_recent_items():
    """One pass over a whole 40-item sequence (max_len 5): each target's state is the one the model
    computes from that target's own recent items alone, whatever the row's start, and it depends on
    every one of its last max_len items."""
    torch.manual_seed(0)
    cfg = UniSRecConfig(input_dim=16, max_len=5, positions="relative")
    model = UniSRec(cfg, torch.randn(60, 16))
    with torch.no_grad():
        model.encoder.distance.normal_()  # learned in training; zeros would hide a wrong index
    model.eval()
    seq = torch.randint(0, 60, (1, 40))
    whole = model.sequence_repr(seq)[0]
    reach = cfg.n_layers * (cfg.max_len - 1) + 1  # items a state can depend on through the layers
    for k in range(40):
        alone = model.sequence_repr(seq[:, max(0, k - reach + 1):k + 1])[0, -1]
        assert torch.allclose(alone, whole[k], atol=1e-5)
    k = 30
    items = model.item_repr()[seq].detach().requires_grad_(True)
    (model.encoder(items)[0, k] @ torch.randn(cfg.hidden)).backward()  # (a plain sum of a LayerNorm output is constant)
    touched = items.grad[0].abs().sum(dim=1) > 0
    assert touched[k - cfg.max_len + 1:k + 1].all()  # its last max_len items, directly in every layer
    assert not touched[k + 1:].any() and not touched[:k - reach + 1].any()  # nothing later, nothing out of reach
    with pytest.raises(ValueError, match="positions"):
        UniSRec(UniSRecConfig(input_dim=16, positions="rotary"), torch.randn(60, 16))
