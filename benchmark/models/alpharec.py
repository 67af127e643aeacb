"""AlphaRec-style collaborative filtering on frozen text vectors (DESIGN §5).

    item i: h_i = f(x_i)                       x_i: the item's text vector (PCA-whitened)
    user u: h_u = f(mean_{i in train(u)} x_i)  (a user is the mean of its train items' vectors)
    f: one bias-free linear map (`encoder="linear"`) or AlphaRec's MLP (Linear → LeakyReLU →
       Linear), to 64 dimensions, shared by users and items
    graph (optional): `gcn_layers` rounds of LightGCN propagation over the symmetric-normalised
       user-item graph of the train pairs; e = mean of the layers 0..K (LightGCN's readout)
    score(u, i) = cos(e_u, e_i) / 0.15
    loss: InfoNCE of each (user, positive item) pair against its negatives:
       `negatives=0`: the other pairs' items of the batch (in-batch, the paper's text);
       `negatives=N`: N items drawn uniformly at random per pair (the reference AlphaRec code).

Why in-batch negatives fail here: the items of a batch are drawn in proportion to their
popularity, so without a correction the popular items are the most frequent negatives and the
model learns to push them down, while popularity is the strongest signal on these splits (on
ML-100K validation Recall@20 peaks after epoch 1). Uniform negatives do not carry that bias.
The named configurations are `protocol.CF_VARIANTS`.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from benchmark import protocol, settings


@dataclass
class AlphaRecConfig:
    input_dim: int = protocol.ADAPTOR_WIDTH
    width: int = protocol.CF_WIDTH
    temperature: float = protocol.CF_TEMPERATURE
    encoder: str = "linear"  # "linear" or "mlp"
    mlp_hidden: int = protocol.CF_MLP_HIDDEN
    gcn_layers: int = 0
    negatives: int = 0  # 0: in-batch; N: N uniform negatives per pair

    @classmethod
    def variant(cls, name: str, **overrides) -> AlphaRecConfig:
        if name not in protocol.CF_VARIANTS:
            raise ValueError(f"unknown CF variant {name!r}; choose from {sorted(protocol.CF_VARIANTS)}")
        return cls(**(protocol.CF_VARIANTS[name] | overrides))


def normalised_graph(users: torch.Tensor, items: torch.Tensor, n_users: int, n_items: int) -> torch.Tensor:
    """LightGCN's D^-1/2 A D^-1/2 over users 0..U-1 then items U..U+N-1 (sparse [U+N, U+N])."""
    pairs = torch.unique(torch.stack([users, items]), dim=1)
    rows = torch.cat([pairs[0], pairs[1] + n_users])
    cols = torch.cat([pairs[1] + n_users, pairs[0]])
    degree = torch.bincount(rows, minlength=n_users + n_items).float()
    scale = degree.clamp(min=1).rsqrt()
    values = scale[rows] * scale[cols]
    n = n_users + n_items
    return torch.sparse_coo_tensor(torch.stack([rows, cols]), values, (n, n)).coalesce()


class AlphaRec(nn.Module):
    def __init__(self, cfg: AlphaRecConfig, item_vectors: torch.Tensor, user_vectors: torch.Tensor,
                 graph: torch.Tensor | None = None):
        """item_vectors [N, d]; user_vectors [U, d] = mean of each user's train item vectors;
        graph: `normalised_graph` of the train pairs (required when cfg.gcn_layers > 0)."""
        super().__init__()
        if cfg.gcn_layers and graph is None:
            raise ValueError("gcn_layers > 0 needs the train graph")
        self.cfg = cfg
        self.register_buffer("item_vectors", torch.as_tensor(item_vectors, dtype=torch.float32), persistent=False)
        self.register_buffer("user_vectors", torch.as_tensor(user_vectors, dtype=torch.float32), persistent=False)
        self.graph = graph  # sparse CSR tensors are moved by `to()` below, not as buffers
        if cfg.encoder == "linear":
            self.project = nn.Linear(cfg.input_dim, cfg.width, bias=False)
        elif cfg.encoder == "mlp":
            self.project = nn.Sequential(nn.Linear(cfg.input_dim, cfg.mlp_hidden), nn.LeakyReLU(),
                                         nn.Linear(cfg.mlp_hidden, cfg.width))
        else:
            raise ValueError(f"encoder must be 'linear' or 'mlp', got {cfg.encoder!r}")

    def _apply(self, fn, *args, **kwargs):
        out = super()._apply(fn, *args, **kwargs)
        if self.graph is not None:
            self.graph = fn(self.graph)
        return out

    def embeddings(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(users [U, width], items [N, width]) after the encoder and the graph propagation."""
        users, items = self.project(self.user_vectors), self.project(self.item_vectors)
        if not self.cfg.gcn_layers:
            return users, items
        layer = torch.cat([users, items])
        total = layer
        for _ in range(self.cfg.gcn_layers):
            layer = self.graph @ layer
            total = total + layer
        total = total / (self.cfg.gcn_layers + 1)
        return total[:len(users)], total[len(users):]

    def forward(self, users: torch.Tensor, items: torch.Tensor, negatives: torch.Tensor | None = None) -> torch.Tensor:
        """InfoNCE for B (user, positive item) pairs; `negatives` [B, K] item indices, or None
        for in-batch negatives (logits [B, B], targets on the diagonal)."""
        all_users, all_items = self.embeddings()
        u = F.normalize(all_users[users], dim=-1)
        i = F.normalize(all_items[items], dim=-1)
        if negatives is None:
            logits = u @ i.T / self.cfg.temperature
            return F.cross_entropy(logits.float(), torch.arange(len(users), device=logits.device))
        if len(users) * len(all_items) <= settings.rows_per_step(1) :
            # Score against every item, then pick the negatives: a dense [B, N] product is far
            # cheaper than gathering [B, K, width] vectors and scattering their gradients back.
            negative_logits = (u @ F.normalize(all_items, dim=-1).T).gather(1, negatives)
        else:  # a large catalogue: only the sampled items (bounded memory)
            negative_logits = torch.einsum("bw,bkw->bk", u, F.normalize(all_items[negatives], dim=-1))
        logits = torch.cat([(u * i).sum(-1, keepdim=True), negative_logits], dim=1) / self.cfg.temperature
        return F.cross_entropy(logits.float(), torch.zeros(len(users), dtype=torch.long, device=logits.device))

    @torch.no_grad()
    def ranking_vectors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(users [U, 64], items [N, 64]), unit length: their dot product orders items as the score."""
        users, items = self.embeddings()
        return F.normalize(users, dim=-1), F.normalize(items, dim=-1)
