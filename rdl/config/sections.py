"""The settings of a training run, by concern; each field declared once (`option`).

`rdl.config.TrainConfig` composes the sections (``config.model``, ``config.optim``,
``config.sampling``, ``config.inputs``, ``config.selection``, ``config.runtime``) and reads
and writes their fields flat (``config.channels``). Defaults follow RelBench's
``gnn_entity.py`` except where a field says otherwise.

Here: `InputConfig`, `SelectionConfig`, `RuntimeConfig` and `SECTIONS`; the sections of
what is learned and how (`ModelConfig`, `OptimConfig`, `SamplingConfig`) live in
`rdl.config.sections_model` and are re-exported here, the place to import every section
from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rdl.config.option import DATA, PROTOCOL, SCALE, option
from rdl.config.sections_model import (
    _ALL,
    _TRAIN_PRETRAIN,
    ModelConfig,
    OptimConfig,
    SamplingConfig,
)


def _text(value):
    from rdl.graph.text import text_encoder_name

    return text_encoder_name(value)


def _device(value):
    if not isinstance(value, str) or not (value == "cpu" or value.startswith("cuda")):
        return "must be 'cpu', 'cuda' or 'cuda:N'"
    return None


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
