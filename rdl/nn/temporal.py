"""Temporal encoding: the age of each sampled node relative to its seed time."""

from __future__ import annotations

from typing import cast

import torch
from torch import Tensor
from torch_geometric.nn import PositionalEncoding

from rdl.nn.keys import safe_key

SECONDS_PER_DAY = 86400.0


class TemporalEncoder(torch.nn.Module):
    """``age = (seed_time - node_time)`` in days -> sinusoidal encoding (Vaswani et al.
    2017, PyG `PositionalEncoding`) -> per-table linear layer, added to node features
    (RelBench's ``HeteroTemporalEncoder``).

    Args:
        tables: tables that have a time column.
        channels: output size.
    """

    def __init__(self, tables: list[str], channels: int):
        super().__init__()
        self.encoding = PositionalEncoding(channels)
        self.lins = torch.nn.ModuleDict(
            {safe_key(t): torch.nn.Linear(channels, channels) for t in tables}
        )

    def reset_parameters(self) -> None:
        self.encoding.reset_parameters()
        for lin in self.lins.values():
            cast(torch.nn.Linear, lin).reset_parameters()

    def forward(self, table: str, seed_time: Tensor, node_time: Tensor) -> Tensor:
        """``seed_time``, ``node_time``: ``[num_nodes]`` seconds since epoch (each node's
        own seed's time). Returns ``[num_nodes, channels]``."""
        age_days = (seed_time - node_time).to(torch.float) / SECONDS_PER_DAY
        return self.lins[safe_key(table)](self.encoding(age_days))
