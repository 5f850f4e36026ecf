"""`PretrainTrainer`: relational-reasoning pretraining as a task kind of rdl's one fit loop
(`rdl.train.trainer.Trainer`: Adam, epochs, steps, progress, history, early stopping and
best-state restore), scored after each epoch on held-out entities."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from rdl.db.errors import ArgumentError, arg
from rdl.graph import GraphData
from rdl.metrics import METRICS
from rdl.pretrain.config import PretrainConfig
from rdl.pretrain.objective import RelationalReasoner, relation_loss
from rdl.pretrain.seeds import PretrainSeeds
from rdl.pretrain.views import ViewMaker
from rdl.train.config import TrainConfig
from rdl.train.trainer import Trainer, backbone_kwargs

#: held-out scores of the relation head; the first (log loss, lower is better) stops early
RELATION_METRICS = ["log_loss", "accuracy", "roc_auc"]


@dataclass
class RelationTask:
    """The self-supervised "task" `Trainer` fits: its name, seed table and metrics."""

    entity_table: str
    name: str = "relational-reasoning"
    task_type: str = "self_supervised"
    metrics: list[str] = field(default_factory=lambda: list(RELATION_METRICS))


class ViewBatches:
    """One epoch of view batches: seeds shuffled into batches of ``batch_size``; each item
    is ``(views, index)`` with ``K`` `rdl.pretrain.views.View`s of the batch's seeds."""

    def __init__(self, seeds: PretrainSeeds, views: ViewMaker, batch_size: int, order: np.ndarray):
        self.seeds, self.views, self.batch_size, self.order = seeds, views, batch_size, order

    def __len__(self) -> int:
        return (len(self.order) + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        for start in range(0, len(self.order), self.batch_size):
            idx = self.order[start : start + self.batch_size]
            if len(idx) < 2:
                continue
            yield self.views.views(self.seeds.node[idx], self.seeds.time[idx]), idx


class PretrainTrainer(Trainer):
    """Fits a `RelationalReasoner` (backbone + relation head) with the relational
    reasoning objective (`rdl.pretrain.objective`).

    Args:
        entity_table: the seed table.
        graph: the pretraining graph.
        config: `TrainConfig` (epochs, lr, channels, fanouts, batch size = seeds per step,
            steps per epoch, patience, seed, threads, precision).
        options: `PretrainConfig` (views, augmentations, relation head).
    """

    name = "relational-reasoning"

    def __init__(
        self, entity_table: str, graph: GraphData, config: TrainConfig, options: PretrainConfig
    ):
        super().__init__(RelationTask(entity_table), graph, config)
        self.options = options
        self.entity_table = entity_table
        self.kwargs = dict(backbone_kwargs(graph, config), num_layers=config.num_layers)
        self.model = RelationalReasoner(self.kwargs, entity_table, options.head_hidden)
        self.views = ViewMaker(
            graph,
            self.csc,
            entity_table,
            self.fanouts,
            config.temporal_strategy,
            options,
            seed=config.seed,
        )

    def make_seeds(self, table) -> PretrainSeeds:
        return table

    def train_batches(self, seeds: PretrainSeeds, rng: np.random.Generator) -> ViewBatches:
        """Seeds shuffled (``options.negatives == "any"``: a negative pairs two entities at
        any two grid times, the paper's random mini-batches), or grouped by seed time with
        the times shuffled (``"same_time"``: a batch holds runs of seeds of one time, so
        most negatives pair two entities at the same time — no shortcut through the era)."""
        if self.options.negatives == "same_time":
            time_rank = rng.permutation(len(np.unique(seeds.time)))
            _, t_idx = np.unique(seeds.time, return_inverse=True)
            order = np.lexsort((rng.random(len(seeds)), time_rank[t_idx.reshape(-1)]))
        else:
            order = rng.permutation(len(seeds))
        return ViewBatches(seeds, self.views, self.config.batch_size, order)

    def batch_loss(self, seeds: PretrainSeeds, batch) -> tuple[torch.Tensor, int, int]:
        views, idx = batch
        with self.config.autocast():
            logits, target, keep = self.model(views, self.graph.tf_dict, seeds.node[idx])
        n = int(keep.sum())
        return relation_loss(logits, target, keep), n, len(idx)

    @torch.no_grad()
    def predict(self, seeds: PretrainSeeds) -> np.ndarray:
        """``[P, 2]``: the relation head's probability and the true relation (1: same
        entity) of every kept pair of ``seeds``' views, with views drawn from a fixed
        random state (``config.seed + 1``), so scores of two epochs are comparable. Seeds
        are batched in time order, so a negative pairs two entities at the same or a
        nearby time: the held-out score cannot come from telling eras apart."""
        self.model.eval()
        views = ViewMaker(
            self.graph,
            self.csc,
            self.entity_table,
            self.fanouts,
            self.config.temporal_strategy,
            self.options,
            seed=self.config.seed + 1,
        )
        out = []
        for batch_views, idx in ViewBatches(
            seeds, views, self.config.batch_size, np.argsort(seeds.time, kind="stable")
        ):
            with self.config.autocast():
                logits, target, keep = self.model(batch_views, self.graph.tf_dict, seeds.node[idx])
            prob = torch.sigmoid(logits.float())
            out.append(torch.stack([prob[keep], target[keep]], dim=1).numpy())
        return np.concatenate(out) if out else np.zeros((0, 2))

    def score(self, seeds: PretrainSeeds, pred: np.ndarray) -> dict[str, float]:
        prob, y = pred[:, 0], pred[:, 1].astype(np.int64)
        return {m: float(METRICS[m](y, prob)) for m in self.task.metrics}

    def check_epoch(self, epoch: int, weight: int) -> None:
        if weight == 0:
            raise ArgumentError(
                f"epoch {epoch}: no pair of views to learn from (every batch had fewer than "
                f"2 seeds or a single entity); use more seeds ({arg('every_days')}, "
                f"{arg('active_within_days')}) or a larger {arg('batch_size')}"
            )


__all__ = ["RELATION_METRICS", "PretrainTrainer", "RelationTask", "ViewBatches"]
