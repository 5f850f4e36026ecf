"""`Trainer`: mini-batch training with early stopping on the validation metric."""

from __future__ import annotations

import time

import numpy as np
import torch
from tqdm.auto import tqdm

from rdl.graph import GraphData
from rdl.metrics import METRICS
from rdl.nn import RDLModel
from rdl.sampling import TemporalNeighborSampler, build_csc
from rdl.sampling.loader import NodeLoader
from rdl.train.config import TrainConfig
from rdl.train.early_stopping import EarlyStopping
from rdl.train.inference import predict_seeds
from rdl.train.seeds import Seeds

BINARY, REGRESSION = "binary_classification", "regression"
MULTICLASS, MULTILABEL = "multiclass_classification", "multilabel_classification"


def model_kwargs(graph: GraphData, entity_table: str, out_channels: int, config: TrainConfig) -> dict:
    """Constructor arguments of `RDLModel` for ``graph`` (saved in checkpoints)."""
    return dict(
        col_names_dict={t: tf.col_names_dict for t, tf in graph.tf_dict.items()},
        col_stats=graph.col_stats,
        node_types=graph.node_types,
        edge_types=graph.edge_types,
        time_tables=[t for t, v in graph.node_time.items() if v is not None],
        entity_table=entity_table,
        out_channels=out_channels,
        channels=config.channels,
        num_layers=config.num_layers,
        aggr=config.aggr,
        pooling=config.pooling,
        encoder_layers=config.encoder_layers,
    )


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


class Trainer:
    """Trains an `RDLModel` on one entity task.

    Losses: BCE with logits (binary, multilabel), L1 (regression; predictions clamped to
    the train labels' 2nd-98th percentiles at evaluation, as RelBench), cross entropy
    (multiclass). Adam, fixed seeds, best-checkpoint restore on ``task.metrics[0]``.

    Args:
        task: an entity task (`rdl.tasks.EntityTask`).
        graph: the database's `GraphData`.
        config: `TrainConfig`.
        train_labels: ``[n]`` training labels (clamp range, number of classes).
    """

    def __init__(self, task, graph: GraphData, config: TrainConfig, train_labels: torch.Tensor):
        self.task, self.graph, self.config = task, graph, config
        self.task_type = str(task.task_type)
        if config.threads:
            torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        np.random.seed(config.seed)
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
        self.kwargs = model_kwargs(graph, task.entity_table, out, config)
        self.model = RDLModel(**self.kwargs)
        self.csc = build_csc(graph.num_nodes, graph.node_time, graph.edge_index)
        self.sampler = self._sampler(config.seed)
        self.history: list[dict] = []

    def _sampler(self, seed: int) -> TemporalNeighborSampler:
        return TemporalNeighborSampler(self.csc, self.graph.num_nodes, self.graph.node_time,
                                       self.config.num_neighbors, self.config.temporal_strategy,
                                       seed=seed)

    def _loader(self, seeds: Seeds, sampler, shuffle: bool, batch_size: int, rng=None) -> NodeLoader:
        group = None
        if self.config.batch_order == "entity":
            group = entity_groups(seeds.node, seeds.time, self.config.entity_group_size)
        return NodeLoader(sampler, self.graph.node_time, self.task.entity_table, seeds.node,
                          seeds.time, batch_size=batch_size, shuffle=shuffle, generator=rng,
                          group=group)

    def _target(self, y: torch.Tensor) -> torch.Tensor:
        return y if self.task_type == MULTICLASS else y.view(len(y), -1)

    def fit(self, train: Seeds, val: Seeds, progress: bool = True) -> list[dict]:
        """Train for ``config.epochs`` (or until ``patience`` runs out), evaluating on
        ``val`` after every epoch, and restore the best model.

        Returns:
            one dict per epoch: ``epoch``, ``loss``, ``val`` metrics, ``seconds``,
            ``seeds_per_s``.
        """
        cfg = self.config
        metric = self.task.metrics[0]
        stopper = EarlyStopping(metric, cfg.patience)
        opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        rng = np.random.default_rng(cfg.seed)
        for epoch in range(1, cfg.epochs + 1):
            t0 = time.perf_counter()
            self.model.train()
            loader = self._loader(train, self.sampler, True, cfg.batch_size, rng)
            steps = min(len(loader), cfg.max_steps_per_epoch)
            total, count = 0.0, 0
            bar = tqdm(total=steps, desc=f"epoch {epoch}/{cfg.epochs}", disable=not progress,
                       unit="batch", leave=False)
            for step, (batch, idx) in enumerate(loader):
                if step >= steps:
                    break
                with cfg.autocast():
                    out = self.model(batch, self.graph.tf_dict).float()
                y = self._target(train.y[torch.from_numpy(idx)])
                loss = self.loss_fn(out if self.task_type == MULTICLASS else out.view(y.shape), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(idx)
                count += len(idx)
                bar.update(1)
                bar.set_postfix(loss=f"{total / count:.4f}",
                                seeds_s=f"{count / (time.perf_counter() - t0):.0f}")
            bar.close()
            train_s = time.perf_counter() - t0
            val_metrics = self.evaluate(val)
            record = {"epoch": epoch, "loss": total / max(count, 1), "val": val_metrics,
                      "train_seconds": train_s, "seconds": time.perf_counter() - t0,
                      "seeds_per_s": count / train_s}
            self.history.append(record)
            if progress:
                tqdm.write(f"epoch {epoch}: loss {record['loss']:.4f}  val {metric} "
                           f"{val_metrics[metric]:.4f}  ({record['seconds']:.1f} s)")
            if stopper.update(val_metrics[metric], self.model):
                break
        stopper.restore(self.model)
        return self.history

    def predict(self, seeds: Seeds, batch_size: int | None = None) -> np.ndarray:
        """Predictions for ``seeds`` (see `rdl.train.inference.predict_seeds`)."""
        return predict_seeds(self.model, self.graph, self.csc, self.config, self.task_type,
                             self.clamp, seeds.node, seeds.time, batch_size)

    def evaluate(self, seeds: Seeds, pred: np.ndarray | None = None) -> dict[str, float]:
        """``{metric: value}`` for every metric of the task on labelled ``seeds``."""
        if pred is None:
            pred = self.predict(seeds)
        y = seeds.y.numpy()
        return {m: float(METRICS[m](y, pred)) for m in self.task.metrics}
