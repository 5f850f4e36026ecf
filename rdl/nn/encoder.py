"""Row encoders: one pytorch-frame ResNet per table (RelBench's ``HeteroEncoder``)."""

from __future__ import annotations

from typing import Any

import torch
import torch_frame
from torch import Tensor
from torch_frame.data import TensorFrame
from torch_frame.nn import (
    EmbeddingEncoder,
    LinearEmbeddingEncoder,
    LinearEncoder,
    MultiCategoricalEmbeddingEncoder,
    ResNet,
    TimestampEncoder,
)

from rdl.nn.keys import safe_key


def default_stype_encoders() -> dict:
    """Stype -> pytorch-frame encoder (RelBench's defaults): embedding for categorical,
    linear for numerical, multicategorical embedding, linear for embeddings (text),
    timestamp encoder."""
    return {
        torch_frame.categorical: EmbeddingEncoder(),
        torch_frame.numerical: LinearEncoder(),
        torch_frame.multicategorical: MultiCategoricalEmbeddingEncoder(),
        torch_frame.embedding: LinearEmbeddingEncoder(),
        torch_frame.timestamp: TimestampEncoder(),
    }


class HeteroEncoder(torch.nn.Module):
    """Encodes rows of every table into ``channels``-d vectors.

    Per table a `torch_frame.nn.ResNet` (Gorishniy et al. 2021, "Revisiting Deep Learning
    Models for Tabular Data") over the stype encoders, as RelBench's ``HeteroEncoder``.

    Args:
        channels: output size (RelBench: 128).
        col_names_dict: table -> ``TensorFrame.col_names_dict``.
        col_stats: table -> pytorch-frame column stats.
        num_layers: ResNet blocks per table (RelBench: 4).
    """

    def __init__(self, channels: int, col_names_dict: dict, col_stats: dict, num_layers: int = 4):
        super().__init__()
        self.encoders = torch.nn.ModuleDict()
        for table, names in col_names_dict.items():
            self.encoders[safe_key(table)] = ResNet(
                channels=channels,
                out_channels=channels,
                num_layers=num_layers,
                col_stats=col_stats[table],
                col_names_dict=names,
                stype_encoder_dict=default_stype_encoders(),
            )

    def reset_parameters(self) -> None:
        """Re-initialise every table's ResNet, its stype encoders included (pytorch-frame's
        ``ResNet.reset_parameters`` leaves the stype encoders as they are)."""
        for module in self.encoders.values():
            enc: Any = module  # a pytorch-frame ResNet (untyped)
            enc.reset_parameters()
            for stype_encoder in enc.encoder.encoder_dict.values():
                stype_encoder.reset_parameters()

    def forward(self, table: str, tf: TensorFrame) -> Tensor:
        """Rows ``tf`` of ``table`` -> ``[num_rows, channels]``."""
        return self.encoders[safe_key(table)](tf)
