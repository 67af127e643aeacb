"""AlphaRec-style collaborative filtering on frozen text vectors (DESIGN §5).

    item i: e_i = x_i W                        x_i: the item's text vector (PCA-whitened)
    user u: e_u = mean_{i in train(u)}(x_i) W  (a user is the mean of its train items' vectors)
    W: one bias-free linear map to 64 dimensions, shared by users and items
    score(u, i) = cos(e_u, e_i) / 0.15
    loss: in-batch InfoNCE over (user, positive item) pairs — each pair's item is the positive,
          the other pairs' items in the batch are its negatives.

This is the simplified AlphaRec of the benchmark protocol (no graph propagation, one linear
map instead of the MLP), so it measures how linearly the text space encodes preferences.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from benchmark import protocol


@dataclass
class AlphaRecConfig:
    input_dim: int = protocol.ADAPTOR_WIDTH
    width: int = protocol.CF_WIDTH
    temperature: float = protocol.CF_TEMPERATURE


class AlphaRec(nn.Module):
    def __init__(self, cfg: AlphaRecConfig, item_vectors: torch.Tensor, user_vectors: torch.Tensor):
        """item_vectors [N, d]; user_vectors [U, d] = mean of each user's train item vectors."""
        super().__init__()
        self.cfg = cfg
        self.register_buffer("item_vectors", torch.as_tensor(item_vectors, dtype=torch.float32), persistent=False)
        self.register_buffer("user_vectors", torch.as_tensor(user_vectors, dtype=torch.float32), persistent=False)
        self.project = nn.Linear(cfg.input_dim, cfg.width, bias=False)

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """In-batch InfoNCE for B (user, positive item) pairs: logits [B, B], targets on the diagonal."""
        u = F.normalize(self.project(self.user_vectors[users]), dim=-1)
        i = F.normalize(self.project(self.item_vectors[items]), dim=-1)
        logits = u @ i.T / self.cfg.temperature
        return F.cross_entropy(logits.float(), torch.arange(len(users), device=logits.device))

    @torch.no_grad()
    def ranking_vectors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(users [U, 64], items [N, 64]), unit length: their dot product orders items as the score."""
        return (F.normalize(self.project(self.user_vectors), dim=-1),
                F.normalize(self.project(self.item_vectors), dim=-1))
