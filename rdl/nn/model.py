"""`RDLModel`: row encoders + temporal encoding + heterogeneous GNN + readout head."""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn import MLP

from rdl.nn.encoder import HeteroEncoder
from rdl.nn.gnn import HeteroGraphSAGE
from rdl.nn.pooling import SubgraphPooling
from rdl.nn.temporal import TemporalEncoder


class RDLModel(torch.nn.Module):
    """Relational deep learning model (Fey et al. 2024, "Relational Deep Learning";
    RelBench's entity model), made fast for disjoint temporal sampling.

    Forward pass on a mini-batch of per-seed subgraphs:

    1. every *unique* row of the batch is encoded once by the per-table ResNet and its
       encoding gathered to all per-seed copies (row encodings do not depend on the seed);
    2. the temporal encoding of each copy's age relative to its seed time is added;
    3. ``num_layers`` of `HeteroGraphSAGE`;
    4. readout (`SubgraphPooling`) and an MLP head on the seed nodes.

    Args:
        col_names_dict / col_stats: per table, from the graph's TensorFrames.
        node_types / edge_types: the graph's types.
        time_tables: tables with a time column.
        entity_table: the seed (entity) table.
        out_channels: 1 for binary classification and regression, ``C`` for C classes.
        channels: hidden size (RelBench: 128).
    """

    def __init__(self, *, col_names_dict: dict, col_stats: dict, node_types: list[str],
                 edge_types: list, time_tables: list[str], entity_table: str,
                 out_channels: int, channels: int = 128, num_layers: int = 2,
                 aggr: str = "sum", pooling: str = "seed", encoder_layers: int = 4):
        super().__init__()
        self.entity_table = entity_table
        self.time_tables = set(time_tables)
        self.encoder = HeteroEncoder(channels, col_names_dict, col_stats, encoder_layers)
        self.temporal = TemporalEncoder(sorted(self.time_tables), channels)
        self.gnn = HeteroGraphSAGE(node_types, edge_types, channels, aggr, num_layers)
        self.pool = SubgraphPooling(pooling, channels)
        self.head = MLP(channels, out_channels=out_channels, norm="batch_norm", num_layers=1)

    def reset_parameters(self) -> None:
        self.encoder.reset_parameters()
        self.temporal.reset_parameters()
        self.gnn.reset_parameters()
        self.head.reset_parameters()

    def embed(self, batch, tf_dict: dict) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        """Node features ``[num_sampled_nodes, channels]`` per table before message passing."""
        x_dict, batch_dict = {}, {}
        seed_time = batch.seed_time
        for nt in batch.node_types:
            store = batch[nt]
            if store.n_id.numel() == 0:
                continue
            x = self.encoder(nt, tf_dict[nt][store.uniq])[store.inv]
            if nt in self.time_tables:
                x = x + self.temporal(nt, seed_time[store.batch], store.time)
            x_dict[nt] = x
            batch_dict[nt] = store.batch
        return x_dict, batch_dict

    def forward(self, batch, tf_dict: dict) -> Tensor:
        """``batch``: `HeteroData` from `rdl.sampling.NodeLoader`; ``tf_dict``: the graph's
        TensorFrames. Returns ``[num_seeds, out_channels]`` (logits / raw regression)."""
        x_dict, batch_dict = self.embed(batch, tf_dict)
        edge_index_dict = {et: batch[et].edge_index for et in batch.edge_types
                           if et[0] in x_dict and et[2] in x_dict}
        x_dict = self.gnn(x_dict, edge_index_dict, batch.num_sampled_nodes_dict,
                          batch.num_sampled_edges_dict)
        batch_dict = {nt: b[: x_dict[nt].size(0)] for nt, b in batch_dict.items()}
        num_seeds = batch.seed_time.numel()
        seed_x = x_dict[self.entity_table][:num_seeds]
        return self.head(self.pool(seed_x, x_dict, batch_dict))
