"""ID-only SASRec as the SASRec paper defines it (Kang & McAuley, ICDM 2018), beside the
text-based UniSRec model: what an encoder's text vectors bring over learned item IDs.

    E = item_embedding[seq] · √d + position_embedding   (positions count back from the newest
        item: the newest is always at max_len − 1, as with the paper's left-padded sequences)
    → dropout → `n_blocks` × [q = LN(x); x = q + attention(q, x, x) (causal);
                                x = LN(x); x = x + FFN(x) (ReLU)] → LN        (pre-LN blocks)
    score(seq, i) = <state at the newest position, item_embedding[i]>          (dot product)
    loss "bce": binary cross-entropy of each position's target against one item drawn uniformly
        among the items that are not in the row (the paper's negative sampling);
    loss "ce": full-softmax cross-entropy over all items (RecBole's default, for comparison).

Sequences are right-padded (the benchmark's layout); with the causal mask a real position never
attends to padding, and only positions with a label carry a loss.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from benchmark import protocol
from benchmark.models.unisrec import IGNORE
from warehouse.settings import MAX_HISTORY


@dataclass
class SASRecConfig:
    n_items: int = 0  # size of the item embedding table (set from the dataset)
    hidden: int = protocol.SASREC_HIDDEN
    n_blocks: int = protocol.SASREC_BLOCKS
    n_heads: int = protocol.SASREC_HEADS
    dropout: float = protocol.SASREC_DROPOUT["dense"]
    max_len: int = MAX_HISTORY
    loss: str = "bce"  # "bce" (paper: one sampled negative per position) or "ce" (full softmax)
    layer_norm_eps: float = 1e-8  # the paper's code


class Block(nn.Module):
    def __init__(self, cfg: SASRecConfig):
        super().__init__()
        self.n_heads, self.dropout_p = cfg.n_heads, cfg.dropout
        self.ln_attn = nn.LayerNorm(cfg.hidden, eps=cfg.layer_norm_eps)
        self.q = nn.Linear(cfg.hidden, cfg.hidden)
        self.kv = nn.Linear(cfg.hidden, 2 * cfg.hidden)
        self.proj = nn.Linear(cfg.hidden, cfg.hidden)
        self.ln_ff = nn.LayerNorm(cfg.hidden, eps=cfg.layer_norm_eps)
        self.ff = nn.Sequential(nn.Linear(cfg.hidden, cfg.hidden), nn.ReLU(), nn.Dropout(cfg.dropout),
                                nn.Linear(cfg.hidden, cfg.hidden), nn.Dropout(cfg.dropout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B, L, H]
        b, length, h = x.shape
        q = self.ln_attn(x)  # the paper normalises the queries only, and adds them back
        k, v = self.kv(x).split(h, dim=-1)
        heads = [t.view(b, length, self.n_heads, h // self.n_heads).transpose(1, 2) for t in (self.q(q), k, v)]
        attn = F.scaled_dot_product_attention(*heads, is_causal=True, dropout_p=self.dropout_p if self.training else 0.0)
        x = q + self.proj(attn.transpose(1, 2).reshape(b, length, h))
        x = self.ln_ff(x)
        return x + self.ff(x)


class SASRec(nn.Module):
    def __init__(self, cfg: SASRecConfig):
        super().__init__()
        if cfg.n_items <= 0:
            raise ValueError("SASRecConfig.n_items must be the number of items")
        if cfg.loss not in ("bce", "ce"):
            raise ValueError(f"SASRec loss must be 'bce' or 'ce', got {cfg.loss!r}")
        self.cfg = cfg
        self.item_embedding = nn.Embedding(cfg.n_items, cfg.hidden)
        self.position = nn.Embedding(cfg.max_len, cfg.hidden)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_blocks))
        self.ln = nn.LayerNorm(cfg.hidden, eps=cfg.layer_norm_eps)
        for name, p in self.named_parameters():  # the paper's code: Xavier for every matrix
            if p.dim() > 1:
                nn.init.xavier_normal_(p)

    def states(self, seq: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """[B, L] right-padded item indices, [B] row lengths → [B, L, H]."""
        width = seq.shape[1]
        newest_first = lengths[:, None] - 1 - torch.arange(width, device=seq.device)[None, :]
        positions = (self.cfg.max_len - 1 - newest_first).clamp(0, self.cfg.max_len - 1)
        x = self.item_embedding(seq) * self.cfg.hidden ** 0.5 + self.position(positions)
        x = self.drop(x)
        for block in self.blocks:
            x = block(x)
        return self.ln(x)

    def forward(self, seq: torch.Tensor, labels: torch.Tensor, lengths: torch.Tensor,
                negatives: torch.Tensor | None = None) -> torch.Tensor:
        """Mean loss over labelled positions; `negatives` [B, L] item indices (loss "bce")."""
        keep = labels != IGNORE
        states = self.states(seq, lengths)[keep]  # [P, H]
        if self.cfg.loss == "ce":
            return F.cross_entropy((states @ self.item_embedding.weight.T).float(), labels[keep])
        if negatives is None:
            raise ValueError("loss 'bce' needs one negative item per position")
        pos = (states * self.item_embedding(labels[keep])).sum(-1).float()
        neg = (states * self.item_embedding(negatives[keep])).sum(-1).float()
        return (F.binary_cross_entropy_with_logits(pos, torch.ones_like(pos))
                + F.binary_cross_entropy_with_logits(neg, torch.zeros_like(neg)))

    @torch.no_grad()
    def ranking_vectors(self, seq: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(queries [B, H], items [N, H]): their dot product is the model's score."""
        states = self.states(seq, lengths)
        return states[torch.arange(seq.shape[0], device=seq.device), lengths - 1], self.item_embedding.weight.detach()
