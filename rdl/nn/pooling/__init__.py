"""Readouts: from node embeddings of a batch of per-seed subgraphs to one vector per seed.

`SubgraphPooling` is the readout of `rdl.nn.RDLModel` (``--pooling``); the learned set
readouts it uses live in `rdl.nn.pooling.readouts`.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn.aggr import (
    AttentionalAggregation,
    MaxAggregation,
    MeanAggregation,
    PowerMeanAggregation,
)

from rdl.nn.pooling.readouts import (
    AdaptivePooling,
    GatedMaxMeanPooling,
    GeneralizedNormPooling,
    RelationNetworkPooling,
    SimPool,
    pair_partners,
)

POOLINGS = ("seed", "mean", "max", "attention", "adaptive", "rn", "gem", "simpool", "gated", "gnp")
_PYG = ("mean", "max", "attention", "gem")  # PyG aggregations: aggr(x, index, dim_size=S)


class SubgraphPooling(torch.nn.Module):
    """Readout over each seed's sampled subgraph: every node of the seed's subgraph that
    is left after message passing (all tables, the seed included) is pooled, and the
    seed embedding concatenated with the pooled vector is projected back to
    ``channels``, except for ``"seed"``.

    * ``"seed"``: the seed node's own embedding (RelBench);
    * ``"mean"`` / ``"max"``: mean / max over the subgraph (PyG aggregations);
    * ``"attention"``: gated attention pooling (Li et al. 2016; PyG
      `AttentionalAggregation`): a learned score per node, softmax per subgraph;
    * ``"adaptive"``: AdaPool (Brothers 2025), attention with the seed embedding as the
      query (`AdaptivePooling`);
    * ``"rn"``: relation-network pooling over sampled node pairs (Santoro et al. 2017;
      `RelationNetworkPooling`);
    * ``"gem"``: generalized-mean (GeM) pooling ``(mean x^p)^(1/p)`` with a learned ``p``
      (Radenović et al. 2018, "Fine-tuning CNN Image Retrieval with No Human
      Annotation"; PyG `PowerMeanAggregation`, inputs clamped to ``[1e-4, 100]``);
    * ``"simpool"``: SimPool (Psomas et al. 2023), attention with the subgraph mean as
      the query (`SimPool`);
    * ``"gated"``: gated max/mean pooling (Lee et al. 2016; `GatedMaxMeanPooling`);
    * ``"gnp"``: learnable generalized-norm pooling (Ko et al. 2021;
      `GeneralizedNormPooling`).

    Args:
        mode: one of `POOLINGS`.
        channels: embedding size ``C``.

    Raises:
        ValueError: unknown ``mode``.
    """

    def __init__(self, mode: str, channels: int):
        super().__init__()
        if mode not in POOLINGS:
            raise ValueError(f"unknown pooling {mode!r}; choose one of {list(POOLINGS)} "
                             "(`rdl train --pooling`)")
        self.mode = mode
        builders = {
            "mean": MeanAggregation,
            "max": MaxAggregation,
            "attention": lambda: AttentionalAggregation(gate_nn=torch.nn.Linear(channels, 1)),
            "gem": lambda: PowerMeanAggregation(p=3.0, learn=True),
            "adaptive": lambda: AdaptivePooling(channels),
            "rn": lambda: RelationNetworkPooling(channels),
            "simpool": lambda: SimPool(channels),
            "gated": lambda: GatedMaxMeanPooling(channels),
            "gnp": lambda: GeneralizedNormPooling(channels),
        }
        if mode != "seed":
            self.aggr = builders[mode]()
            self.proj = torch.nn.Linear(2 * channels, channels)

    def reset_parameters(self) -> None:
        """Re-initialise the readout's and the projection's parameters (none for
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
        if self.mode in _PYG:
            pooled = self.aggr(x, index, dim_size=seed_x.size(0))
        else:
            pooled = self.aggr(x, index, seed_x)
        return self.proj(torch.cat([seed_x, pooled.to(seed_x.dtype)], dim=-1))


__all__ = ["POOLINGS", "SubgraphPooling", "AdaptivePooling", "GatedMaxMeanPooling",
           "GeneralizedNormPooling", "RelationNetworkPooling", "SimPool", "pair_partners"]
