"""`EntityTrainer`: the entity-task kind of `rdl.train.trainer.Trainer` (RelBench's
``examples/gnn_entity.py`` objective on rdl's model and sampler)."""

from __future__ import annotations

import numpy as np
import torch

from rdl.graph import GraphData
from rdl.metrics import METRICS
from rdl.nn import RDLModel
from rdl.sampling.loader import NodeLoader
from rdl.train.config import TrainConfig
from rdl.train.diagnose import label_prior_loss
from rdl.train.inference import predict_seeds
from rdl.train.seeds import Seeds, make_seeds
from rdl.train.trainer import Trainer, backbone_kwargs

BINARY, REGRESSION = "binary_classification", "regression"
MULTICLASS, MULTILABEL = "multiclass_classification", "multilabel_classification"


def model_kwargs(graph: GraphData, entity_table: str, out_channels: int, config: TrainConfig) -> dict:
    """Constructor arguments of `RDLModel` for ``graph`` (saved in checkpoints)."""
    return dict(backbone_kwargs(graph, config), entity_table=entity_table,
                out_channels=out_channels, num_layers=config.num_layers, pooling=config.pooling)


def entity_groups(node: np.ndarray, time: np.ndarray, size: int | None) -> np.ndarray:
    """Group id per seed: runs of up to ``size`` consecutive seed times of one entity
    (``None``: one group per entity). ``node``, ``time``: ``[num_seeds]``."""
    if size is None:
        return node
    order = np.lexsort((time, node))
    sorted_node = node[order]
    pos = np.arange(len(order)) - np.searchsorted(sorted_node, sorted_node, side="left")
    group = np.empty(len(order), dtype=np.int64)
    group[order] = sorted_node * (len(order) + 1) + pos // size
    return group


class EntityTrainer(Trainer):
    """Trains an `RDLModel` on one entity task.

    Objective: BCE with logits (binary, multilabel), L1 (regression; predictions clamped
    to the train labels' 2nd-98th percentiles at evaluation, as RelBench), cross entropy
    (multiclass). Batches: ``config.batch_size`` seeds, shuffled (``batch_order="random"``)
    or in groups of one entity's consecutive seed times (``"entity"``).

    Args:
        task: an entity task (`rdl.tasks.EntityTask`).
        graph: the database's `GraphData`.
        config: `TrainConfig`.
        train_labels: ``[n]`` training labels (clamp range, number of classes).

    Raises:
        ValueError: the task type is not an entity task type.
    """

    name = "gnn"

    def __init__(self, task, graph: GraphData, config: TrainConfig, train_labels: torch.Tensor):
        super().__init__(task, graph, config)
        self.task_type = str(task.task_type)
        if self.task_type == MULTICLASS:
            out = int(train_labels.max()) + 1
            self.loss_fn = torch.nn.CrossEntropyLoss()
        elif self.task_type == MULTILABEL:
            out = train_labels.shape[1]
            self.loss_fn = torch.nn.BCEWithLogitsLoss()
        elif self.task_type == REGRESSION:
            out = 1
            self.loss_fn = torch.nn.L1Loss()
        elif self.task_type == BINARY:
            out = 1
            self.loss_fn = torch.nn.BCEWithLogitsLoss()
        else:
            raise ValueError(f"task type {self.task_type!r} is not an entity task type")
        self.clamp = None
        if self.task_type == REGRESSION:
            lo, hi = np.percentile(train_labels.numpy(), [2, 98])
            self.clamp = (float(lo), float(hi))
        self._prior = label_prior_loss(self.task_type, train_labels.numpy())
        self.kwargs = model_kwargs(graph, task.entity_table, out, config)
        self.model = RDLModel(**self.kwargs)
        self.train_sampler = self.sampler()

    def prior_loss(self) -> float | None:
        """`rdl.train.diagnose.label_prior_loss` of the training labels."""
        return self._prior

    def make_seeds(self, table) -> Seeds:
        return make_seeds(self.task, table, self.graph)

    def loader(self, seeds: Seeds, sampler, shuffle: bool, batch_size: int,
               rng: np.random.Generator | None = None) -> NodeLoader:
        """A `NodeLoader` over ``seeds`` in this trainer's batch order."""
        group = None
        if self.config.batch_order == "entity":
            group = entity_groups(seeds.node, seeds.time, self.config.entity_group_size)
        return NodeLoader(sampler, self.graph.node_time, self.task.entity_table, seeds.node,
                          seeds.time, batch_size=batch_size, shuffle=shuffle, generator=rng,
                          group=group)

    def train_batches(self, seeds: Seeds, rng: np.random.Generator) -> NodeLoader:
        return self.loader(seeds, self.train_sampler, True, self.batch_size, rng)

    def target(self, y: torch.Tensor) -> torch.Tensor:
        """Labels in the loss's shape (``[n]`` class ids or ``[n, out_channels]``)."""
        return y if self.task_type == MULTICLASS else y.view(len(y), -1)

    def batch_loss(self, seeds: Seeds, batch) -> tuple[torch.Tensor, int, int]:
        data, idx = batch
        with self.config.autocast():
            out = self.model(data, self.graph.tf_dict).float()
        y = self.target(seeds.y[torch.from_numpy(idx)])
        loss = self.loss_fn(out if self.task_type == MULTICLASS else out.view(y.shape), y)
        return loss, len(idx), len(idx)

    def predict(self, seeds: Seeds, batch_size: int | None = None) -> np.ndarray:
        """Probabilities / values for ``seeds`` (see `rdl.train.inference.predict_seeds`)."""
        return predict_seeds(self.model, self.graph, self.csc, self.config, self.task_type,
                             self.clamp, seeds.node, seeds.time, batch_size)

    def score(self, seeds: Seeds, pred: np.ndarray) -> dict[str, float]:
        y = seeds.y.numpy()
        return {m: float(METRICS[m](y, pred)) for m in self.task.metrics}

    def checkpoint_fields(self) -> dict:
        return {"entity_table": self.task.entity_table, "entity_col": self.task.entity_col,
                "time_col": self.task.time_col, "clamp": self.clamp,
                "text_encoders": self.graph.text_encoders}


__all__ = ["EntityTrainer", "entity_groups", "model_kwargs"]
