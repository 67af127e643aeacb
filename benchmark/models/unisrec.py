"""UniSRec-style inductive sequential recommender (DESIGN §5), readable in one sitting.

    item vector (frozen text embedding, PCA-whitened to `input_dim`)
      → mixture-of-experts whitening adaptor (8 experts, noisy gate) [item representation]
      → + learned position embedding → LayerNorm → dropout
      → 2 Transformer layers (2 heads, hidden 300, inner 256, GELU, post-LN, causal mask)
        (positions "relative" instead: no position embedding; each head adds a learned bias
        per distance back to its attention logits, and attends to the last `max_len` items only)
      → sequence representation at every position
    score(seq, item) = cos(sequence representation, item representation) / 0.07, for ALL items;
    loss = full-softmax cross-entropy at every position of the sequence (causal mask).

Shapes follow UniSRec (Hou et al., KDD 2022) and RecBole's SASRec encoder: every linear layer of
the Transformer has a bias; the adaptor's experts have a learnable input bias and a bias-free
linear map; the gate is a bias-free linear map from the input to one logit per expert, and in
training (noisy gating, as the reference) Gaussian noise scaled by softplus(x W_noise) + 0.01
is added to those logits (W_noise starts at zero, so the noise starts small and is learned).
Relative positions make a position's state depend only on the items before it and their
distances, never on where the row starts: one pass over a user's whole sequence gives every
target the state a row of its own recent items would (see `SequenceEncoder.attention_mask`).

Sequences are right-padded: with the causal mask a real position never attends to padding,
so no padding mask is needed; padded positions carry label -100 and are ignored.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from benchmark import protocol
from warehouse.settings import MAX_HISTORY

IGNORE = -100  # label of padded positions


@dataclass
class UniSRecConfig:
    input_dim: int = protocol.ADAPTOR_WIDTH
    n_experts: int = protocol.SEQREC_EXPERTS
    hidden: int = protocol.SEQREC_HIDDEN
    inner: int = protocol.SEQREC_INNER
    n_layers: int = protocol.SEQREC_LAYERS
    n_heads: int = protocol.SEQREC_HEADS
    dropout: float = protocol.SEQREC_DROPOUT  # hidden and attention dropout
    adaptor_dropout: float = protocol.SEQREC_ADAPTOR_DROPOUT
    max_len: int = MAX_HISTORY
    temperature: float = protocol.SEQREC_TEMPERATURE
    gate_noise: bool = protocol.SEQREC_GATE_NOISE
    positions: str = protocol.SEQREC_POSITIONS  # "absolute" (UniSRec) or "relative" (see the module docstring)
    layer_norm_eps: float = 1e-12  # RecBole's value
    init_std: float = 0.02  # RecBole's initializer_range


GATE_NOISE_EPSILON = 1e-2  # the reference's floor on the noise scale


class MoEAdaptor(nn.Module):
    """Σ_e softmax(x W_gate [+ noise])_e · ((dropout(x) − b_e) W_e): whitening experts mixed by a gate."""

    def __init__(self, input_dim: int, output_dim: int, n_experts: int, dropout: float, noisy: bool = True):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(n_experts, input_dim))  # b_e, one per expert
        self.weight = nn.Parameter(torch.empty(n_experts, input_dim, output_dim))  # W_e
        self.gate = nn.Parameter(torch.zeros(input_dim, n_experts))  # UniSRec starts from a uniform gate
        self.noise = nn.Parameter(torch.zeros(input_dim, n_experts)) if noisy else None
        self.dropout = nn.Dropout(dropout)
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [..., input_dim] → [..., output_dim]
        logits = x @ self.gate
        if self.noise is not None and self.training:
            scale = F.softplus(x @ self.noise) + GATE_NOISE_EPSILON
            logits = logits + torch.randn_like(logits) * scale
        gates = torch.softmax(logits, dim=-1)  # [..., E]
        centred = self.dropout(x).unsqueeze(-2) - self.bias  # [..., E, input_dim]
        experts = torch.einsum("...ed,edh->...eh", centred, self.weight)  # [..., E, output_dim]
        return (gates.unsqueeze(-1) * experts).sum(dim=-2)


class TransformerLayer(nn.Module):
    """RecBole's post-LN Transformer layer: x = LN(x + attn(x)); x = LN(x + FFN(x))."""

    def __init__(self, cfg: UniSRecConfig):
        super().__init__()
        self.n_heads = cfg.n_heads
        self.dropout_p = cfg.dropout
        self.qkv = nn.Linear(cfg.hidden, 3 * cfg.hidden)  # query, key, value in one matmul
        self.proj = nn.Linear(cfg.hidden, cfg.hidden)
        self.ln_attn = nn.LayerNorm(cfg.hidden, eps=cfg.layer_norm_eps)
        self.ff_in = nn.Linear(cfg.hidden, cfg.inner)
        self.ff_out = nn.Linear(cfg.inner, cfg.hidden)
        self.ln_ff = nn.LayerNorm(cfg.hidden, eps=cfg.layer_norm_eps)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:  # [B, L, H]
        """`mask` [heads, L, L] is added to the attention logits; None: the plain causal mask."""
        b, length, h = x.shape
        q, k, v = self.qkv(x).split(h, dim=-1)
        q, k, v = (t.view(b, length, self.n_heads, h // self.n_heads).transpose(1, 2) for t in (q, k, v))
        if mask is not None:
            mask = mask.to(q.dtype)  # under CUDA autocast q is bf16; some kernels want the same dtype
        attn = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=mask is None,
                                              dropout_p=self.dropout_p if self.training else 0.0)
        attn = attn.transpose(1, 2).reshape(b, length, h)
        x = self.ln_attn(x + self.drop(self.proj(attn)))
        ff = self.ff_out(F.gelu(self.ff_in(x)))
        return self.ln_ff(x + self.drop(ff))


class SequenceEncoder(nn.Module):
    """Item representations of a sequence → a representation at every position (causal)."""

    def __init__(self, cfg: UniSRecConfig):
        super().__init__()
        if cfg.positions not in ("absolute", "relative"):
            raise ValueError(f"positions must be 'absolute' or 'relative', got {cfg.positions!r}")
        self.max_len = cfg.max_len
        self.position = nn.Embedding(cfg.max_len, cfg.hidden) if cfg.positions == "absolute" else None
        # relative: one learned logit bias per head and distance back (0 = the item itself)
        self.distance = nn.Parameter(torch.zeros(cfg.n_heads, cfg.max_len)) if self.position is None else None
        self.ln = nn.LayerNorm(cfg.hidden, eps=cfg.layer_norm_eps)
        self.drop = nn.Dropout(cfg.dropout)
        self.layers = nn.ModuleList(TransformerLayer(cfg) for _ in range(cfg.n_layers))

    def attention_mask(self, length: int, device: torch.device) -> torch.Tensor:
        """[heads, L, L]: position i attends to j with bias distance[i − j] when 0 ≤ i − j < max_len,
        never otherwise (a causal band of the last max_len items)."""
        steps = torch.arange(length, device=device)
        back = steps[:, None] - steps[None, :]
        inside = (back >= 0) & (back < self.max_len)
        return self.distance[:, back.clamp(0, self.max_len - 1)].masked_fill(~inside, float("-inf"))

    def forward(self, item_repr: torch.Tensor) -> torch.Tensor:  # [B, L, H] → [B, L, H]
        length = item_repr.shape[1]
        if self.position is None:
            x, mask = item_repr, self.attention_mask(length, item_repr.device)
        else:
            x, mask = item_repr + self.position(torch.arange(length, device=item_repr.device)), None
        x = self.drop(self.ln(x))
        for layer in self.layers:
            x = layer(x, mask)
        return x


def init_weights(module: nn.Module, std: float) -> None:
    """RecBole's initialisation: normal(0, std) for linear and embedding weights, zero biases."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=std)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


class CosineSequenceModel(nn.Module):
    """What UniSRec and the ID-only SASRec share: ranking by cosine of the last state and items.

    Subclasses define `item_repr(items=None)` ([N, H], or the rows of `items`) and `self.encoder`.
    """

    def sequence_repr(self, seq: torch.Tensor) -> torch.Tensor:  # [B, L] item indices → [B, L, H]
        # Evaluating (no dropout, no gate noise): every item once, then gathered — the same
        # values without a [B, L, experts, H] block per occurrence (the memory peak otherwise).
        return self.encoder(self.item_repr(seq) if self.training else self.item_repr()[seq])

    @torch.no_grad()
    def ranking_vectors(self, seq: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(queries [B, H], items [N, H]), unit length: their dot product orders items as the model's score."""
        states = self.sequence_repr(seq)
        last = states[torch.arange(seq.shape[0], device=seq.device), lengths - 1]
        return F.normalize(last, dim=-1), F.normalize(self.item_repr(), dim=-1)


class UniSRec(CosineSequenceModel):
    """Inductive: items are represented only through their (frozen) text vectors."""

    def __init__(self, cfg: UniSRecConfig, item_vectors: torch.Tensor):
        super().__init__()
        if item_vectors.shape[1] != cfg.input_dim:
            raise ValueError(f"item vectors have width {item_vectors.shape[1]}, config says {cfg.input_dim}")
        self.cfg = cfg
        self.register_buffer("item_vectors", torch.as_tensor(item_vectors, dtype=torch.float32), persistent=False)
        self.adaptor = MoEAdaptor(cfg.input_dim, cfg.hidden, cfg.n_experts, cfg.adaptor_dropout, cfg.gate_noise)
        self.encoder = SequenceEncoder(cfg)
        init_weights(self.encoder, cfg.init_std)

    def item_repr(self, items: torch.Tensor | None = None) -> torch.Tensor:
        """Representation of the given item indices (all items when None)."""
        vectors = self.item_vectors if items is None else self.item_vectors[items]
        return self.adaptor(vectors)

    def forward(self, seq: torch.Tensor, labels: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Mean cross-entropy over all labelled positions; labels [B, L] (IGNORE = no loss there)."""
        keep = labels != IGNORE
        states = self.sequence_repr(seq)[keep]  # [P, H]: one adaptor pass per item occurrence (own dropout)
        items = self.item_repr()  # [N, H]: a separate pass for the candidates, as UniSRec does
        logits = F.normalize(states, dim=-1) @ F.normalize(items, dim=-1).T / self.cfg.temperature
        return F.cross_entropy(logits.float(), labels[keep])
