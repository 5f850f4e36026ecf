"""Augmented views of an entity's temporal subgraph at a seed time ``t``.

Four augmentations, composed in this order for every view of a seed ``(entity, t)``:

1. **time jitter**: the view is taken at ``t' = t - U(0, max_jitter)`` — never after ``t``;
2. **information cut-off**: the subgraph is sampled at ``c = t' - U(0, max_cutoff)`` (no
   row dated after ``c``) while ages are encoded against ``t'`` (`rdl.sampling.loader.to_batch`'s
   ``seed_time``): the view sees a history that stops early;
3. **neighbour dropout**: each sampled non-seed row is dropped with probability ``p``,
   with every edge into or out of it (so everything reached only through it too);
4. **feature masking**: each cell of a sampled row is masked with probability ``p``
   (categorical and timestamp cells set missing, numerical cells set to the column mean,
   text-embedding cells to zeros; see `mask_cells`), and all cells of the seed row with
   probability ``seed_mask``.

``t'`` and ``c`` are clipped to the entity row's own time (a view never starts before its
entity exists). So every row of a view is dated ``<= c <= t' <= t``: the leakage rule of
supervised training holds for every view (``tests/test_pretrain_views.py``).
"""

from __future__ import annotations

import copy
from typing import Any, NamedTuple

import numpy as np
import torch
import torch_frame
from torch_frame.data import MultiEmbeddingTensor

from rdl.graph import GraphData
from rdl.pretrain.config import PretrainConfig
from rdl.pretrain.seeds import SECONDS_PER_DAY
from rdl.sampling import TemporalNeighborSampler
from rdl.sampling.loader import to_batch


def mask_cells(
    tf,
    mask_prob: float,
    full_rows: torch.Tensor | None,
    generator: torch.Generator,
    numerical_fill: torch.Tensor | None = None,
):
    """A copy of TensorFrame ``tf`` with random cells masked.

    A masked cell becomes: categorical -1 (pytorch-frame's missing category: the padding
    embedding), timestamp -1 (missing: imputed with the column's median time), numerical
    ``numerical_fill`` (default 0; pass the columns' means so a masked cell encodes as the
    encoder's bias), embedding (text) zeros. Not NaN: pytorch-frame's linear encoders turn
    a NaN input into NaN weight gradients.

    Args:
        mask_prob: probability of masking each (row, column) cell.
        full_rows: optional ``bool [num_rows]``: rows whose every cell is masked.
        generator: torch random generator.
        numerical_fill: ``[num_numerical_columns]`` values of masked numerical cells.

    Multicategorical (and other nested) columns are left as they are.
    """
    n = tf.num_rows
    feat = {}
    for st, x in tf.feat_dict.items():
        cols = len(tf.col_names_dict[st])
        m = torch.rand(n, cols, generator=generator) < mask_prob
        if full_rows is not None:
            m |= full_rows.view(-1, 1)
        if st == torch_frame.numerical:
            fill = (
                torch.zeros(cols, dtype=x.dtype)
                if numerical_fill is None
                else numerical_fill.to(x.dtype)
            )
            x = torch.where(m, fill.view(1, -1).expand_as(x), x)
        elif st in (torch_frame.timestamp, torch_frame.categorical):
            mm = m if x.dim() == 2 else m.unsqueeze(-1).expand_as(x)
            x = torch.where(mm, torch.full_like(x, -1), x)
        elif st == torch_frame.embedding and isinstance(x, MultiEmbeddingTensor):
            widths = (x.offset[1:] - x.offset[:-1]).tolist()
            mm = torch.repeat_interleave(m, torch.tensor(widths), dim=1)
            values = torch.where(mm, torch.zeros_like(x.values), x.values)
            x = MultiEmbeddingTensor(
                num_rows=x.num_rows, num_cols=x.num_cols, values=values, offset=x.offset
            )
        feat[st] = x
    out = copy.copy(tf)
    out.feat_dict = feat
    return out


def numerical_means(graph: GraphData) -> dict[str, torch.Tensor]:
    """Table -> ``[num_numerical_columns]`` column means (the graph's column stats), in
    the TensorFrame's column order: the fill of masked numerical cells."""
    from torch_frame.data.stats import StatType

    out = {}
    for table, tf in graph.tf_dict.items():
        cols = tf.col_names_dict.get(torch_frame.numerical, [])
        if cols:
            out[table] = torch.tensor(
                [float(graph.col_stats[table][c].get(StatType.MEAN, 0.0)) for c in cols]
            )
    return out


class RowMasker:
    """``row_transform`` of `rdl.nn.RelationalBackbone.features` for one view: masks cells
    of the batch's distinct rows, and all cells of the seed rows with probability
    ``seed_mask`` (the seeds are the first ``num_seeds`` rows of the entity table)."""

    def __init__(
        self,
        entity_table: str,
        num_seeds: int,
        mask_prob: float,
        seed_mask: float,
        generator: torch.Generator,
        numerical_fill: dict | None = None,
    ):
        self.entity_table, self.num_seeds = entity_table, num_seeds
        self.mask_prob, self.seed_mask, self.generator = mask_prob, seed_mask, generator
        self.numerical_fill = numerical_fill or {}

    def __call__(self, table: str, tf, store):
        full = None
        if table == self.entity_table and self.seed_mask > 0:
            full = torch.zeros(tf.num_rows, dtype=torch.bool)
            hit = torch.rand(self.num_seeds, generator=self.generator) < self.seed_mask
            full[store.inv[: self.num_seeds][hit]] = True
        if self.mask_prob <= 0 and full is None:
            return tf
        return mask_cells(tf, self.mask_prob, full, self.generator, self.numerical_fill.get(table))


def drop_neighbours(
    batch, seed_type: str, num_seeds: int, prob: float, rng: np.random.Generator
) -> None:
    """Drop each non-seed node of ``batch`` with probability ``prob``, in place: its edges
    go, and the per-hop edge counts (``num_sampled_edges_dict``, used to trim layer by
    layer) are recounted. Nodes stay (isolated), so node indices do not change."""
    if prob <= 0:
        return
    keep = {}
    for nt in batch.node_types:
        n = int(batch[nt].num_nodes)
        k = rng.random(n) >= prob
        if nt == seed_type:
            k[:num_seeds] = True
        keep[nt] = k
    counts = dict(batch.num_sampled_edges_dict)
    for et in batch.edge_types:
        ei = batch[et].edge_index.numpy()
        m = keep[et[0]][ei[0]] & keep[et[2]][ei[1]]
        hops = counts.get(et)
        if hops:
            hop = np.repeat(np.arange(len(hops)), hops)
            counts[et] = np.bincount(hop[m], minlength=len(hops)).tolist()
        batch[et].edge_index = torch.from_numpy(np.ascontiguousarray(ei[:, m]))
    batch.num_sampled_edges_dict = counts


class View(NamedTuple):
    """One view of a batch of seeds: the sampled ``batch`` and the ``row_transform`` (its
    feature mask) to pass to `rdl.nn.RelationalBackbone.features`."""

    batch: Any
    row_transform: RowMasker


class ViewMaker:
    """Makes the ``K`` augmented views of a set of seeds (see the module docstring).

    Args:
        graph: the pretraining graph.
        csc: its CSC arrays (`rdl.sampling.build_csc`).
        entity_table: the seed table.
        fanouts, strategy: sampling (as `TrainConfig.num_neighbors` / ``temporal_strategy``).
        options: `PretrainConfig` (augmentation strengths).
        seed: seeds the sampler, the numpy and the torch generators.
    """

    def __init__(
        self,
        graph: GraphData,
        csc: dict,
        entity_table: str,
        fanouts,
        strategy: str,
        options: PretrainConfig,
        seed: int = 0,
    ):
        self.graph, self.entity_table, self.options = graph, entity_table, options
        self.sampler = TemporalNeighborSampler(
            csc, graph.num_nodes, graph.node_time, fanouts, strategy, seed=seed
        )
        self.own_time = graph.node_time.get(entity_table)
        self.fill = numerical_means(graph)
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        """Restart every random state (views after this call repeat)."""
        self.sampler.reseed(seed)
        self.rng = np.random.default_rng(seed)
        self.generator = torch.Generator().manual_seed(seed)

    def view_times(self, node: np.ndarray, time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(t', c)`` per seed: the view time and the information cut-off, both ``int64``
        seconds with ``own time <= c <= t' <= t``."""
        o = self.options
        time = np.asarray(time, dtype=np.int64)
        lo = (
            self.own_time[node]
            if self.own_time is not None
            else np.full(len(time), np.iinfo(np.int64).min)
        )
        lo = np.minimum(lo, time)
        jitter = (self.rng.random(len(time)) * o.max_jitter_days * SECONDS_PER_DAY).astype(np.int64)
        view_t = np.maximum(time - jitter, lo)
        gap = (self.rng.random(len(time)) * o.max_cutoff_days * SECONDS_PER_DAY).astype(np.int64)
        cut = np.maximum(view_t - gap, lo)
        return view_t, cut

    def view(self, node: np.ndarray, time: np.ndarray) -> View:
        """One augmented view of every seed: a `View` whose ``batch`` is a `HeteroData`
        (as `rdl.sampling.NodeLoader` yields) with ``seed_time = t'`` and the extra
        attributes ``cut_time`` (``c``) and ``origin_time`` (``t``), ``[num_seeds]``
        seconds since epoch."""
        o = self.options
        view_t, cut = self.view_times(node, time)
        sub = self.sampler.sample(self.entity_table, np.asarray(node, dtype=np.int64), cut)
        batch = to_batch(sub, self.graph.node_time, view_t)
        drop_neighbours(batch, self.entity_table, len(node), o.neighbor_dropout, self.rng)
        batch.cut_time = torch.from_numpy(cut)
        batch.origin_time = torch.from_numpy(np.asarray(time, dtype=np.int64))
        return View(
            batch,
            RowMasker(
                self.entity_table, len(node), o.feature_mask, o.seed_mask, self.generator, self.fill
            ),
        )

    def views(self, node: np.ndarray, time: np.ndarray) -> list[View]:
        """``K = options.num_views`` independent views of the same seeds."""
        return [self.view(node, time) for _ in range(self.options.num_views)]


__all__ = ["RowMasker", "View", "ViewMaker", "drop_neighbours", "mask_cells", "numerical_means"]
