"""`RDLModel`: the relational backbone + a readout over each seed's subgraph + a head."""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn import MLP

from rdl.nn.backbone import BackboneConfig, RelationalBackbone
from rdl.nn.pooling import SubgraphPooling


class RDLModel(torch.nn.Module):
    """Entity-level relational deep learning model (Fey et al. 2024, "Relational Deep
    Learning"; RelBench's ``examples/gnn_entity.py`` model).

    Forward pass on a mini-batch of per-seed subgraphs: `RelationalBackbone` (distinct
    rows encoded once, temporal encoding, heterogeneous message passing trimmed layer by
    layer), then
    a readout per seed (`SubgraphPooling`) and an MLP head.

    Args:
        entity_table: the seed (entity) table.
        out_channels: 1 for binary classification and regression, ``C`` for C classes.
        pooling: readout, one of `rdl.nn.POOLINGS`.
        backbone: the `BackboneConfig` (graph description, channels, layers, GNN ...);
            or its fields as keyword arguments (``backbone_args``, the flat form of
            checkpoints).
    """

    def __init__(
        self,
        *,
        entity_table: str,
        out_channels: int,
        pooling: str = "seed",
        backbone: BackboneConfig | None = None,
        **backbone_args,
    ):
        super().__init__()
        self.entity_table = entity_table
        self.backbone = RelationalBackbone(BackboneConfig.of(backbone, backbone_args))
        channels = self.backbone.channels
        self.pool = SubgraphPooling(pooling, channels)
        self.head = MLP(channels, out_channels=out_channels, norm="batch_norm", num_layers=1)

    def reset_parameters(self) -> None:
        """Re-initialise every child (backbone, pooling, head)."""
        self.backbone.reset_parameters()
        self.pool.reset_parameters()
        self.head.reset_parameters()

    def embed(self, batch, tf_dict: dict) -> Tensor:
        """One vector per seed before the head: ``[num_seeds, channels]`` (the readout of
        each seed's subgraph after message passing)."""
        x_dict, batch_dict = self.backbone(batch, tf_dict)
        num_seeds = batch.seed_time.numel()
        return self.pool(x_dict[self.entity_table][:num_seeds], x_dict, batch_dict)

    def forward(self, batch, tf_dict: dict) -> Tensor:
        """``batch``: `HeteroData` from `rdl.sampling.NodeLoader`; ``tf_dict``: the graph's
        TensorFrames. Returns ``[num_seeds, out_channels]`` (logits / raw regression)."""
        return self.head(self.embed(batch, tf_dict))
