"""`RelationalBackbone`: row encoders + temporal encoding + heterogeneous GNN.

The part of every rdl model that turns a mini-batch of per-seed temporal subgraphs into
node embeddings. The entity model (`rdl.nn.RDLModel`), the link models
(`rdl.nn.link`) and self-supervised pretraining share it, so a backbone trained by one
can initialise another.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import Tensor

from rdl.nn.encoder import HeteroEncoder
from rdl.nn.gnn import HeteroGNN
from rdl.nn.temporal import TemporalEncoder


@dataclass
class BackboneConfig:
    """What builds a `RelationalBackbone`: the graph's description and the architecture.
    Every rdl model takes one (``backbone=``) or its fields as keyword arguments (the
    flat form saved in checkpoints), so no model re-declares them.

    Attributes:
        col_names_dict / col_stats: per table, from the graph's TensorFrames.
        node_types / edge_types: the graph's types (edge type = ``(src, rel, dst)``).
        time_tables: tables with a time column.
        channels: hidden size (RelBench: 128).
        num_layers: message-passing layers (RelBench: 2).
        aggr: neighbour aggregation of each SAGEConv (RelBench: ``"sum"``).
        encoder_layers: ResNet blocks per table (RelBench: 4).
        gnn: message-passing layer, one of `rdl.nn.convs.GNNS` (``"sage"``, ``"gat"``,
            ``"rn"``, ``"hgt"``; default ``"sage"``, RelBench's).
        heads: attention heads of ``gat`` / ``hgt`` (must divide ``channels``).
    """

    col_names_dict: dict
    col_stats: dict
    node_types: list
    edge_types: list
    time_tables: list
    channels: int = 128
    num_layers: int = 2
    aggr: str = "sum"
    encoder_layers: int = 4
    gnn: str = "sage"
    heads: int = 4

    @classmethod
    def of(cls, backbone: BackboneConfig | None, kwargs: dict) -> BackboneConfig:
        """``backbone``, or one from a model's flat keyword arguments (a checkpoint's
        ``model_kwargs``; old ones without ``heads`` get the default 4).

        Raises:
            TypeError: both given, or a keyword that is no field (names it).
        """
        if backbone is not None:
            if kwargs:
                raise TypeError(f"give backbone= or its fields, not both (got {sorted(kwargs)})")
            return backbone
        return cls(**kwargs)

    def to_kwargs(self) -> dict:
        """The fields as keyword arguments (the flat form of checkpoints)."""
        return asdict(self)


class RelationalBackbone(torch.nn.Module):
    """Node embeddings of a batch of per-seed subgraphs (Fey et al. 2024, "Relational
    Deep Learning"; RelBench's ``HeteroEncoder`` + ``HeteroTemporalEncoder`` +
    ``HeteroGraphSAGE``), made fast for disjoint temporal sampling:

    1. every *distinct* row of the batch is encoded once by its table's ResNet and the
       encoding gathered to all its per-seed copies (a row's encoding does not depend on
       the seed);
    2. the temporal encoding of each copy's age relative to its own seed time is added;
    3. ``num_layers`` of heterogeneous message passing (`rdl.nn.gnn.HeteroGNN`: GraphSAGE
       by default; trimmed layer by layer when the batch carries per-hop counts).

    Args:
        config: a `BackboneConfig`; or its fields as keyword arguments
            (``RelationalBackbone(**checkpoint["backbone_kwargs"])``).

    Raises:
        ValueError: unknown ``gnn``, or ``heads`` that do not divide ``channels``.
        TypeError: a keyword that is no `BackboneConfig` field.
    """

    def __init__(self, config: BackboneConfig | None = None, **kwargs):
        super().__init__()
        config = self.config = BackboneConfig.of(config, kwargs)
        self.time_tables = set(config.time_tables)
        self.channels = channels = config.channels
        self.encoder = HeteroEncoder(
            channels, config.col_names_dict, config.col_stats, config.encoder_layers
        )
        self.temporal = TemporalEncoder(sorted(self.time_tables), channels)
        self.gnn = HeteroGNN(
            config.node_types,
            config.edge_types,
            channels,
            config.aggr,
            config.num_layers,
            gnn=config.gnn,
            heads=config.heads,
        )

    def reset_parameters(self) -> None:
        self.encoder.reset_parameters()
        self.temporal.reset_parameters()
        self.gnn.reset_parameters()

    def features(
        self, batch, tf_dict: dict, row_transform=None
    ) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        """Node features before message passing.

        Args:
            batch: `HeteroData` from `rdl.sampling.loader.to_batch` (per table ``n_id``,
                ``batch``, ``uniq``, ``inv``, ``time``; graph-level ``seed_time``).
            tf_dict: the graph's TensorFrames.
            row_transform: optional ``f(table, tf, store) -> TensorFrame`` applied to the
                batch's distinct rows of each table before they are encoded (``store`` is
                the batch's node store of that table), e.g. the feature masking of
                pretraining views (`rdl.pretrain.views`).

        Returns:
            ``(x_dict, batch_dict)``: table -> ``[num_sampled_nodes, channels]`` (row
            encoding + temporal encoding of the age at the seed time) and table -> seed
            index ``[num_sampled_nodes]``; tables with no sampled node are absent.
        """
        x_dict, batch_dict = {}, {}
        seed_time = batch.seed_time
        for nt in batch.node_types:
            store = batch[nt]
            if "n_id" not in store or store.n_id.numel() == 0:
                continue
            tf = tf_dict[nt][store.uniq]
            if row_transform is not None:
                tf = row_transform(nt, tf, store)
            x = self.encoder(nt, tf)[store.inv]
            if nt in self.time_tables:
                x = x + self.temporal(nt, seed_time[store.batch], store.time)
            x_dict[nt] = x
            batch_dict[nt] = store.batch
        return x_dict, batch_dict

    def forward(
        self,
        batch,
        tf_dict: dict,
        edge_index_dict: dict | None = None,
        x_dict: dict[str, Tensor] | None = None,
        trim: bool = True,
    ) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        """Node embeddings after message passing.

        Args:
            batch, tf_dict: as in `features`.
            edge_index_dict: edge type -> ``[2, num_edges]`` local indices (default: the
                batch's sampled edges).
            x_dict: node features to start from (default: `features`); lets a caller add
                to them first (e.g. an identity embedding on the seeds).
            trim: trim layer by layer with the batch's per-hop counts (exact for the seed
                nodes; only the seeds' embeddings are complete afterwards). ``False``
                runs every layer on every node.

        Returns:
            ``(x_dict, batch_dict)`` as in `features`; with ``trim`` each table's tensors
            are cut to the nodes still present after the last layer, and the seed rows
            (the first ``num_seeds`` rows of the seed table) come first.
        """
        if x_dict is None:
            x_dict, batch_dict = self.features(batch, tf_dict)
        else:
            batch_dict = {nt: batch[nt].batch for nt in x_dict}
        if edge_index_dict is None:
            edge_index_dict = {et: batch[et].edge_index for et in batch.edge_types}
        edge_index_dict = {
            et: ei for et, ei in edge_index_dict.items() if et[0] in x_dict and et[2] in x_dict
        }
        if trim:
            x_dict = self.gnn(
                x_dict, edge_index_dict, batch.num_sampled_nodes_dict, batch.num_sampled_edges_dict
            )
        else:
            x_dict = self.gnn(x_dict, edge_index_dict)
        batch_dict = {nt: b[: x_dict[nt].size(0)] for nt, b in batch_dict.items()}
        return x_dict, batch_dict
