"""Readouts: from node embeddings of a batch of per-seed subgraphs to one vector per seed.

`SubgraphPooling` is the readout of `rdl.nn.RDLModel` (the ``pooling`` choice of
`rdl.train.TrainConfig`); each readout is one `Pooling` entry of `POOLING_REGISTRY`
(`POOLINGS` are their names, `pooling_help` the CLI's help text). The learned set readouts
live in `rdl.nn.pooling.readouts`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import torch
from torch import Tensor
from torch_geometric.nn.aggr import (
    AttentionalAggregation,
    MaxAggregation,
    MeanAggregation,
    PowerMeanAggregation,
)

from rdl.db.errors import ArgumentError, arg
from rdl.nn.pooling.readouts import (
    AdaptivePooling,
    GatedMaxMeanPooling,
    GeneralizedNormPooling,
    RelationNetworkPooling,
    SimPool,
    pair_partners,
)


@dataclass(frozen=True)
class Pooling:
    """One readout.

    Attributes:
        name: its ``pooling`` value.
        help: one line for ``--help`` and the docs.
        build: ``channels -> Module``: the aggregation over a seed's subgraph; ``None``
            for ``"seed"`` (the seed's own embedding, nothing pooled).
        pyg: the module is a PyG aggregation, called ``aggr(x, index, dim_size=S)``;
            otherwise rdl's readouts, called ``aggr(x, index, seed_x)``.
    """

    name: str
    help: str
    build: Callable[[int], torch.nn.Module] | None = None
    pyg: bool = False


#: every readout, in the order ``--help`` lists them (the first is the default)
POOLING_REGISTRY: dict[str, Pooling] = {
    p.name: p
    for p in (
        Pooling("seed", "the seed row's own embedding (RelBench)"),
        Pooling("mean", "mean over the subgraph", lambda c: MeanAggregation(), pyg=True),
        Pooling("max", "max over the subgraph", lambda c: MaxAggregation(), pyg=True),
        Pooling(
            "attention",
            "gated attention pooling",
            lambda c: AttentionalAggregation(gate_nn=torch.nn.Linear(c, 1)),
            pyg=True,
        ),
        Pooling("adaptive", "AdaPool: attention with the seed as the query", AdaptivePooling),
        Pooling("rn", "relation-network pooling over node pairs", RelationNetworkPooling),
        Pooling(
            "gem",
            "generalized mean with a learned power",
            lambda c: PowerMeanAggregation(p=3.0, learn=True),
            pyg=True,
        ),
        Pooling("simpool", "SimPool: attention with the subgraph mean as the query", SimPool),
        Pooling("gated", "gated max/mean pooling", GatedMaxMeanPooling),
        Pooling("gnp", "learnable generalized-norm pooling", GeneralizedNormPooling),
    )
}
#: the names of `POOLING_REGISTRY`
POOLINGS = tuple(POOLING_REGISTRY)


def pooling_help(verbose: bool = False) -> str:
    """The help text of the ``pooling`` choice: ``"readout: seed | mean | ..."``
    (``verbose``: each with its one-line help)."""
    if verbose:
        return "readout: " + "; ".join(f"{p.name} ({p.help})" for p in POOLING_REGISTRY.values())
    return "readout: " + " | ".join(POOLINGS)


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
        ArgumentError (a ValueError): unknown ``mode``.
    """

    def __init__(self, mode: str, channels: int):
        super().__init__()
        entry = POOLING_REGISTRY.get(mode)
        if entry is None:
            raise ArgumentError(
                f"unknown pooling {mode!r}; choose one of {list(POOLINGS)} ({arg('pooling')})"
            )
        self.mode = mode
        self.pyg = entry.pyg
        if entry.build is not None:
            self.aggr = entry.build(channels)
            self.proj = torch.nn.Linear(2 * channels, channels)

    def reset_parameters(self) -> None:
        """Re-initialise the readout's and the projection's parameters (none for
        ``"seed"``)."""
        for module in self.children():
            if hasattr(module, "reset_parameters"):
                cast(Any, module).reset_parameters()

    def forward(
        self, seed_x: Tensor, x_dict: dict[str, Tensor], batch_dict: dict[str, Tensor]
    ) -> Tensor:
        """``seed_x``: ``[num_seeds, C]``; ``x_dict``/``batch_dict``: table -> node embeddings
        ``[N, C]`` / seed index ``[N]``. Returns ``[num_seeds, C]``."""
        if self.mode == "seed":
            return seed_x
        x = torch.cat([x_dict[t] for t in x_dict])
        index = torch.cat([batch_dict[t] for t in x_dict])
        if self.pyg:
            pooled = self.aggr(x, index, dim_size=seed_x.size(0))
        else:
            pooled = self.aggr(x, index, seed_x)
        return self.proj(torch.cat([seed_x, pooled.to(seed_x.dtype)], dim=-1))


__all__ = [
    "POOLINGS",
    "POOLING_REGISTRY",
    "AdaptivePooling",
    "GatedMaxMeanPooling",
    "GeneralizedNormPooling",
    "Pooling",
    "RelationNetworkPooling",
    "SimPool",
    "SubgraphPooling",
    "pair_partners",
    "pooling_help",
]
