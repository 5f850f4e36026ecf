"""`IDGNNTrainer`: the ID-GNN link kind of `rdl.train.trainer.Trainer` (RelBench
``examples/idgnn_link.py``; moved here from `rdl.train.link.trainer`, which holds the
shared `LinkTrainer`).

One subgraph per source row, sampled with as many hops as the foreign-key path from the
source table to the destination table needs (hops beyond ``config.num_layers`` only
follow edges toward the destination table); edges in both directions; BCE of every
reached destination against the row's destination list. Evaluation ranks the reached
destinations by score, then the others by global popularity at ``t``
(`rdl.tasks.LinkHistory`).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from rdl.db.errors import ArgumentError, arg
from rdl.graph import GraphData
from rdl.nn.link import IDGNNModel
from rdl.train.config import TrainConfig
from rdl.train.link.plan import bidirectional, idgnn_fanouts
from rdl.train.link.seeds import LinkSeeds
from rdl.train.link.trainer import LinkTrainer, _chunks


class IDGNNTrainer(LinkTrainer):
    """Identity-aware GNN link model (`rdl.nn.link.IDGNNModel`) with BCE on the reached
    destinations; sampling hops and fanouts from `rdl.train.link.plan.idgnn_fanouts`.

    Raises:
        ValueError: the destination table is not reachable from the source table.
    """

    name = "idgnn"

    def __init__(self, task, graph: GraphData, config: TrainConfig, *, history=None):
        super().__init__(task, graph, config, history=history)
        self.num_hops, self.fanouts = idgnn_fanouts(
            graph.edge_types,
            task.src_entity_table,
            task.dst_entity_table,
            list(config.num_neighbors),
        )
        self.kwargs = dict(self._common_kwargs(), num_layers=self.num_hops)
        self.model = IDGNNModel(**self.kwargs)
        self.train_sampler = self.sampler()

    def train_batches(self, seeds: LinkSeeds, rng: np.random.Generator) -> list[np.ndarray]:
        bs = self.batch_size
        order = rng.permutation(len(seeds))
        return [order[i : i + bs] for i in range(0, len(order), bs)]

    def target(self, seeds: LinkSeeds, rows: np.ndarray, sub) -> torch.Tensor:
        """1 for every reached destination copy that the copy's own row links to."""
        which, pos_dst = seeds.positives(rows)
        dst_t = self.task.dst_entity_table
        key = sub.batch[dst_t] * self.num_dst + sub.node[dst_t]
        return torch.from_numpy(np.isin(key, which * self.num_dst + pos_dst).astype(np.float32))

    def batch_loss(self, seeds: LinkSeeds, rows: np.ndarray) -> tuple[torch.Tensor, int, int]:
        """BCE over the reached destination copies; ``weight`` is their number."""
        sub, batch = self.sample(
            self.train_sampler, self.task.src_entity_table, seeds.src[rows], seeds.time[rows]
        )
        edges = bidirectional(sub, self.graph.edge_types)
        with self.config.autocast():
            logits = self.model(batch, self.graph.tf_dict, edges).float()
        if logits.numel() == 0:
            return logits.sum(), 0, len(rows)
        target = self.target(seeds, rows, sub)
        return F.binary_cross_entropy_with_logits(logits, target), logits.numel(), len(rows)

    def reachable_fraction(self, seeds: LinkSeeds, max_rows: int = 2000) -> tuple[float, int]:
        """The share of the positive links of (up to ``max_rows`` random) rows of
        ``seeds`` whose destination the row's own subgraph reaches — the most ID-GNN can
        ever score above popularity — and the number of links looked at."""
        rng = np.random.default_rng(self.config.seed)
        rows = rng.permutation(len(seeds))[:max_rows]
        sampler = self.sampler()
        hit = total = 0
        for part in _chunks(rows, self.config.batch_size):
            sub, _ = self.sample(
                sampler, self.task.src_entity_table, seeds.src[part], seeds.time[part]
            )
            total += int((seeds.dst_ptr[part + 1] - seeds.dst_ptr[part]).sum())
            if self.task.dst_entity_table in sub.node:
                hit += int(self.target(seeds, part, sub).sum())
        return (hit / total if total else 0.0), total

    def check_epoch(self, epoch: int, weight: int) -> None:
        """Raises ValueError when no mini-batch of the epoch reached a destination."""
        if weight == 0:
            raise ArgumentError(
                f"ID-GNN did not reach a single {self.task.dst_entity_table!r} node in any "
                f"mini-batch of epoch {epoch}; increase the fanouts ({arg('num_neighbors')}) or "
                "the number of layers"
            )

    def scores(self, sampler, seeds: LinkSeeds, rows: np.ndarray, t: int) -> torch.Tensor:
        """Reached destinations score ``sigmoid(logit)`` in (0, 1); the other existing
        ones ``-1 - popularity rank`` (so they follow, in popularity order); absent ones
        ``-inf``."""
        fill = torch.full((self.num_dst,), float("-inf"))
        pop = self.popular_nodes(t)
        fill[torch.from_numpy(pop)] = -1.0 - torch.arange(len(pop), dtype=torch.float)
        out = fill.repeat(len(rows), 1)
        dst_t = self.task.dst_entity_table
        for part in _chunks(np.arange(len(rows)), self.config.batch_size):
            r = rows[part]
            sub, batch = self.sample(
                sampler, self.task.src_entity_table, seeds.src[r], seeds.time[r]
            )
            with self.config.autocast():
                logits = self.model(
                    batch, self.graph.tf_dict, bidirectional(sub, self.graph.edge_types)
                ).float()
            if logits.numel():
                seed_of = torch.from_numpy(part[sub.batch[dst_t]])
                out[seed_of, torch.from_numpy(sub.node[dst_t])] = torch.sigmoid(logits)
        return out


__all__ = ["IDGNNTrainer"]
