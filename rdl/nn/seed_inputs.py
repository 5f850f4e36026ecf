"""Inputs of the seed itself, beside its subgraph (so a GNN sees what tabular models see
of a seed): how stale its history is, and a vector of tabular features (the entity's
time-bounded relational aggregates and its own past labels, `rdl.train.seed_features`).

`SeedInputModel` is `RDLModel` with these inputs added to the seed node's features
before message passing (early fusion), so both GNN layers and the readout can use them.
"""

from __future__ import annotations

from typing import Any, cast

import torch
from torch import Tensor
from torch_geometric.nn import PositionalEncoding

from rdl.nn.model import RDLModel
from rdl.nn.temporal import SECONDS_PER_DAY


class SeedInputEncoder(torch.nn.Module):
    """``[num_seeds, channels]`` from a seed's staleness and feature vector.

    * staleness ``s`` (seconds; the seed time minus its information cut-off) -> days ->
      sinusoidal encoding (PyG `PositionalEncoding`, as the ages of
      `rdl.nn.TemporalEncoder`) -> linear layer;
    * features ``[num_seeds, num_features]`` (standardised, nulls as 0 with indicator
      columns, `rdl.train.seed_features.FeatureScaler`) -> two-layer MLP with ReLU.

    The two are summed. A part left out (``staleness=False`` / ``num_features=0``)
    contributes nothing.

    Args:
        channels: output size.
        num_features: width of the feature vector (0: none).
        staleness: encode the staleness.
    """

    def __init__(self, channels: int, num_features: int = 0, staleness: bool = False):
        super().__init__()
        self.num_features, self.staleness = int(num_features), bool(staleness)
        if self.staleness:
            self.stale_encoding = PositionalEncoding(channels)
            self.stale_lin = torch.nn.Linear(channels, channels)
        if self.num_features:
            self.mlp = torch.nn.Sequential(
                torch.nn.Linear(self.num_features, channels),
                torch.nn.ReLU(),
                torch.nn.Linear(channels, channels),
            )

    @property
    def enabled(self) -> bool:
        return self.staleness or self.num_features > 0

    def reset_parameters(self) -> None:
        for module in self.modules():
            if module is not self and hasattr(module, "reset_parameters"):
                cast(Any, module).reset_parameters()

    def forward(self, staleness: Tensor | None, features: Tensor | None) -> Tensor | None:
        """``staleness``: ``[num_seeds]`` seconds; ``features``: ``[num_seeds,
        num_features]``. Returns ``[num_seeds, channels]`` (``None`` when disabled).

        Raises:
            ValueError: an enabled input is missing from the batch.
        """
        out = None
        if self.staleness:
            if staleness is None:
                raise ValueError(
                    "the model encodes staleness but the batch has no "
                    "'staleness' (seed time minus information cut-off)"
                )
            days = staleness.to(torch.float) / SECONDS_PER_DAY
            out = self.stale_lin(self.stale_encoding(days))
        if self.num_features:
            if features is None or features.size(-1) != self.num_features:
                got = None if features is None else tuple(features.shape)
                raise ValueError(
                    f"the model takes {self.num_features} seed features, the batch has {got}"
                )
            h = self.mlp(features.to(torch.float))
            out = h if out is None else out + h
        return out


class SeedInputModel(RDLModel):
    """`RDLModel` whose seed nodes also receive `SeedInputEncoder`'s vector before
    message passing. The batch carries ``staleness`` (``[num_seeds]`` seconds) and
    ``seed_x`` (``[num_seeds, num_features]``) for the enabled inputs.

    Args:
        seed_features: width of the seed feature vector (0: none).
        staleness: encode the seed's staleness.
        **kwargs: `RDLModel`'s arguments.
    """

    def __init__(self, *, seed_features: int = 0, staleness: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.seed_inputs = SeedInputEncoder(self.backbone.channels, seed_features, staleness)

    def reset_parameters(self) -> None:
        super().reset_parameters()
        self.seed_inputs.reset_parameters()

    def embed(self, batch, tf_dict: dict) -> Tensor:
        num_seeds = batch.seed_time.numel()
        extra = self.seed_inputs(getattr(batch, "staleness", None), getattr(batch, "seed_x", None))
        if extra is None:
            return super().embed(batch, tf_dict)
        x_dict, _ = self.backbone.features(batch, tf_dict)
        x = x_dict[self.entity_table]
        x_dict[self.entity_table] = torch.cat([x[:num_seeds] + extra.to(x.dtype), x[num_seeds:]])
        x_dict, batch_dict = self.backbone(batch, tf_dict, x_dict=x_dict)
        return self.pool(x_dict[self.entity_table][:num_seeds], x_dict, batch_dict)


def entity_model(**kwargs) -> RDLModel:
    """The entity model for checkpointed constructor arguments: `SeedInputModel` when
    they name seed inputs (``seed_features`` / ``staleness``), else `RDLModel`."""
    if kwargs.get("seed_features") or kwargs.get("staleness"):
        return SeedInputModel(**kwargs)
    kwargs = {k: v for k, v in kwargs.items() if k not in ("seed_features", "staleness")}
    return RDLModel(**kwargs)


__all__ = ["SeedInputEncoder", "SeedInputModel", "entity_model"]
