"""`PretrainConfig`: the knobs of self-supervised relational pretraining that `TrainConfig`
does not have (views, augmentations, relation head, seed grid); declared, with their
checks and ``rdl pretrain`` options, in `rdl.config.pretrain`."""

from __future__ import annotations

from rdl.config.pretrain import PRETRAIN_OPTIONS, PretrainConfig

__all__ = ["PRETRAIN_OPTIONS", "PretrainConfig"]
