"""ID-only SASRec baseline: the UniSRec Transformer and head, with learned item embeddings.

Everything but the item representation is shared with `benchmark.models.unisrec` (same encoder,
same cosine / 0.07 score against all items, same full-softmax loss), so the comparison with the
text-based model isolates what the text vectors bring. It cannot score an item it never saw.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from benchmark.models.unisrec import IGNORE, CosineSequenceModel, SequenceEncoder, UniSRecConfig, init_weights


@dataclass
class SASRecConfig(UniSRecConfig):
    n_items: int = 0  # size of the item embedding table (set from the dataset)


class SASRec(CosineSequenceModel):
    def __init__(self, cfg: SASRecConfig):
        super().__init__()
        if cfg.n_items <= 0:
            raise ValueError("SASRecConfig.n_items must be the number of items")
        self.cfg = cfg
        self.item_embedding = nn.Embedding(cfg.n_items, cfg.hidden)
        self.encoder = SequenceEncoder(cfg)
        init_weights(self, cfg.init_std)

    def item_repr(self, items: torch.Tensor | None = None) -> torch.Tensor:
        return self.item_embedding.weight if items is None else self.item_embedding(items)

    def forward(self, seq: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        items = self.item_repr()  # [N, H]
        states = self.encoder(items[seq])  # [B, L, H]
        keep = labels != IGNORE
        logits = F.normalize(states[keep], dim=-1) @ F.normalize(items, dim=-1).T / self.cfg.temperature
        return F.cross_entropy(logits.float(), labels[keep])
