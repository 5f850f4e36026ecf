"""The self-supervised relational reasoning objective (Patacchiola & Storkey, "Self-Supervised
Relational Reasoning for Representation Learning", NeurIPS 2020) on temporal subgraphs.

For a mini-batch of ``M`` seeds ``(entity, t)`` with ``K`` augmented views each
(`rdl.pretrain.views`), the backbone embeds every view (the seed row's embedding after
message passing, ``[M, C]`` per view). For every pair of view indices ``k1 < k2``:

* the **positives** are ``a(z_k1[i], z_k2[i])`` — two views of the same seed;
* the **negatives** are ``a(z_k1[i], z_k2[(i - s) mod M])`` — the second view rolled by a
  shift ``s`` that starts at 1 and grows with each pair ``(k1, k2)`` (wrapping before
  ``M``), as the paper's code does ("shuffle by rolling the mini-batch");

so each step has ``K (K - 1) / 2`` positive and as many negative blocks of ``M`` pairs.
The aggregation ``a`` is **concatenation** ``[z_1, z_2]`` (the paper's choice; it also
reports sum, mean and max, with concatenation best). A negative whose two seeds are the
same entity (the same row at two grid times can share a batch) carries no valid label
and is left out of the loss. The relation head is the paper's MLP
(``Linear(2C, 256) - BatchNorm - LeakyReLU - Linear(256, 1)``) and the loss the
Bernoulli log-likelihood, i.e. binary cross-entropy on its logits, averaged over pairs.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import torch
from torch import Tensor

from rdl.nn import RelationalBackbone


class RelationHead(torch.nn.Module):
    """The relation module ``r(a(z_i, z_j))``: ``[P, 2 C] -> [P]`` logits (the paper's:
    ``Linear(2C, hidden)``, BatchNorm, LeakyReLU, ``Linear(hidden, 1)``)."""

    def __init__(self, channels: int, hidden: int = 256):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(2 * channels, hidden),
            torch.nn.BatchNorm1d(hidden),
            torch.nn.LeakyReLU(),
            torch.nn.Linear(hidden, 1),
        )

    def reset_parameters(self) -> None:
        for m in self.net:
            if hasattr(m, "reset_parameters"):
                cast(Any, m).reset_parameters()

    def forward(self, pairs: Tensor) -> Tensor:
        return self.net(pairs).view(-1)


def relation_pairs(z: list[Tensor], entity: np.ndarray | Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Positive and negative pairs of ``K`` view embeddings (see the module docstring).

    Args:
        z: ``K`` tensors ``[M, C]`` (view ``k`` of seed ``i`` in row ``i``).
        entity: ``[M]`` entity node of each seed (negatives of one entity are dropped).

    Returns:
        ``(pairs [P, 2C], target [P], keep [P] bool)``: concatenated pairs, 1 for
        positives and 0 for negatives, and which pairs count in the loss.
    """
    m = z[0].size(0)
    entity = torch.as_tensor(np.asarray(entity))
    pairs, target, keep = [], [], []
    shift = 1
    for k1 in range(len(z)):
        for k2 in range(k1 + 1, len(z)):
            pairs.append(torch.cat([z[k1], z[k2]], dim=1))
            target.append(torch.ones(m))
            keep.append(torch.ones(m, dtype=torch.bool))
            pairs.append(torch.cat([z[k1], torch.roll(z[k2], shifts=shift, dims=0)], dim=1))
            target.append(torch.zeros(m))
            keep.append(entity != torch.roll(entity, shifts=shift, dims=0))
            shift += 1
            if shift >= m:
                shift = 1
    return torch.cat(pairs), torch.cat(target), torch.cat(keep)


class RelationalReasoner(torch.nn.Module):
    """A `RelationalBackbone` with the relation head on top (what pretraining fits).

    Args:
        backbone_kwargs: `RelationalBackbone`'s constructor arguments.
        entity_table: the seed table.
        head_hidden: hidden size of `RelationHead`.
    """

    def __init__(self, backbone_kwargs: dict, entity_table: str, head_hidden: int = 256):
        super().__init__()
        self.entity_table = entity_table
        self.backbone = RelationalBackbone(**backbone_kwargs)
        self.head = RelationHead(self.backbone.channels, head_hidden)

    def embed_view(self, batch, tf_dict: dict, row_transform=None) -> Tensor:
        """The seeds' embeddings in one view: ``[num_seeds, channels]`` (the seed rows
        after message passing; ``row_transform`` masks features, see `rdl.pretrain.views`)."""
        x_dict, _ = self.backbone.features(batch, tf_dict, row_transform)
        x_dict, _ = self.backbone(batch, tf_dict, x_dict=x_dict)
        return x_dict[self.entity_table][: batch.seed_time.numel()]

    def forward(
        self, views: list, tf_dict: dict, entity: np.ndarray
    ) -> tuple[Tensor, Tensor, Tensor]:
        """``views``: ``K`` `rdl.pretrain.views.View`; ``entity``: ``[M]`` entity nodes.
        Returns ``(logits [P], target [P], keep [P])`` over the pairs of `relation_pairs`."""
        z = [self.embed_view(v.batch, tf_dict, v.row_transform) for v in views]
        pairs, target, keep = relation_pairs(z, entity)
        return self.head(pairs), target, keep


def relation_loss(logits: Tensor, target: Tensor, keep: Tensor) -> Tensor:
    """Binary cross-entropy (the Bernoulli log-likelihood of the paper) over kept pairs."""
    return torch.nn.functional.binary_cross_entropy_with_logits(logits[keep].float(), target[keep])


__all__ = ["RelationHead", "RelationalReasoner", "relation_loss", "relation_pairs"]
