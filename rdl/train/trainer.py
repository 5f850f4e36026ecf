"""`Trainer`: the one training loop of rdl, with the task kind as a plug-in.

Every task kind (entity prediction, link prediction with two-tower or ID-GNN) trains
the same way: Adam, fixed seeds, mini-batches of seeds (entity or source row, seed time)
whose temporal subgraphs come from rdl's `TemporalNeighborSampler`, evaluation on the
validation seeds after every epoch, early stopping and best-checkpoint restore on the
task's first metric. A kind says only what differs — its seeds, its model, its batches
and loss (the objective), and its predictions and metrics (the evaluation) — by
subclassing `Trainer` (`rdl.train.entity.EntityTrainer`,
`rdl.train.link.TwoTowerTrainer`, `rdl.train.link.IDGNNTrainer`).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sized
from typing import Any, Protocol

import numpy as np
import torch
from tqdm.auto import tqdm

from rdl.graph import GraphData
from rdl.nn.backbone import BackboneConfig
from rdl.runtime.interrupt import check as check_interrupt
from rdl.runtime.memory import release_memory
from rdl.sampling import TemporalNeighborSampler
from rdl.sampling.csc_store import graph_csc
from rdl.train.config import TrainConfig
from rdl.train.early_stopping import EarlyStopping

#: smallest training batch the min-steps rule shrinks to (`train_batch_size`)
MIN_TRAIN_BATCH = 16


def train_batch_size(num_train: int, config: TrainConfig) -> int:
    """Seeds per training batch for a training set of ``num_train`` seeds: at most
    ``config.batch_size``, shrunk so that an epoch has at least
    ``config.min_steps_per_epoch`` optimiser steps, but not below ``min(batch_size, 16)``.

    Small training sets otherwise get a handful of steps per epoch (rel-f1 driver-top3:
    1,353 rows = 3 steps of 512) and a GNN can end at chance (measured: test AUROC 0.501
    on a 1,252-row churn task with 3 steps per epoch)."""
    bs = config.batch_size
    if config.min_steps_per_epoch <= 0 or num_train <= 0:
        return bs
    need = -(-num_train // config.min_steps_per_epoch)
    return min(bs, max(need, min(bs, MIN_TRAIN_BATCH)))


def backbone_config(
    graph: GraphData, config: TrainConfig, num_layers: int | None = None
) -> BackboneConfig:
    """The `rdl.nn.BackboneConfig` of ``graph`` with ``config``'s architecture
    (``num_layers``: default ``config.num_layers``; link models set their hop count)."""
    return BackboneConfig(
        col_names_dict={t: tf.col_names_dict for t, tf in graph.tf_dict.items()},
        col_stats=graph.col_stats,
        node_types=graph.node_types,
        edge_types=graph.edge_types,
        time_tables=[t for t, v in graph.node_time.items() if v is not None],
        channels=config.channels,
        num_layers=config.num_layers if num_layers is None else num_layers,
        aggr=config.aggr,
        encoder_layers=config.encoder_layers,
        gnn=config.gnn,
        heads=config.heads,
    )


class Batches(Protocol):
    """An epoch's mini-batches: an iterable with a length."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...


def backbone_kwargs(graph: GraphData, config: TrainConfig) -> dict:
    """`backbone_config` as the flat keyword arguments every rdl model shares (saved in
    checkpoints), minus ``num_layers`` (each model kind sets it)."""
    kwargs = backbone_config(graph, config).to_kwargs()
    del kwargs["num_layers"]
    return kwargs


class Trainer(ABC):
    """Base class of every task kind's trainer.

    Args:
        task: the task (`rdl.tasks.EntityTask` or `rdl.tasks.LinkTask`).
        graph: the database's `GraphData`.
        config: `TrainConfig`.

    Attributes:
        model: the `torch.nn.Module` being trained (set by `build_model`).
        kwargs: the model's constructor arguments (saved in checkpoints).
        name: the model's name in reports (``results["models"][name]``).
        fanouts: sampling fanouts (per hop, or per edge type and hop).
        batch_size: seeds per training batch (`train_batch_size` of the training set,
            set by `fit`; ``config.batch_size`` before).
        history: one record per epoch run (see `fit`).
        warnings: paragraphs for the report about this run (e.g. a link model that fell
            back); the job adds them to ``results["warnings"]``.
    """

    name = "gnn"

    def __init__(self, task, graph: GraphData, config: TrainConfig):
        self.task, self.graph, self.config = task, graph, config
        if config.threads:
            torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        np.random.seed(config.seed)
        self.csc = graph_csc(graph)  # memory-mapped for an out-of-core graph
        self.fanouts: Any = list(config.num_neighbors)
        # Any: each kind's model has its own methods (encode, embed, ...); set by build_model
        self.model: Any = None
        self.kwargs: dict = {}
        self.history: list[dict] = []
        self.batch_size = config.batch_size
        self.warnings: list[str] = []
        #: other models' val / test predictions made beside this one (name -> split ->
        #: predictions; the blend), kept in ``predictions.parquet``
        self.extra_predictions: dict[str, dict] = {}
        #: what the run decided from its data, beside the config (never written into it):
        #: ``results["resolved"]`` (`rdl.config.resolve.resolved`)
        self.resolved: dict = {}
        #: set when training data-parallel (`rdl.scale.distributed.make_data_parallel`)
        self.dist = None
        #: the sampler of the training batches, set by kinds that keep one (data-parallel
        #: training reseeds it per process)
        self.train_sampler: TemporalNeighborSampler | None = None
        #: the validation predictions of the best epoch (set by `fit`): the restored
        #: model's own, as `predict` is seeded — the job reuses them instead of
        #: predicting the validation seeds a second time
        self.val_predictions: np.ndarray | None = None

    # ---- the plug-in: what differs between task kinds -----------------------------------
    @abstractmethod
    def make_seeds(self, table) -> Sized:
        """Seeds of a task table (``task.get_table(split)``)."""

    @abstractmethod
    def train_batches(self, seeds, rng: np.random.Generator) -> Batches:
        """This epoch's mini-batches of ``seeds`` (an iterable with a length), in order."""

    @abstractmethod
    def batch_loss(self, seeds, batch) -> tuple[torch.Tensor, int, int]:
        """The objective on one mini-batch.

        Returns:
            ``(loss, weight, num_seeds)``: the mean loss, the number of terms it averages
            (0: nothing to learn from, no optimiser step) and the seeds it covered.
        """

    @abstractmethod
    def predict(self, seeds) -> np.ndarray:
        """Predictions for ``seeds`` (sampler seeded with ``config.seed``: reproducible)."""

    @abstractmethod
    def score(self, seeds, pred: np.ndarray) -> dict[str, float]:
        """``{metric: value}`` for every metric of the task."""

    def prior_loss(self) -> float | None:
        """The training loss of a model that knows only the label distribution (the loss
        to beat), or ``None`` when the kind has none; set after `fit` starts."""
        return None

    def check_epoch(self, epoch: int, weight: int) -> None:  # noqa: B027 (optional hook)
        """Called after each epoch with the summed loss weight; raise if it is useless."""

    def checkpoint_fields(self) -> dict:
        """Kind-specific fields of the checkpoint (`rdl.train.checkpoint`)."""
        return {}

    def result_fields(self) -> dict:
        """Kind-specific fields of the model's entry in ``results.json``."""
        return {}

    def run_fields(self) -> dict:
        """Kind-specific top-level fields of ``results.json`` (link: ``eval_k``)."""
        return {}

    def extra_results(self, tables: dict, seeds: dict, pred: dict, models: dict) -> None:
        """After evaluation: add entries to ``models`` (``results["models"]``), e.g. other
        validations or blends of the kind; ``tables`` / ``seeds`` / ``pred`` per split.
        Default: nothing."""
        return None

    def prediction_frames(self, seeds: dict, pred: dict) -> list:
        """The val and test predictions as `rdl.results.prediction_frame` s
        (``predictions.parquet``): keys, seed times and labels from ``seeds[split]``.
        Default: none kept."""
        return []

    def baseline_inputs(self) -> dict:
        """Keyword arguments the kind's baselines share with this trainer
        (`rdl.baselines.run_baselines`; link: ``link_history``). Default: none."""
        return {}

    # ---- shared -------------------------------------------------------------------------
    def sampler(self, seed: int | None = None, fanouts=None) -> TemporalNeighborSampler:
        """A `TemporalNeighborSampler` over the graph with this trainer's fanouts and
        ``config.temporal_strategy``, seeded with ``seed`` (default ``config.seed``)."""
        return TemporalNeighborSampler(
            self.csc,
            self.graph.num_nodes,
            self.graph.node_time,
            self.fanouts if fanouts is None else fanouts,
            self.config.temporal_strategy,
            seed=self.config.seed if seed is None else seed,
        )

    def evaluate(self, seeds, pred: np.ndarray | None = None) -> dict[str, float]:
        """``{metric: value}`` for every metric of the task on labelled ``seeds``
        (predictions made with `predict` unless given)."""
        return self.score(seeds, self.predict(seeds) if pred is None else pred)

    def fit(
        self, train, val, progress: bool = True, on_epoch=None, stop_at: float | None = None
    ) -> list[dict]:
        """Train for ``config.epochs`` (at most ``config.max_steps_per_epoch`` batches of
        `train_batch_size` seeds each, or until ``config.patience`` epochs pass without a
        better validation
        metric), evaluating on ``val`` after every epoch; restore the best model.

        Returns:
            one dict per epoch: ``epoch``, ``loss`` (mean over the epoch's loss terms),
            ``val`` metrics, ``train_seconds``, ``seconds`` (incl. validation),
            ``seeds_per_s`` (training seeds per second).

        ``on_epoch(record)`` is called after each epoch's record (e.g. `rdl.train.tune`'s
        pruning); an exception it raises stops the fit, the best model not restored.
        ``stop_at`` (a `time.perf_counter` value): the epoch running at that moment ends
        after its current batch, is validated and is the last (a time budget).
        """
        cfg = self.config
        metric = self.task.metrics[0]
        stopper = EarlyStopping(metric, cfg.patience)
        opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        rng = np.random.default_rng(cfg.seed)
        self.batch_size = train_batch_size(len(train), cfg)
        for epoch in range(1, cfg.epochs + 1):
            t0 = time.perf_counter()
            self.model.train()
            batches = self.train_batches(train, rng)
            if self.dist is not None:  # data-parallel: this rank's share of the batches
                batches = self.dist.shard(batches)
            steps = min(len(batches), cfg.max_steps_per_epoch)
            total, weight, seen = 0.0, 0, 0
            bar = tqdm(
                total=steps,
                desc=f"epoch {epoch}/{cfg.epochs}",
                disable=not progress,
                unit="batch",
                leave=False,
            )
            out_of_time = False
            for step, batch in enumerate(batches):
                if step >= steps:
                    break
                if stop_at is not None and step > 0 and time.perf_counter() >= stop_at:
                    out_of_time = True
                    break
                loss, n, num_seeds = self.batch_loss(train, batch)
                if n or self.dist is not None:  # every rank steps (DDP's all-reduce)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    total += float(loss.detach()) * n
                    weight += n
                seen += num_seeds
                release_memory(step)  # mapped pages, heap fragmentation (rdl.runtime.memory)
                check_interrupt()  # a Ctrl-C a library swallowed (rdl.runtime.interrupt)
                bar.update(1)
                bar.set_postfix(
                    loss=f"{total / max(weight, 1):.4f}",
                    seeds_s=f"{seen / (time.perf_counter() - t0):.0f}",
                )
            bar.close()
            if self.dist is not None:  # losses and seeds of every rank
                total, weight, seen = self.dist.sum(total, weight, seen)
            self.check_epoch(epoch, weight)
            train_s = time.perf_counter() - t0
            release_memory()  # the training batches' tensors and pages (rdl.runtime.memory)
            val_pred = self.predict(val)
            val_metrics = self.score(val, val_pred)
            record = {
                "epoch": epoch,
                "loss": total / max(weight, 1),
                "val": val_metrics,
                "train_seconds": train_s,
                "seconds": time.perf_counter() - t0,
                "seeds_per_s": seen / max(train_s, 1e-9),
            }
            self.history.append(record)
            if on_epoch is not None:
                on_epoch(record)
            if progress:
                tqdm.write(
                    f"epoch {epoch}: loss {record['loss']:.4f}  val {metric} "
                    f"{val_metrics[metric]:.4f}  ({record['seconds']:.1f} s)"
                )
            stop = stopper.update(val_metrics[metric], self.model)
            if stopper.stale == 0:  # this epoch is the best so far
                self.val_predictions = val_pred
            if stop or out_of_time:
                break
        stopper.restore(self.model)
        return self.history


__all__ = ["MIN_TRAIN_BATCH", "Trainer", "backbone_config", "backbone_kwargs", "train_batch_size"]
