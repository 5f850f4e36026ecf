"""Heterogeneous message passing (RelBench's ``HeteroGraphSAGE`` and its relatives),
trimmed layer by layer."""

from __future__ import annotations

from typing import Any, cast

import torch
from torch import Tensor
from torch.nn import ModuleDict
from torch_geometric.nn import LayerNorm
from torch_geometric.utils import trim_to_layer

from rdl.nn.convs import GNNS, make_layer
from rdl.nn.keys import safe_key


class HeteroGNN(torch.nn.Module):
    """``num_layers`` layers of per-edge-type message passing summed across edge types
    (`rdl.nn.convs.make_layer`, one of `rdl.nn.convs.GNN_LAYERS`), plus a per-table
    root linear, then per-table `LayerNorm` and ReLU.

    Two exact savings over RelBench's modules, same function class:

    * the root term: SAGEConv's ``lin_r(x_dst)`` summed over the edge types into a table
      is one linear map, so each table has one root `Linear` (the convolutions have no
      root weight / self loops) instead of one per edge type;
    * layer-wise trimming (PyG `trim_to_layer`): layer ``l`` only computes outputs for
      nodes within ``num_layers - 1 - l`` hops of the seeds, so the last layer runs on
      the seeds alone. Needs nodes and edges ordered by hop with their per-hop counts.

    Args:
        node_types, edge_types: the graph's types (edge type = ``(src, rel, dst)``).
        channels: hidden size.
        aggr: neighbour aggregation of ``sage`` / ``rn`` (RelBench's example: ``"sum"``).
        num_layers: message-passing layers (RelBench: 2).
        gnn: the layer kind, one of `rdl.nn.convs.GNNS` (default ``"sage"``).
        heads: attention heads of ``gat`` / ``hgt``.

    Raises:
        ValueError: unknown ``gnn`` (see `rdl.nn.convs.make_layer`).
    """

    def __init__(
        self,
        node_types: list[str],
        edge_types: list[tuple[str, str, str]],
        channels: int,
        aggr: str = "sum",
        num_layers: int = 2,
        gnn: str = "sage",
        heads: int = 4,
    ):
        super().__init__()
        self.gnn = gnn
        self.convs = torch.nn.ModuleList(
            make_layer(gnn, node_types, edge_types, channels, aggr, heads)
            for _ in range(num_layers)
        )
        self.roots = torch.nn.ModuleList(
            torch.nn.ModuleDict(
                {safe_key(nt): torch.nn.Linear(channels, channels) for nt in node_types}
            )
            for _ in range(num_layers)
        )
        self.norms = torch.nn.ModuleList(
            torch.nn.ModuleDict(
                {safe_key(nt): LayerNorm(channels, mode="node") for nt in node_types}
            )
            for _ in range(num_layers)
        )

    def reset_parameters(self) -> None:
        for conv in self.convs:
            cast(Any, conv).reset_parameters()
        for layer in (*self.roots, *self.norms):
            for module in layer.values():
                module.reset_parameters()

    def forward(
        self,
        x_dict: dict[str, Tensor],
        edge_index_dict: dict,
        num_sampled_nodes: dict | None = None,
        num_sampled_edges: dict | None = None,
    ) -> dict[str, Tensor]:
        """``x_dict``: table -> ``[num_nodes, channels]``; ``edge_index_dict``: edge type ->
        ``[2, num_edges]`` local indices; ``num_sampled_nodes`` / ``num_sampled_edges``:
        per-hop counts (PyG's ``HeteroSamplerOutput`` meaning) to trim layer by layer.
        Returns the updated ``x_dict`` (trimmed: after the last layer only the seed hop is
        guaranteed to be present); a table that receives no message keeps its input."""
        edge_index_dict = {et: ei for et, ei in edge_index_dict.items() if ei.size(1) > 0}
        for i, (conv, roots, norms) in enumerate(zip(self.convs, self.roots, self.norms)):
            roots, norms = cast(ModuleDict, roots), cast(ModuleDict, norms)  # per table
            if num_sampled_nodes is not None and i > 0:
                x_dict, edge_index_dict, _ = trim_to_layer(
                    i, num_sampled_nodes, num_sampled_edges, x_dict, edge_index_dict
                )
                edge_index_dict = {et: ei for et, ei in edge_index_dict.items() if ei.size(1) > 0}
            out = conv(x_dict, edge_index_dict) if edge_index_dict else {}
            new = {}
            for nt, x in x_dict.items():
                if nt in out:
                    h = out[nt] + roots[safe_key(nt)](x)
                    new[nt] = torch.relu(norms[safe_key(nt)](h))
                else:
                    new[nt] = x
            x_dict = new
        return x_dict


class HeteroGraphSAGE(HeteroGNN):
    """`HeteroGNN` with GraphSAGE layers (``gnn="sage"``): RelBench's ``HeteroGraphSAGE``
    with a per-table root linear, trimmed layer by layer."""

    def __init__(
        self,
        node_types: list[str],
        edge_types: list[tuple[str, str, str]],
        channels: int,
        aggr: str = "sum",
        num_layers: int = 2,
    ):
        super().__init__(node_types, edge_types, channels, aggr, num_layers, gnn="sage")


__all__ = ["GNNS", "HeteroGNN", "HeteroGraphSAGE"]
