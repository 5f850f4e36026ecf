"""Readouts: from node embeddings of a batch of per-seed subgraphs to one vector per seed."""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn.aggr import AttentionalAggregation, MaxAggregation, MeanAggregation

POOLINGS = ("seed", "mean", "max", "attention")


class SubgraphPooling(torch.nn.Module):
    """Readout over each seed's sampled subgraph.

    * ``"seed"``: the seed node's own embedding (RelBench);
    * ``"mean"`` / ``"max"``: the seed embedding concatenated with the mean / max over every
      node of the seed's subgraph (all tables), projected back to ``channels``;
    * ``"attention"``: as above with attention weights (Li et al. 2016, gated attention
      pooling; PyG `AttentionalAggregation`) — a first step toward adaptive pooling.

    Raises:
        ValueError: unknown ``mode``.
    """

    def __init__(self, mode: str, channels: int):
        super().__init__()
        if mode not in POOLINGS:
            raise ValueError(f"unknown pooling {mode!r}; choose one of {list(POOLINGS)}")
        self.mode = mode
        if mode == "mean":
            self.aggr = MeanAggregation()
        elif mode == "max":
            self.aggr = MaxAggregation()
        elif mode == "attention":
            self.aggr = AttentionalAggregation(gate_nn=torch.nn.Linear(channels, 1))
        if mode != "seed":
            self.proj = torch.nn.Linear(2 * channels, channels)

    def reset_parameters(self) -> None:
        """Re-initialise the aggregation's and the projection's parameters (none for
        ``"seed"``)."""
        for module in self.children():
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()

    def forward(self, seed_x: Tensor, x_dict: dict[str, Tensor], batch_dict: dict[str, Tensor]) -> Tensor:
        """``seed_x``: ``[num_seeds, C]``; ``x_dict``/``batch_dict``: table -> node embeddings
        ``[N, C]`` / seed index ``[N]``. Returns ``[num_seeds, C]``."""
        if self.mode == "seed":
            return seed_x
        x = torch.cat([x_dict[t] for t in x_dict])
        index = torch.cat([batch_dict[t] for t in x_dict])
        pooled = self.aggr(x, index, dim_size=seed_x.size(0))
        return self.proj(torch.cat([seed_x, pooled], dim=-1))
