"""Link-prediction models: a two-tower GNN and an identity-aware GNN (ID-GNN).

Both run rdl's row encoders, temporal encoding and heterogeneous GraphSAGE on per-seed
temporal subgraphs from `rdl.sampling` (only rows dated ``<= seed time``).

* `TwoTowerModel` (RelBench ``examples/gnn_link.py``): the GNN embeds a source entity and
  a destination entity, each from its own subgraph sampled at the same seed time; the
  score is the inner product of the two embeddings. Optionally a shallow (per-row
  learned) embedding is added to the destination table's rows (RelBench's
  ``--use_shallow``).
* `IDGNNModel` (You et al., "Identity-aware Graph Neural Networks", AAAI 2021; RelBench
  ``examples/idgnn_link.py``): one subgraph per source; the seed node gets a learned
  identity embedding added to its features, message passing runs over the whole sampled
  subgraph in both edge directions (not trimmed), and an MLP scores every destination
  node of the subgraph — destinations the subgraph does not reach get no score.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn import MLP

from rdl.nn.backbone import BackboneConfig, RelationalBackbone


class TwoTowerModel(torch.nn.Module):
    """Two-tower link model: ``score(s, d, t) = <f_src(s, t), f_dst(d, t)>``.

    Each tower is the shared backbone (per-table ResNet row encoders, temporal encoding,
    ``num_layers`` of HeteroGraphSAGE, trimmed layer by layer) read out at its seed node,
    followed by a per-side linear head (source or destination).

    Args:
        src_table, dst_table: the task's source and destination tables.
        num_dst_nodes: rows of the destination table (size of the shallow embedding).
        shallow: add a learned per-row embedding to the destination table's node
            features before message passing (RelBench's ``use_shallow``).
        backbone: the `BackboneConfig` (its ``channels``: the embedding size); or its
            fields as keyword arguments (``backbone_args``).
    """

    def __init__(
        self,
        *,
        src_table: str,
        dst_table: str,
        num_dst_nodes: int,
        shallow: bool = False,
        backbone: BackboneConfig | None = None,
        **backbone_args,
    ):
        super().__init__()
        self.src_table, self.dst_table = src_table, dst_table
        self.backbone = RelationalBackbone(BackboneConfig.of(backbone, backbone_args))
        channels = self.backbone.channels
        self.src_head = MLP(channels, out_channels=channels, norm=None, num_layers=1)
        self.dst_head = MLP(channels, out_channels=channels, norm=None, num_layers=1)
        self.shallow = torch.nn.Embedding(num_dst_nodes, channels) if shallow else None
        if self.shallow is not None:
            torch.nn.init.normal_(self.shallow.weight, std=0.1)

    def reset_parameters(self) -> None:
        self.backbone.reset_parameters()
        self.src_head.reset_parameters()
        self.dst_head.reset_parameters()
        if self.shallow is not None:
            torch.nn.init.normal_(self.shallow.weight, std=0.1)

    def encode(self, batch, tf_dict: dict, side: str) -> Tensor:
        """Embeddings ``[num_seeds, channels]`` of the seeds of ``batch`` (a `HeteroData`
        from `rdl.sampling.loader.to_batch` whose seeds are rows of the ``side``
        (``"src"`` or ``"dst"``) table)."""
        table = self.src_table if side == "src" else self.dst_table
        x_dict, _ = self.backbone.features(batch, tf_dict)
        if self.shallow is not None and self.dst_table in x_dict:
            x_dict[self.dst_table] = x_dict[self.dst_table] + self.shallow(
                batch[self.dst_table].n_id
            )
        x_dict, _ = self.backbone(batch, tf_dict, x_dict=x_dict)
        seeds = x_dict[table][: batch.seed_time.numel()]
        return (self.src_head if side == "src" else self.dst_head)(seeds)

    def forward(self, src_batch, dst_batch, tf_dict: dict) -> Tensor:
        """Scores ``[num_src_seeds, num_dst_seeds]`` (inner products of the towers)."""
        return self.encode(src_batch, tf_dict, "src") @ self.encode(dst_batch, tf_dict, "dst").t()


class IDGNNModel(torch.nn.Module):
    """Identity-aware GNN for link prediction: scores the destination nodes of each
    source's sampled subgraph.

    Forward pass on a batch of per-seed subgraphs (seeds = source rows): node features as
    `rdl.nn.RDLModel` (unique rows encoded once, temporal encoding), plus a learned
    identity vector on each seed node; ``num_layers`` of HeteroGraphSAGE over the whole
    subgraph (no trimming: the destinations are the far end of the subgraph) with edges
    in both directions (RelBench's ``subgraph_type="bidirectional"``); an MLP on every
    destination-table node gives one logit per (seed, reached destination).

    Args:
        src_table, dst_table: the task's source and destination tables.
        backbone: the `BackboneConfig` (its ``num_layers``: at least the number of
            foreign-key hops from ``src_table`` to ``dst_table``); or its fields as
            keyword arguments (``backbone_args``).
    """

    def __init__(
        self,
        *,
        src_table: str,
        dst_table: str,
        backbone: BackboneConfig | None = None,
        **backbone_args,
    ):
        super().__init__()
        self.src_table, self.dst_table = src_table, dst_table
        self.backbone = RelationalBackbone(BackboneConfig.of(backbone, backbone_args))
        channels = self.backbone.channels
        self.identity = torch.nn.Embedding(1, channels)
        self.head = MLP([channels, channels, 1], norm=None)

    def reset_parameters(self) -> None:
        self.backbone.reset_parameters()
        self.identity.reset_parameters()
        self.head.reset_parameters()

    def forward(self, batch, tf_dict: dict, edge_index_dict: dict) -> Tensor:
        """``batch``: source seeds' subgraphs (`to_batch`); ``edge_index_dict``: its edges
        in both directions. Returns ``[num_dst_nodes_in_batch]`` logits, one per copy of a
        destination row (``batch[dst_table].batch`` gives its seed, ``.n_id`` its row);
        empty when no destination was reached."""
        x_dict, _ = self.backbone.features(batch, tf_dict)
        if self.dst_table not in x_dict:
            return torch.zeros(0)
        num_seeds = batch.seed_time.numel()
        x_src = x_dict[self.src_table]
        is_seed = torch.zeros(x_src.size(0), 1, dtype=x_src.dtype)
        is_seed[:num_seeds] = 1.0
        x_dict[self.src_table] = x_src + is_seed * self.identity.weight
        x_dict, _ = self.backbone(batch, tf_dict, edge_index_dict, x_dict=x_dict, trim=False)
        return self.head(x_dict[self.dst_table]).view(-1)
