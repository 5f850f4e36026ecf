"""The settings of a training run, by concern; each field declared once (`option`).

`rdl.config.TrainConfig` composes the sections (``config.model``, ``config.optim``,
``config.sampling``, ``config.inputs``, ``config.selection``, ``config.runtime``) and reads
and writes their fields flat (``config.channels``). Defaults follow RelBench's
``gnn_entity.py`` except where a field says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rdl.config.option import DATA, MODEL, PROTOCOL, SCALE, TRAINING, option

_ALL = ("train", "pretrain", "tune")
_TRAIN_PRETRAIN = ("train", "pretrain")


def _text(value):
    from rdl.graph.text import text_encoder_name

    return text_encoder_name(value)


def _device(value):
    if not isinstance(value, str) or not (value == "cpu" or value.startswith("cuda")):
        return "must be 'cpu', 'cuda' or 'cuda:N'"
    return None


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


@dataclass
class InputConfig:
    """What the model sees of each row and of the seed: text columns, ages, seed
    features.

    ``text``: the text-column encoder (`rdl.graph.text`); ``True`` / ``False`` are read as
    ``"minilm"`` / ``"none"`` and stored as the name. ``time_reference``: ``"seed"`` (ages
    against the seed time, as RelBench) or ``"cutoff"`` (against the seed's information
    cut-off: a stale seed's history looks as fresh as at its cut-off; with ``stale_prob >
    0`` the staleness is an input, `rdl.nn.seed_inputs.SeedInputEncoder`).
    ``seed_features`` (`rdl.train.seed_features`): the entity's time-bounded relational
    aggregates and its labels known at the cut-off; on rel-f1 they lift the validation
    AUROC of driver-top3 from 0.67 to 0.90; ``[]``: none. ``seed_feature_max_pairs``: the
    features live in memory (pandas, ~1-10 KB a pair: TPC-H SF 1's 0.98 M pairs took 9.2
    GB), so above this many (entity, cut-off) pairs the GNN trains alone, the run says so
    in ``results["warnings"]`` and records it in ``results["resolved"]``; ``None``: no
    limit."""

    SECTION = "inputs"

    text: str | bool = field(
        default="tfidf",
        metadata=option(
            "text-column encoder (tfidf: TF-IDF + SVD, fast; minilm: all-MiniLM-L6-v2; none: "
            "text columns dropped)",
            panel=DATA,
            choices=Literal["tfidf", "minilm", "none"],
            registry="rdl.graph.text:TEXT_ENCODERS",
            normalize=_text,
            aliases={"--no-text": "none"},
            commands=_TRAIN_PRETRAIN,
        ),
    )
    time_reference: str = field(
        default="seed",
        metadata=option(
            "what ages are encoded against: seed (the seed time) or cutoff (the information "
            "cut-off, the staleness an input)",
            panel=PROTOCOL,
            choices=Literal["seed", "cutoff"],
            tune=("categorical", ("seed", "cutoff")),
        ),
    )
    seed_features: list[str] = field(
        default_factory=lambda: ["aggregates", "past_labels"],
        metadata=option(
            "tabular inputs of the seed at its cut-off, comma separated: aggregates "
            "(time-bounded aggregates of the entity), past_labels (its labels known then); "
            "none: no seed features",
            panel=PROTOCOL,
            choices=("aggregates", "past_labels"),
            tune=("categorical", ("none", "past_labels", "aggregates,past_labels")),
        ),
    )
    seed_feature_max_pairs: int | None = field(
        default=1_000_000,
        metadata=option(
            "above this many (entity, cut-off) pairs the seed features and the blend (held in "
            "memory) are left out, with a warning (0: no limit)",
            panel=SCALE,
            low=1,
            none_flag=0,
            none_means="no limit",
        ),
    )


@dataclass
class SelectionConfig:
    """Where the inputs come from and how the reported model is chosen.

    ``protocol`` (`rdl.tasks.PROTOCOLS`): ``"relbench"`` — the database cut at the task's
    test timestamp for every split, as RelBench; ``"rolling"`` — the full database, each
    seed seeing rows dated ``<=`` its seed time (deployment-like; never compare it with
    RelBench's published figures). ``stale_prob``: stale-history training, so that
    training seeds are as stale as the test seeds: a training seed is sampled at a random
    cut-off ``t - k * timedelta``, ``k`` uniform over the test seed times' steps past the
    cut (`rdl.train.stale.GapSampler`; no effect under ``"rolling"``). On rel-f1 under
    ``"relbench"`` 0.5 improved validation on driver-position and driver-top3 and left
    driver-dnf within noise (``benchmarks/results/rel_f1.md``). ``stale_val``: select
    (early stopping, the blend's weight) on the stale validation
    (`rdl.train.stale.information_cutoffs`); results report both validations.
    ``blend``: also report ``models["lightgbm_cutoff"]`` and ``models["blend"]``
    (`rdl.train.blend`; entity tasks)."""

    SECTION = "selection"

    protocol: str = field(
        default="relbench",
        metadata=option(
            "relbench: every input cut at the test timestamp, as RelBench; rolling: each seed "
            "sees every row dated <= its seed time",
            panel=PROTOCOL,
            choices=Literal["relbench", "rolling"],
            registry="rdl.tasks:PROTOCOLS",
            commands=_ALL,
        ),
    )
    stale_prob: float = field(
        default=0.5,
        metadata=option(
            "relbench protocol: probability that a training seed is sampled at a random earlier "
            "cut-off, as stale as the test seeds (0: off)",
            panel=PROTOCOL,
            low=0,
            high=1,
            tune=("float", (0.0, 0.8)),
        ),
    )
    stale_val: bool = field(
        default=False,
        metadata=option(
            "relbench protocol: select on the stale validation (each val seed cut at a fixed "
            "random earlier date) instead of RelBench's",
            panel=PROTOCOL,
        ),
    )
    blend: bool = field(
        default=True,
        metadata=option(
            "also report LightGBM on the seed features and its blend with the GNN (weight "
            "chosen on validation)",
            panel=PROTOCOL,
        ),
    )


@dataclass
class RuntimeConfig:
    """Where and how fast the run executes; what the machine decides from them is
    recorded apart (`rdl.config.resolve`, ``results["resolved"]``), never written back.

    ``storage``: ``"memory"`` (the database read with `rdl.connect`, the graph in memory),
    ``"disk"`` (out of core: `rdl.db.lazy.open_lazy`, the graph streamed into a
    memory-mapped store, `rdl.graph.stream`) or ``"auto"``: disk for a DuckDB file of more
    than `rdl.runtime.storage.AUTO_DISK_ROWS` rows. ``device``: the model's (sampling stays
    on the CPU). ``precision``: ``"bf16"`` runs the forward pass under autocast (bfloat16
    matrix products, losses and metrics in float32; ~1.3-1.7x faster on CPUs with
    AVX512-BF16/AMX); ``"auto"`` (rdl's default): bf16 where the hardware has it."""

    SECTION = "runtime"

    threads: int | None = field(
        default=None,
        metadata=option(
            "torch threads (default: torch's, = cores)", panel=SCALE, low=1, commands=_ALL
        ),
    )
    precision: str = field(
        default="auto",
        metadata=option(
            "bf16: CPU/GPU autocast; auto: bf16 where the hardware has it natively",
            panel=SCALE,
            choices=Literal["auto", "fp32", "bf16"],
            commands=_TRAIN_PRETRAIN,
        ),
    )
    storage: str = field(
        default="auto",
        metadata=option(
            "memory, or disk (out of core: a DuckDB file streamed, the graph memory-mapped); "
            "auto: disk above 5 M rows",
            panel=SCALE,
            choices=Literal["auto", "memory", "disk"],
        ),
    )
    device: str = field(
        default="cpu",
        metadata=option(
            "cpu | cuda | cuda:N (the model on the GPU; sampling stays on the CPU)",
            panel=SCALE,
            check_fn=_device,
        ),
    )


SECTIONS = (ModelConfig, OptimConfig, SamplingConfig, InputConfig, SelectionConfig, RuntimeConfig)

__all__ = [
    "SECTIONS",
    "InputConfig",
    "ModelConfig",
    "OptimConfig",
    "RuntimeConfig",
    "SamplingConfig",
    "SelectionConfig",
]
