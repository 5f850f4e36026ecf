"""Task tables -> seeds (entity node index, seed time in seconds, label)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from rdl.graph import GraphData
from rdl.train.heads import HEADS


@dataclass
class Seeds:
    """One split's seeds: ``node`` ``int64 [n]`` entity node indices, ``time`` ``int64 [n]``
    seconds since epoch, ``y`` ``[n]`` labels (``None`` when hidden), ``df`` the task table.

    Seed inputs (`rdl.train.entity.EntityTrainer`: stale history and seed features):
    ``cutoff`` ``int64 [n]`` the information cut-off of each seed (`rdl.train.stale`;
    ``None``: the seed time);
    ``x_bank`` ``[U, F]`` seed-feature rows and ``x_index`` ``int64 [n]`` (or ``[n, K + 1]``,
    one column per gap of ``k`` steps for training seeds) the row of each seed; ``x_raw``
    ``[n, F]`` the unscaled features at the seeds' own cut-offs (for LightGBM).
    """

    node: np.ndarray
    time: np.ndarray
    y: torch.Tensor | None
    df: pd.DataFrame
    cutoff: np.ndarray | None = None
    x_bank: torch.Tensor | None = None
    x_index: np.ndarray | None = None
    x_raw: pd.DataFrame | None = None

    def __len__(self) -> int:
        return len(self.node)


def to_seconds(values) -> np.ndarray:
    """Seed times -> ``int64`` seconds since epoch, rounded **down** (node times are
    rounded up, `rdl.graph.build.node_seconds`: a row dated after a seed time at full
    precision is never visible to it)."""
    us = pd.to_datetime(pd.Series(values)).to_numpy(dtype="datetime64[us]").astype(np.int64)
    return us // 1_000_000


def make_seeds(task, table, graph: GraphData, with_labels: bool = True) -> Seeds:
    """Seeds of a task table (`rdl.Table` from ``task.get_table(split)``).

    Raises:
        KeyError: an entity of the task table is not a row of the entity table.
    """
    df = table.df
    node = graph.node_index(task.entity_table, df[task.entity_col].to_numpy())
    time = to_seconds(df[task.time_col])
    y = None
    if with_labels and task.target_col in df.columns:
        y = HEADS.get(task).labels(df[task.target_col].to_numpy())
    return Seeds(node, time, y, df)
