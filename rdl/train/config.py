"""`TrainConfig`: every knob of a training run, with RelBench's defaults."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from numbers import Integral, Real

import torch

from rdl.db.errors import RdlError
from rdl.graph.text import DEFAULT_TEXT, text_encoder_name
from rdl.tasks import PROTOCOLS

AGGRS = ("sum", "mean", "max", "min")
PRECISIONS = ("auto", "fp32", "bf16")
BATCH_ORDERS = ("random", "entity")
SEED_FEATURES = ("aggregates", "past_labels")


class ConfigError(RdlError, ValueError):
    """A `TrainConfig` value out of its range. ``field`` names the attribute (the CLI
    maps it to its option, e.g. ``epochs`` -> ``--epochs``)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _int(name: str, value, low: int | None = None, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, Integral) or \
            (low is not None and value < low):
        rule = f"an integer >= {low}" if low is not None else "an integer"
        raise ConfigError(name, f"{name} must be {rule}"
                          + (" or None" if allow_none else "") + f" (got {value!r})")


def _choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ConfigError(name, f"{name} {value!r} is not one of {list(choices)}")


@dataclass
class TrainConfig:
    """Training settings (defaults follow RelBench's ``gnn_entity.py`` example, but see
    ``batch_order`` and ``precision``).

    Attributes:
        epochs: passes over the training table.
        lr: Adam learning rate.
        batch_size: seeds per mini-batch.
        channels: hidden size of encoders, GNN and head.
        num_layers: GNN layers (= sampling hops).
        num_neighbors: fanout per hop (``[128, 64]``).
        temporal_strategy: ``"uniform"`` or ``"last"``.
        aggr: SAGEConv neighbour aggregation.
        pooling: readout, one of `rdl.nn.POOLINGS`.
        gnn: message-passing layer, one of `rdl.nn.GNNS` (``"sage"``: RelBench's GraphSAGE;
            ``"gat"``, ``"rn"``, ``"hgt"``).
        encoder_layers: ResNet blocks per table.
        patience: stop after this many epochs without a better validation metric
            (``None``: run all epochs); the best checkpoint is restored either way.
        max_steps_per_epoch: cap on batches per epoch (RelBench: 2000).
        min_steps_per_epoch: floor on optimiser steps per epoch for small training sets
            (``0``: off). The rule (`rdl.train.trainer.train_batch_size`): training
            batches hold ``min(batch_size, max(ceil(n_train / min_steps_per_epoch),
            min(batch_size, 16)))`` seeds, so a table of ``n_train`` rows gives at least
            ``min_steps_per_epoch`` steps per epoch unless that would take batches below 16
            seeds. Tables of ``>= batch_size * min_steps_per_epoch`` rows (10,240 at the
            defaults) train exactly as before. Measured: rel-f1 driver-top3 (1,353 rows)
            went from 3 steps of 512 to 20 steps of 68 (see ``benchmarks/results/
            small_tasks.md``). Evaluation batches keep ``batch_size``.
        seed: seeds torch, numpy and the sampler.
        text: the text-column encoder (`rdl.graph.text`): ``"tfidf"`` (default: TF-IDF +
            SVD, fast), ``"minilm"`` (all-MiniLM-L6-v2) or ``"none"`` (text columns
            dropped); ``True`` / ``False`` are read as ``"minilm"`` / ``"none"`` and
            stored as the name.
        threads: torch intra-op threads (``None``: torch's default).
        batch_order: ``"random"`` (RelBench: seeds shuffled) or ``"entity"``: seeds cut into
            groups of up to ``entity_group_size`` consecutive seed times of one entity, groups
            shuffled and kept whole in a batch. Seeds of one entity share most of their
            sampled rows, so a batch has fewer distinct rows to encode (rel-f1 driver-dnf,
            batch 512: 23k distinct rows random, 7.8k with groups of 8, 2.5k whole entities).
        entity_group_size: seeds per group for ``batch_order="entity"`` (``None``: all of an
            entity's seeds).
        protocol: where every model input comes from (`rdl.tasks.PROTOCOLS`):
            ``"relbench"`` (default) — the database cut at the task's test timestamp, for
            every split, as RelBench; ``"rolling"`` — the full database, each seed seeing
            rows dated ``<=`` its seed time (deployment-like; never compare it with
            RelBench's published figures).
        stale_prob: stale-history training (issue 9): the probability that a training
            seed is sampled at a random information cut-off ``t - k * timedelta`` before its
            seed time, ``k`` uniform over the test seed times' steps past the cut
            (`rdl.train.stale.GapSampler`; no effect under ``"rolling"``, where no test
            seed is stale). Default 0.5 (issue 9: on rel-f1 under ``"relbench"`` it
            improved validation on driver-position and driver-top3 and left driver-dnf
            within noise; ``benchmarks/results/rel_f1.md``); 0: off.
        time_reference: what ages are encoded against: ``"seed"`` (the seed time, as
            RelBench) or ``"cutoff"`` (the seed's information cut-off: a stale seed's
            history looks as fresh as at its cut-off; `rdl.train.seed_batches`). With
            ``stale_prob > 0`` the staleness ``t - c`` is also an input of the seed
            (`rdl.nn.seed_inputs.SeedInputEncoder`).
        stale_val: under ``"relbench"``, select (early stopping, the blend's weight) on
            the stale validation: each val seed cut at a fixed random ``t - k *
            timedelta``, as stale as the test seeds (`rdl.train.stale.information_cutoffs`);
            results report both validations either way (``val``, ``val_stale``).
        seed_features: tabular inputs of the seed at its cut-off, any of ``"aggregates"``
            (rdl's time-bounded relational aggregates of the entity) and
            ``"past_labels"`` (the entity's labels known by then);
            `rdl.train.seed_features`. Default: both (issue 9: on rel-f1 they lift the
            validation AUROC of driver-top3 from 0.67 to 0.90); ``[]``: none.
        blend: also report ``models["lightgbm_cutoff"]`` (LightGBM on the seed features)
            and ``models["blend"]`` (it and the GNN blended, the weight chosen on
            validation; `rdl.train.blend`). Entity tasks only.
        seed_feature_max_pairs: the most (entity, cut-off) pairs the seed features and
            the blend are computed for (training seeds x their cut-offs, plus the val and
            test seeds). They live in memory (pandas, ~1-10 KB a pair: TPC-H SF 1's 0.98 M
            pairs took 9.2 GB), so above this the run trains the GNN alone and says so in
            ``results["warnings"]``; ``None``: no limit.
        storage: where the database and graph live: ``"memory"`` (the whole database
            read with `rdl.connect`, the graph in memory), ``"disk"`` (out of core: a
            DuckDB file opened with `rdl.db.lazy.open_lazy`, the graph streamed into a
            memory-mapped store, `rdl.graph.stream`) or ``"auto"`` (default): disk for a
            DuckDB file of more than `rdl.runtime.storage.AUTO_DISK_ROWS` rows, else memory.
        device: where the model runs, ``"cpu"`` or ``"cuda"`` / ``"cuda:N"`` (sampling stays
            on the CPU; each batch and its TensorFrame rows are moved to the device).
        precision: ``"fp32"``, ``"bf16"`` (forward pass under CPU autocast: bfloat16 matrix
            products, losses and metrics in float32; ~1.3-1.7x faster on CPUs with
            AVX512-BF16/AMX) or ``"auto"``: bf16 where the CPU supports it natively.
        init: a directory with a pretrained ``backbone.pt`` (``rdl pretrain --out DIR``):
            the model's backbone starts from its weights (`rdl.train.init`); ``None``:
            random initialisation.

    rdl's defaults differ from RelBench's in two speed settings, measured to keep
    accuracy on rel-f1 (see the issue notes): ``batch_order="entity"`` and
    ``precision="auto"``; and, since issue 9, the seed gets tabular inputs of its own
    (``seed_features``) and a GNN + LightGBM blend is reported (``blend``).
    ``preset_config("relbench-2024")`` (``rdl train --preset relbench-2024``) is rdl's GNN
    before issue 9; with ``batch_order="random", precision="fp32"`` it trains exactly as
    RelBench's example does.
    """

    epochs: int = 10
    lr: float = 0.005
    batch_size: int = 512
    channels: int = 128
    num_layers: int = 2
    num_neighbors: list[int] = field(default_factory=lambda: [128, 64])
    temporal_strategy: str = "uniform"
    aggr: str = "sum"
    pooling: str = "seed"
    gnn: str = "sage"
    encoder_layers: int = 4
    patience: int | None = None
    max_steps_per_epoch: int = 2000
    min_steps_per_epoch: int = 20
    seed: int = 42
    text: str | bool = DEFAULT_TEXT
    threads: int | None = None
    precision: str = "auto"
    batch_order: str = "entity"
    entity_group_size: int | None = 8
    protocol: str = "relbench"
    stale_prob: float = 0.5
    time_reference: str = "seed"
    stale_val: bool = False
    seed_features: list[str] = field(default_factory=lambda: ["aggregates", "past_labels"])
    blend: bool = True
    seed_feature_max_pairs: int | None = 1_000_000
    storage: str = "auto"
    device: str = "cpu"
    init: str | None = None

    def __post_init__(self) -> None:
        self.validate()
        if self.precision == "auto":
            if self.device.startswith("cuda"):
                native = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
            else:
                native = torch.ops.mkldnn._is_mkldnn_bf16_supported()
            self.precision = "bf16" if native else "fp32"
        if len(self.num_neighbors) != self.num_layers:
            raise ConfigError("num_neighbors", 
                f"num_neighbors {self.num_neighbors} must give one fanout per GNN layer "
                f"(num_layers={self.num_layers})"
            )

    def validate(self) -> None:
        """Check every field before any work.

        Raises:
            ConfigError: the first field out of range (epochs, batch size, channels,
                layers, steps >= 1; fanouts integers >= -1, one per layer; a finite
                positive learning rate; seed >= 0; patience, threads, entity group size
                >= 1 or None; the enumerations).
        """
        from rdl.nn.convs import GNNS
        from rdl.nn.pooling import POOLINGS
        from rdl.sampling.sampler import STRATEGIES

        for name in ("epochs", "batch_size", "channels", "num_layers", "encoder_layers",
                     "max_steps_per_epoch"):
            _int(name, getattr(self, name), 1)
        _int("seed", self.seed, 0)
        _int("min_steps_per_epoch", self.min_steps_per_epoch, 0)
        for name in ("patience", "threads", "entity_group_size"):
            _int(name, getattr(self, name), 1, allow_none=True)
        if isinstance(self.lr, bool) or not isinstance(self.lr, Real) or \
                not math.isfinite(self.lr) or self.lr <= 0:
            raise ConfigError("lr", f"lr must be a finite number > 0 (got {self.lr!r})")
        fan = self.num_neighbors
        if isinstance(fan, (str, bytes)) or not hasattr(fan, "__len__") or not len(fan) or any(
                isinstance(v, bool) or not isinstance(v, Integral) or v < -1 for v in fan):
            raise ConfigError("num_neighbors", f"num_neighbors must be a list of integers >= -1 "
                              f"(-1: all neighbours), one per GNN layer (got {fan!r})")
        self.num_neighbors = [int(v) for v in fan]
        _choice("temporal_strategy", self.temporal_strategy, STRATEGIES)
        _choice("pooling", self.pooling, POOLINGS)
        _choice("gnn", self.gnn, GNNS)
        _choice("aggr", self.aggr, AGGRS)
        _choice("precision", self.precision, PRECISIONS)
        _choice("batch_order", self.batch_order, BATCH_ORDERS)
        if self.protocol not in PROTOCOLS:
            raise ConfigError("protocol", f"protocol {self.protocol!r} is not one of "
                              f"{list(PROTOCOLS)} (--protocol)")
        try:
            self.text = text_encoder_name(self.text)
        except ValueError as e:
            raise ConfigError("text", str(e)) from None
        _choice("storage", self.storage, ("auto", "memory", "disk"))
        if not isinstance(self.device, str) or not (self.device == "cpu"
                                                    or self.device.startswith("cuda")):
            raise ConfigError("device", f"device {self.device!r}: use 'cpu' or 'cuda' (--device)")
        if isinstance(self.stale_prob, bool) or not isinstance(self.stale_prob, Real) or \
                not 0.0 <= self.stale_prob <= 1.0:
            raise ConfigError("stale_prob", f"stale_prob must be in [0, 1] (got "
                              f"{self.stale_prob!r}; --stale-prob)")
        if self.time_reference not in ("seed", "cutoff"):
            raise ConfigError("time_reference", f"time_reference {self.time_reference!r} is not "
                              "one of ['seed', 'cutoff'] (--time-reference)")
        _int("seed_feature_max_pairs", self.seed_feature_max_pairs, 1, allow_none=True)
        if isinstance(self.seed_features, str):
            self.seed_features = [p for p in self.seed_features.split(",") if p]
        self.seed_features = list(self.seed_features)
        bad = [p for p in self.seed_features if p not in SEED_FEATURES]
        if bad:
            raise ConfigError("seed_features", f"seed_features {bad}: use any of "
                              f"{list(SEED_FEATURES)} (--seed-features)")

    def autocast(self):
        """The autocast context of ``precision`` (a no-op for fp32)."""
        kind = "cuda" if self.device.startswith("cuda") else "cpu"
        return torch.autocast(kind, dtype=torch.bfloat16, enabled=self.precision == "bf16")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict, where: str = "config") -> "TrainConfig":
        """A config from ``to_dict()``'s output (e.g. ``results.json``'s ``"config"`` or
        `rdl tune`'s ``best_config.json``).

        Raises:
            ValueError: a key that is not a `TrainConfig` field (the message lists them).
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ValueError(f"{where}: unknown setting(s) {unknown}; TrainConfig has "
                             f"{sorted(names)}")
        return cls(**values)


#: Named configurations (``rdl train --preset NAME``). ``relbench-2024``: rdl's GNN as it
#: was before issue 9's levers (RelBench's example settings plus rdl's two speed
#: settings), kept so its figures stay reproducible.
PRESETS: dict[str, dict] = {
    "relbench-2024": dict(
        epochs=10, lr=0.005, batch_size=512, channels=128, num_layers=2,
        num_neighbors=[128, 64], temporal_strategy="uniform", aggr="sum", pooling="seed",
        encoder_layers=4, patience=None, max_steps_per_epoch=2000, text=True,
        precision="auto", batch_order="entity", entity_group_size=8, stale_prob=0.0,
        time_reference="seed", stale_val=False, seed_features=[], blend=False,
        min_steps_per_epoch=0, gnn="sage"),
}


def preset_config(name: str, **overrides) -> TrainConfig:
    """`TrainConfig` of the preset ``name`` (`PRESETS`) with ``overrides`` on top.

    Raises:
        ValueError: an unknown preset name (the message lists the known ones).
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; known presets: {sorted(PRESETS)} (--preset)")
    return TrainConfig.from_dict({**PRESETS[name], **overrides}, f"preset {name!r}")
