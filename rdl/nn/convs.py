"""Message-passing layers of rdl's heterogeneous GNN, one `GNNLayer` entry each in
`GNN_LAYERS` (the ``gnn`` choice of `rdl.train.TrainConfig`; `GNNS` are their names and
`gnn_help` the CLI's help text).

Each ``make_layer(gnn, ...)`` returns a module mapping ``(x_dict, edge_index_dict)`` to
the summed messages per destination table (``{table: [num_dst_nodes, channels]}``, only
tables that receive messages). The root term (a table's own features), LayerNorm, ReLU
and layer-wise trimming live in `rdl.nn.gnn.HeteroGNN`, outside the layer, so every
choice keeps rdl's speed tricks.

* ``"sage"``: GraphSAGE (Hamilton et al. 2017), PyG `SAGEConv` per edge type;
* ``"gat"``: GATv2 attention (Brody et al. 2022, "How Attentive are Graph Attention
  Networks?"), PyG `GATv2Conv` per edge type, as RelBench's ``HeteroGAT``
  (``relbench/modeling/nn.py``), except that the heads are concatenated
  (``channels / heads`` each) where RelBench averages full-width heads: a quarter of
  the cost for the same output size;
* ``"rn"``: a relation-network layer (Santoro et al. 2017, "A simple neural network
  module for relational reasoning"): the message is an MLP of the pair (receiver,
  sender), `RelationConv`;
* ``"hgt"``: the Heterogeneous Graph Transformer (Hu et al. 2020), PyG `HGTConv`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor
from torch_geometric.nn import GATv2Conv, HeteroConv, HGTConv, SAGEConv
from torch_geometric.nn.conv import MessagePassing

from rdl.db.errors import ArgumentError, arg
from rdl.nn.keys import safe_key

LINEAR_AGGRS = ("sum", "add", "mean")


class RelationConv(MessagePassing):
    """Relation-network message passing (Santoro et al. 2017): each edge ``j -> i``
    sends ``g(x_i, x_j)``, a two-layer MLP of the (receiver, sender) pair; messages are
    aggregated per receiver (``aggr``).

    ``g(x_i, x_j) = W_2 relu(W_dst x_i + W_src x_j + b_1)``. The first layer of the pair
    MLP is split into its receiver and sender parts, computed once per node instead of
    once per edge; with a linear aggregation (``sum`` / ``mean``) the second layer
    ``W_2`` is applied after aggregating (exact: it is linear), so each edge costs one
    add and one ReLU. For other aggregations ``W_2`` is applied per edge. ``g`` has no
    output bias: the per-table root linear of `rdl.nn.gnn.HeteroGNN` carries one.

    Args:
        in_channels: input size (sender and receiver).
        out_channels: message size.
        aggr: PyG aggregation of the messages (``"sum"``, ``"mean"``, ``"max"``, ...).
        hidden_channels: hidden size of ``g`` (default ``out_channels``).

    Shapes:
        input ``x = (x_src [N_src, in], x_dst [N_dst, in])``, ``edge_index [2, E]``;
        output ``[N_dst, out]``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        aggr: str = "sum",
        hidden_channels: int | None = None,
    ):
        super().__init__(aggr=aggr)
        hidden = hidden_channels or out_channels
        self.lin_src = torch.nn.Linear(in_channels, hidden, bias=False)
        self.lin_dst = torch.nn.Linear(in_channels, hidden, bias=True)
        self.lin_out = torch.nn.Linear(hidden, out_channels, bias=False)
        self.linear_aggr = aggr in LINEAR_AGGRS

    def reset_parameters(self) -> None:
        super().reset_parameters()
        self.lin_src.reset_parameters()
        self.lin_dst.reset_parameters()
        self.lin_out.reset_parameters()

    def forward(self, x: tuple[Tensor, Tensor], edge_index: Tensor) -> Tensor:
        x_src, x_dst = x
        h = self.propagate(
            edge_index,
            a=(self.lin_src(x_src), self.lin_dst(x_dst)),
            size=(x_src.size(0), x_dst.size(0)),
        )
        return self.lin_out(h) if self.linear_aggr else h

    def message(self, a_i: Tensor, a_j: Tensor) -> Tensor:
        h = torch.relu(a_i + a_j)
        return h if self.linear_aggr else self.lin_out(h)


class FastHGTConv(HGTConv):
    """PyG `HGTConv` with its relation-typed key / value maps computed as one batched
    product per edge type, same parameters and function.

    Without pyg-lib, PyG applies those maps (a `HeteroLinear` over ``heads x edge types``
    types) by writing slices of an output tensor type by type; its backward pass then
    adds a full-size gradient per type, which made ``gnn="hgt"`` ~10x slower than
    ``sage`` per batch on rel-f1. It also assumes the edge types arrive in the metadata's
    order (another order silently applies the wrong relation's weights); here each edge
    type picks its own weights.
    """

    def _construct_src_node_feat(self, k_dict, v_dict, edge_index_dict):
        h, d = self.heads, self.out_channels // self.heads
        num_types = len(self.edge_types)
        wk = self.k_rel.weight.view(h, num_types, d, d)
        wv = self.v_rel.weight.view(h, num_types, d, d)
        ks, vs, offset, cumsum = [], [], {}, 0
        for edge_type in edge_index_dict:
            src, i = edge_type[0], self.edge_types_map[edge_type]
            offset[edge_type] = cumsum
            cumsum += k_dict[src].size(0)
            ks.append(torch.einsum("nhd,hde->nhe", k_dict[src], wk[:, i]))
            vs.append(torch.einsum("nhd,hde->nhe", v_dict[src], wv[:, i]))
        return torch.cat(ks), torch.cat(vs), offset


class HeteroHGT(torch.nn.Module):
    """PyG `HGTConv` behind safe table keys, returning the messages only.

    `HGTConv` keys its per-type parameters by table name (a table named ``items`` or
    ``keys`` would clash with `ModuleDict` attributes), so tables are renamed to
    `safe_key` names around it. `HGTConv` mixes each node's input into its output with a
    learned gate; that is kept. Runs `FastHGTConv` (same function, faster backward).

    Args:
        node_types, edge_types: the graph's types.
        channels: input and output size; heads: attention heads (divides ``channels``).
    """

    def __init__(
        self,
        node_types: list[str],
        edge_types: list[tuple[str, str, str]],
        channels: int,
        heads: int = 4,
    ):
        super().__init__()
        self.edge_types = [tuple(et) for et in edge_types]
        metadata = (
            [safe_key(nt) for nt in node_types],
            [(safe_key(s), r, safe_key(d)) for s, r, d in self.edge_types],
        )
        self.conv = FastHGTConv(channels, channels, metadata, heads=heads)

    def reset_parameters(self) -> None:
        self.conv.reset_parameters()

    def forward(self, x_dict: dict[str, Tensor], edge_index_dict: dict) -> dict[str, Tensor]:
        x = {safe_key(nt): v for nt, v in x_dict.items()}
        ei = {
            (safe_key(et[0]), et[1], safe_key(et[2])): edge_index_dict[et]
            for et in self.edge_types
            if et in edge_index_dict
        }
        out = self.conv(x, ei)
        dst = {et[2] for et in edge_index_dict}
        return {
            nt: out[safe_key(nt)]
            for nt in x_dict
            if nt in dst and out.get(safe_key(nt)) is not None
        }


@dataclass(frozen=True)
class GNNLayer:
    """One message-passing layer kind.

    Attributes:
        name: its ``gnn`` value.
        help: one line for ``--help`` and the docs.
        conv: ``(channels, aggr, heads) -> MessagePassing``: one convolution per edge type
            (inside PyG `HeteroConv`, messages summed per destination table); or ``None``.
        whole: ``(node_types, edge_types, channels, heads) -> Module``: a layer over the
            whole heterogeneous graph (HGT), when ``conv`` is ``None``.
        heads: whether it uses attention heads (``channels`` must be a multiple of them).
    """

    name: str
    help: str
    conv: Callable[[int, str, int], MessagePassing] | None = None
    whole: Callable[..., torch.nn.Module] | None = None
    heads: bool = False


def _sage(channels: int, aggr: str, heads: int) -> MessagePassing:
    return SAGEConv((channels, channels), channels, aggr=aggr, root_weight=False)


def _gat(channels: int, aggr: str, heads: int) -> MessagePassing:
    return GATv2Conv(
        (channels, channels), channels // heads, heads=heads, concat=True, add_self_loops=False
    )


def _rn(channels: int, aggr: str, heads: int) -> MessagePassing:
    return RelationConv(channels, channels, aggr=aggr)


#: every layer kind, in the order ``--help`` lists them (the first is the default)
GNN_LAYERS: dict[str, GNNLayer] = {
    layer.name: layer
    for layer in (
        GNNLayer("sage", "GraphSAGE (RelBench's layer)", conv=_sage),
        GNNLayer("gat", "GATv2 attention, heads concatenated", conv=_gat, heads=True),
        GNNLayer("rn", "relation network: an MLP of each (receiver, sender) pair", conv=_rn),
        GNNLayer("hgt", "Heterogeneous Graph Transformer", whole=HeteroHGT, heads=True),
    )
}
#: the names of `GNN_LAYERS`
GNNS = tuple(GNN_LAYERS)


def gnn_help(verbose: bool = False) -> str:
    """The help text of the ``gnn`` choice: ``"message passing: sage | gat | rn | hgt"``
    (``verbose``: each with its one-line help)."""
    if verbose:
        return "message passing: " + "; ".join(f"{g.name} ({g.help})" for g in GNN_LAYERS.values())
    return "message passing: " + " | ".join(GNNS)


def make_layer(
    gnn: str,
    node_types: list[str],
    edge_types: list[tuple[str, str, str]],
    channels: int,
    aggr: str = "sum",
    heads: int = 4,
) -> torch.nn.Module:
    """One message-passing layer of kind ``gnn`` (see the module docstring).

    Args:
        gnn: one of `GNNS`.
        node_types, edge_types: the graph's types.
        channels: input and output size.
        aggr: neighbour aggregation of ``sage`` and ``rn`` (``gat`` and ``hgt`` use
            attention-weighted sums).
        heads: attention heads of ``gat`` (``channels // heads`` each, concatenated)
            and ``hgt``.

    Raises:
        ArgumentError (a ValueError): unknown ``gnn``, or ``heads`` does not divide
            ``channels``.
    """
    layer = GNN_LAYERS.get(gnn)
    if layer is None:
        raise ArgumentError(f"unknown gnn {gnn!r}; choose one of {list(GNNS)} ({arg('gnn')})")
    if layer.heads and channels % heads:
        raise ArgumentError(
            f"{arg('gnn', repr(gnn), cli=gnn)}: {heads} heads do not divide "
            f"{channels} channels; pick {arg('channels')} as a multiple of "
            f"{heads}"
        )
    if layer.whole is not None:
        return layer.whole(node_types, edge_types, channels, heads)
    assert layer.conv is not None  # every layer has conv or whole
    return HeteroConv({et: layer.conv(channels, aggr, heads) for et in edge_types}, aggr="sum")


__all__ = [
    "GNNS",
    "GNN_LAYERS",
    "FastHGTConv",
    "GNNLayer",
    "HeteroHGT",
    "RelationConv",
    "gnn_help",
    "make_layer",
]
