"""The settings of what is learned and how: the network (`ModelConfig`), its fitting
(`OptimConfig`) and the sampled subgraphs it is fitted on (`SamplingConfig`); each field
declared once (`option`). Split from `rdl.config.sections`, which re-exports them and
holds the other sections; read them from there."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rdl.config.option import MODEL, TRAINING, option

#: the commands a setting is an option of (`option`'s ``commands``)
_ALL = ("train", "pretrain", "tune")
_TRAIN_PRETRAIN = ("train", "pretrain")


@dataclass
class ModelConfig:
    """The network: `rdl.nn.RelationalBackbone`'s hyperparameters (`rdl.nn.BackboneConfig`),
    the readout (`rdl.nn.POOLINGS`), the two-tower link model's own settings and a
    pretrained start (``init``: a ``backbone.pt`` directory of ``rdl pretrain --out``,
    loaded by `rdl.train.init`; ``None``: random initialisation). ``gnn``: ``"sage"``
    (RelBench's GraphSAGE), ``"gat"``, ``"rn"``, ``"hgt"`` (`rdl.nn.convs.GNNS`)."""

    SECTION = "model"

    channels: int = field(
        default=128,
        metadata=option(
            "hidden size of encoders, GNN and head",
            panel=MODEL,
            low=1,
            commands=_TRAIN_PRETRAIN,
            tune=("categorical", (64, 128)),
        ),
    )
    num_layers: int = field(
        default=2,
        metadata=option(
            "GNN layers (= sampling hops; rdl train sets it from --num-neighbors)",
            panel=MODEL,
            low=1,
            cli_hidden=True,
        ),
    )
    gnn: str = field(
        default="sage",
        metadata=option(
            "message-passing layer (sage: RelBench's GraphSAGE)",
            panel=MODEL,
            choices=Literal["sage", "gat", "rn", "hgt"],
            registry="rdl.nn.convs:GNNS",
            commands=_TRAIN_PRETRAIN,
        ),
    )
    heads: int = field(
        default=4,
        metadata=option(
            "attention heads of gat and hgt (must divide --channels)",
            panel=MODEL,
            low=1,
            commands=_TRAIN_PRETRAIN,
        ),
    )
    aggr: str = field(
        default="sum",
        metadata=option(
            "neighbour aggregation of sage",
            panel=MODEL,
            choices=Literal["sum", "mean", "max", "min"],
            commands=_TRAIN_PRETRAIN,
        ),
    )
    pooling: str = field(
        default="seed",
        metadata=option(
            "readout of each seed's subgraph",
            panel=MODEL,
            choices=Literal[
                "seed",
                "mean",
                "max",
                "attention",
                "adaptive",
                "rn",
                "gem",
                "simpool",
                "gated",
                "gnp",
            ],
            registry="rdl.nn.pooling:POOLINGS",
        ),
    )
    encoder_layers: int = field(
        default=4,
        metadata=option(
            "ResNet blocks of each table's row encoder",
            panel=MODEL,
            low=1,
            commands=_TRAIN_PRETRAIN,
        ),
    )
    shallow: bool = field(
        default=False,
        metadata=option(
            "two-tower: add a learned per-row embedding to the destination rows",
            panel=MODEL,
            models=("two-tower",),
        ),
    )
    num_negatives: int = field(
        default=64,
        metadata=option(
            "two-tower: random destinations per batch on top of the in-batch ones",
            panel=MODEL,
            low=0,
            models=("two-tower",),
        ),
    )
    init: str | None = field(
        default=None,
        metadata=option(
            "start the backbone from a pretrained one (a directory of rdl pretrain --out)",
            panel=MODEL,
        ),
    )


@dataclass
class OptimConfig:
    """How the weights are fitted: Adam, epochs, steps, early stopping, the seed.

    ``patience``: stop after this many epochs without a better validation metric
    (``None``: run all epochs); the best checkpoint is restored either way.
    ``max_steps_per_epoch``: RelBench's 2000. ``min_steps_per_epoch`` (``0``: off): training
    batches hold ``min(batch_size, max(ceil(n_train / min_steps_per_epoch),
    min(batch_size, 16)))`` seeds (`rdl.train.trainer.train_batch_size`), so a small table
    still gets that many optimiser steps per epoch; tables of ``>= batch_size *
    min_steps_per_epoch`` rows (10,240 at the defaults) train as before. Measured: rel-f1
    driver-top3 (1,353 rows) went from 3 steps of 512 to 20 steps of 68
    (``benchmarks/results/small_tasks.md``). Evaluation batches keep ``batch_size``."""

    SECTION = "optim"

    epochs: int = field(
        default=10,
        metadata=option("passes over the training table", panel=TRAINING, low=1, commands=_ALL),
    )
    lr: float = field(
        default=0.005,
        metadata=option(
            "Adam learning rate",
            panel=TRAINING,
            low=0,
            low_open=True,
            commands=_TRAIN_PRETRAIN,
            tune=("float-log", (1e-3, 1e-2)),
        ),
    )
    batch_size: int = field(
        default=512,
        metadata=option(
            "seeds per mini-batch",
            panel=TRAINING,
            low=1,
            commands=_TRAIN_PRETRAIN,
            tune=("categorical", (256, 512)),
        ),
    )
    patience: int | None = field(
        default=None,
        metadata=option(
            "early stopping: epochs without a better validation metric (default: run all)",
            panel=TRAINING,
            low=1,
            commands=_TRAIN_PRETRAIN,
        ),
    )
    max_steps_per_epoch: int = field(
        default=2000,
        metadata=option("most batches per epoch", panel=TRAINING, low=1, commands=_TRAIN_PRETRAIN),
    )
    min_steps_per_epoch: int = field(
        default=20,
        metadata=option(
            "small training sets: shrink the batch (not below 16) so an epoch has at least this "
            "many steps (0: off)",
            panel=TRAINING,
            low=0,
        ),
    )
    seed: int = field(
        default=42,
        metadata=option("seeds torch, numpy and the sampler", panel=TRAINING, low=0, commands=_ALL),
    )


@dataclass
class SamplingConfig:
    """Which rows each seed's subgraph holds and how seeds are batched.

    ``num_neighbors``: fanout per hop, one per GNN layer (``-1``: all neighbours).
    ``temporal_strategy``: `rdl.sampling.sampler.STRATEGIES`. ``batch_order``:
    ``"random"`` (RelBench: seeds shuffled) or ``"entity"`` (rdl's default): seeds cut into
    groups of up to ``entity_group_size`` consecutive seed times of one entity (``None``:
    all of them), groups shuffled and kept whole in a batch; seeds of one entity share
    most of their sampled rows, so a batch has fewer distinct rows to encode (rel-f1
    driver-dnf, batch 512: 23k distinct rows random, 7.8k with groups of 8, 2.5k whole
    entities)."""

    SECTION = "sampling"

    num_neighbors: list[int] = field(
        default_factory=lambda: [128, 64],
        metadata=option(
            "fanout per hop, comma separated (-1: all); sets the GNN layers",
            panel=TRAINING,
            low=-1,
            commands=_TRAIN_PRETRAIN,
            parse_hint="one integer >= -1 per GNN layer (-1: all neighbours), separated by commas",
            implies=lambda fan: {"num_layers": len(fan)},
        ),
    )
    temporal_strategy: str = field(
        default="uniform",
        metadata=option(
            "which earlier rows are sampled (mixed: the most recent half of the fanout, the rest "
            "uniform)",
            panel=TRAINING,
            choices=Literal["uniform", "last", "mixed"],
            registry="rdl.sampling.sampler:STRATEGIES",
            commands=_TRAIN_PRETRAIN,
            tune=("categorical", ("uniform", "last", "mixed")),
        ),
    )
    batch_order: str = field(
        default="entity",
        metadata=option(
            "entity: runs of one entity's seeds batched together (fewer distinct rows per "
            "batch); random: RelBench's shuffle",
            panel=TRAINING,
            choices=Literal["random", "entity"],
        ),
    )
    entity_group_size: int | None = field(
        default=8,
        metadata=option(
            "with --batch-order entity: seeds per group (0: a whole entity)",
            panel=TRAINING,
            low=1,
            none_flag=0,
            none_means="a whole entity",
        ),
    )
