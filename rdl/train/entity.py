"""`EntityTrainer`: the entity-task kind of `rdl.train.trainer.Trainer` (RelBench's
``examples/gnn_entity.py`` objective on rdl's model and sampler).

The seed inputs of a checkpointed model at serving time (`seed_feature_fn`,
`seed_input_fn`) moved to `rdl.train.seed_inputs`; they are re-exported here."""

from __future__ import annotations

import time

import numpy as np
import torch

from rdl.db.errors import arg, said
from rdl.graph import GraphData
from rdl.metrics import METRICS
from rdl.nn.seed_inputs import entity_model
from rdl.train.config import TrainConfig
from rdl.train.heads import HEADS
from rdl.train.inference import predict_seeds
from rdl.train.seed_batches import SeedBatches, seed_batches
from rdl.train.seed_features import FeatureScaler, SeedFeatures
from rdl.train.seed_inputs import seed_feature_fn, seed_input_fn  # re-exported
from rdl.train.seeds import Seeds, make_seeds, to_seconds
from rdl.train.stale import GapSampler, information_cutoffs, max_gap_steps, timedelta_seconds
from rdl.train.trainer import Trainer, backbone_kwargs


def model_kwargs(
    graph: GraphData,
    entity_table: str,
    out_channels: int,
    config: TrainConfig,
    seed_features: int = 0,
    staleness: bool = False,
) -> dict:
    """Constructor arguments of the entity model for ``graph`` (saved in checkpoints;
    `rdl.nn.seed_inputs.entity_model` builds it): `RDLModel`'s, plus ``seed_features``
    / ``staleness`` when the seed has inputs of its own (the staleness only when training
    draws stale cut-offs: a model that never saw a stale seed cannot learn what it means)."""
    kwargs = dict(
        backbone_kwargs(graph, config),
        entity_table=entity_table,
        out_channels=out_channels,
        num_layers=config.num_layers,
        pooling=config.pooling,
    )
    if seed_features:
        kwargs["seed_features"] = int(seed_features)
    if staleness:
        kwargs["staleness"] = True
    return kwargs


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

    Stale history and seed inputs (what tabular models see of a seed): every seed is
    sampled at its information cut-off (`rdl.train.stale.information_cutoffs`; training
    seeds at random earlier cut-offs with ``config.stale_prob``), ages are encoded against
    ``config.time_reference``, and the seed may get tabular features at its cut-off
    (``config.seed_features``, `rdl.train.seed_features`).

    Args:
        task: an entity task (`rdl.tasks.EntityTask`).
        graph: the database's `GraphData`.
        config: `TrainConfig`.
        train_labels: ``[n]`` training labels (clamp range, number of classes).

    The kind's part (labels, outputs, loss, clamp, prior loss) is its
    `rdl.train.heads.EntityHead`.

    Raises:
        rdl.tasks.TaskError: the task's kind has no entity head (e.g. a link task).
    """

    name = "gnn"

    def __init__(self, task, graph: GraphData, config: TrainConfig, train_labels: torch.Tensor):
        super().__init__(task, graph, config)
        self.task_type = str(task.task_type)
        #: the kind's output head (`rdl.train.heads`): loss, outputs, clamp, prior
        self.head = HEADS.get(task)
        out = self.head.out_channels(train_labels)
        self.loss_fn = self.head.loss_fn()
        self.clamp = self.head.clamp(train_labels.numpy())
        self.step = timedelta_seconds(task)
        self.gaps = GapSampler(
            self.step, max_gap_steps(task, config.protocol), config.stale_prob, seed=config.seed
        )
        self.val_ts = int(to_seconds([task.val_timestamp])[0])
        self.features: SeedFeatures | None = None
        self.scaler: FeatureScaler | None = None
        self.columns: list[str] = []
        self.feature_seconds = 0.0
        #: the seed features and blend this run uses: ``config``'s, unless the pair limit
        #: left them out (`_seed_feature_limit`; recorded in ``results["resolved"]``,
        #: the config itself stays as given)
        self.seed_features, self.blend = list(config.seed_features), config.blend
        if self.seed_features or self.blend:
            self._seed_feature_limit(config)
        if self.seed_features or self.blend:
            self.features = SeedFeatures(
                task, config.protocol, task.get_table("train").df, task.get_table("val").df
            )
        self._train_seeds = None
        if self.features is not None:
            self._train_seeds = self.make_seeds(task.get_table("train"))
        y = np.asarray(train_labels.numpy(), dtype=np.float64)
        self._prior = self.head.prior_loss(y) if y.size else None
        self.kwargs = model_kwargs(
            graph,
            task.entity_table,
            out,
            config,
            self.scaler.num_outputs if self.scaler else 0,
            staleness=self.gaps.active,
        )
        self.model = entity_model(**self.kwargs)
        self.train_sampler = self.sampler()

    def _seed_feature_limit(self, config: TrainConfig) -> None:
        """Leave out the seed features and the blend (``self.seed_features = []``,
        ``self.blend = False``) when their (entity, cut-off) pairs exceed
        ``config.seed_feature_max_pairs``; a warning says so and ``self.resolved`` records
        it."""
        limit = config.seed_feature_max_pairs
        if limit is None:
            return
        n = {
            s: len(self.task.get_table(s, mask_input_cols=True).df)  # 2 columns copied, not 3
            for s in ("train", "val", "test")
        }
        cuts = self.gaps.max_steps + 1 if self.gaps.active and config.seed_features else 1
        pairs = n["train"] * cuts + n["val"] + n["test"]
        if pairs <= limit:
            return
        what = " and ".join(
            filter(
                None,
                ["seed features" * bool(config.seed_features), "the blend" * bool(config.blend)],
            )
        )
        self.warnings.append(
            said(
                f"{what} left out: this task has {pairs:,} (entity, cut-off) pairs "
                f"({n['train']:,} training seeds x {cuts} cut-off(s), {n['val']:,} val, "
                f"{n['test']:,} test), more than {arg('seed_feature_max_pairs', f'{limit:,}')}; "
                "they are computed in memory (~1-10 KB a pair), so the GNN trained alone. Pass "
                f"{arg('seed_feature_max_pairs', 0)} (no limit) or a larger number to compute "
                f"them anyway, or {arg('seed_features', '[]', cli='none')} "
                f"{arg('blend', 'False', cli='')} to silence this."
            )
        )
        self.seed_features, self.blend = [], False
        self.resolved.update(seed_features=[], blend=False, seed_feature_pairs=pairs)

    def prior_loss(self) -> float | None:
        """`rdl.train.diagnose.label_prior_loss` of the training labels."""
        return self._prior

    def make_seeds(self, table, stale_val: bool | None = None) -> Seeds:
        """Seeds of a task table with their information cut-offs (``stale_val``: default
        ``config.stale_val``) and seed features: the model's rows (training seeds: one per
        gap of ``k`` steps, ``k = 0 .. max_gap_steps``; the scaler is fitted on them at
        ``k = 0``) and, for the blend, the raw frame at the seeds' own cut-offs."""
        seeds = make_seeds(self.task, table, self.graph)
        cfg = self.config
        stale_val = cfg.stale_val if stale_val is None else stale_val
        seeds.cutoff = information_cutoffs(
            self.task, seeds.time, cfg.protocol, stale_val, seeds.node
        )
        if self.features is None:
            return seeds
        is_train = len(seeds.time) > 0 and bool((seeds.time < self.val_ts).all())
        cached = self._train_seeds
        if (
            is_train
            and cached is not None
            and len(seeds.time) == len(cached.time)
            and (seeds.time == cached.time).all()
            and (seeds.node == cached.node).all()
        ):
            return cached
        cut = seeds.cutoff
        gaps = is_train and self.gaps.active and bool(self.seed_features)
        if gaps:
            cut = cut[:, None] - self.step * np.arange(self.gaps.max_steps + 1)[None, :]
        t0 = time.perf_counter()
        frame, index = self.features.bank(table.df[self.task.entity_col].to_numpy(), cut)
        self.feature_seconds += time.perf_counter() - t0
        first = index if index.ndim == 1 else index[:, 0]
        if self.blend:
            seeds.x_raw = frame.iloc[first].reset_index(drop=True)
        if not self.seed_features:
            return seeds
        if self.scaler is None:
            if not is_train:
                raise RuntimeError("seed features: the training seeds must come first")
            self.columns = [
                c
                for c in frame.columns
                if ("past_labels" if c.startswith("past_labels__") else "aggregates")
                in self.seed_features
            ]
            self.scaler = FeatureScaler().fit(frame[self.columns].iloc[np.unique(first)])
        seeds.x_bank, seeds.x_index = self.scaler.transform(frame[self.columns]), index
        return seeds

    def _features(self, seeds: Seeds, steps: np.ndarray | None = None):
        """``f(index) -> [len(index), F]`` seed features for batches (``None`` when the
        model takes none); ``steps``: each seed's gap in steps (training)."""
        if seeds.x_bank is None:
            return None
        assert seeds.x_index is not None  # set with x_bank
        rows = (
            seeds.x_index
            if seeds.x_index.ndim == 1
            else seeds.x_index[np.arange(len(seeds.x_index)), 0 if steps is None else steps]
        )
        bank = seeds.x_bank
        return lambda idx: bank[torch.from_numpy(rows[idx])]

    def loader(
        self,
        seeds: Seeds,
        sampler,
        shuffle: bool,
        batch_size: int,
        rng: np.random.Generator | None = None,
        cutoff: np.ndarray | None = None,
        features=None,
    ) -> SeedBatches:
        """Batches of ``seeds`` in this trainer's batch order, sampled at ``cutoff``
        (default: the seeds' information cut-offs)."""
        group = None
        if self.config.batch_order == "entity":
            group = entity_groups(seeds.node, seeds.time, self.config.entity_group_size)
        return seed_batches(
            sampler,
            self.graph.node_time,
            self.task.entity_table,
            seeds.node,
            seeds.time,
            seeds.cutoff if cutoff is None else cutoff,
            time_reference=self.config.time_reference,
            batch_size=batch_size,
            shuffle=shuffle,
            generator=rng,
            group=group,
            staleness="staleness" in self.kwargs,
            features=features,
        )

    def train_batches(self, seeds: Seeds, rng: np.random.Generator) -> SeedBatches:
        steps = self.gaps.steps(len(seeds.time))
        base = seeds.time if seeds.cutoff is None else seeds.cutoff
        cutoff = base - self.step * steps
        return self.loader(
            seeds,
            self.train_sampler,
            True,
            self.batch_size,
            rng,
            cutoff=cutoff,
            features=self._features(seeds, steps),
        )

    def target(self, y: torch.Tensor) -> torch.Tensor:
        """Labels in the loss's shape (``[n]`` class ids or ``[n, out_channels]``)."""
        return self.head.target(y)

    def batch_loss(self, seeds: Seeds, batch) -> tuple[torch.Tensor, int, int]:
        data, idx = batch
        with self.config.autocast():
            out = self.model(data, self.graph.tf_dict).float()
        assert seeds.y is not None  # training seeds carry labels
        loss = self.head.loss(self.loss_fn, out, seeds.y[torch.from_numpy(idx)])
        return loss, len(idx), len(idx)

    def predict(self, seeds: Seeds, batch_size: int | None = None) -> np.ndarray:
        """Probabilities / values for ``seeds`` (see `rdl.train.inference.predict_seeds`)."""
        return predict_seeds(
            self.model,
            self.graph,
            self.csc,
            self.config,
            self.task_type,
            self.clamp,
            seeds.node,
            seeds.time,
            batch_size,
            cutoff=seeds.cutoff,
            features=self._features(seeds),
        )

    def score(self, seeds: Seeds, pred: np.ndarray) -> dict[str, float]:
        assert seeds.y is not None  # scored seeds carry labels
        y = seeds.y.numpy()
        return {m: float(METRICS[m](y, pred)) for m in self.task.metrics}

    def extra_results(self, tables: dict, seeds: dict, pred: dict, models: dict) -> None:
        """RelBench's validation beside the stale one, LightGBM at the cut-off and the
        blend (`rdl.train.entity_extras.extra_results`)."""
        from rdl.train.entity_extras import extra_results

        extra_results(self, tables, seeds, pred, models)

    def prediction_frames(self, seeds: dict, pred: dict) -> list:
        """One frame per split: entity key, seed time, label, this model's prediction."""
        from rdl.results import prediction_frame

        extras = self.extra_predictions  # lightgbm_cutoff, blend (rdl.train.entity_extras)
        return [
            prediction_frame(
                split,
                seeds[split].df[self.task.entity_col],
                seeds[split].df[self.task.time_col],
                seeds[split].y.numpy(),
                {self.name: pred[split], **{n: p[split] for n, p in extras.items()}},
            )
            for split in ("val", "test")
        ]

    def result_fields(self) -> dict:
        """``seed_feature_seconds``: time spent computing seed features (all splits)."""
        return {"seed_feature_seconds": self.feature_seconds} if self.features else {}

    def checkpoint_fields(self) -> dict:
        out = {
            "entity_table": self.task.entity_table,
            "entity_col": self.task.entity_col,
            "time_col": self.task.time_col,
            "clamp": self.clamp,
            "text_encoders": self.graph.text_encoders,
        }
        if self.scaler is not None and self.features is not None:  # what `seed_feature_fn` needs
            out["seed_inputs"] = {
                "features": self.features.state(),
                "scaler": self.scaler,
                "columns": self.columns,
            }
        return out


__all__ = ["EntityTrainer", "entity_groups", "model_kwargs", "seed_feature_fn", "seed_input_fn"]
