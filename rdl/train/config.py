"""`TrainConfig`: every knob of a training run, with RelBench's defaults."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import torch

from rdl.tasks import PROTOCOLS


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
        encoder_layers: ResNet blocks per table.
        patience: stop after this many epochs without a better validation metric
            (``None``: run all epochs); the best checkpoint is restored either way.
        max_steps_per_epoch: cap on batches per epoch (RelBench: 2000).
        seed: seeds torch, numpy and the sampler.
        text: embed text columns (all-MiniLM-L6-v2); ``False`` drops them.
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
            seed is stale).
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
        precision: ``"fp32"``, ``"bf16"`` (forward pass under CPU autocast: bfloat16 matrix
            products, losses and metrics in float32; ~1.3-1.7x faster on CPUs with
            AVX512-BF16/AMX) or ``"auto"``: bf16 where the CPU supports it natively.

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
    encoder_layers: int = 4
    patience: int | None = None
    max_steps_per_epoch: int = 2000
    seed: int = 42
    text: bool = True
    threads: int | None = None
    precision: str = "auto"
    batch_order: str = "entity"
    entity_group_size: int | None = 8
    protocol: str = "relbench"
    stale_prob: float = 0.0
    time_reference: str = "seed"
    stale_val: bool = False
    seed_features: list[str] = field(default_factory=lambda: ["aggregates", "past_labels"])
    blend: bool = True

    def __post_init__(self) -> None:
        if self.precision == "auto":
            self.precision = "bf16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "fp32"
        if self.precision not in ("fp32", "bf16"):
            raise ValueError(f"precision {self.precision!r}: use 'auto', 'fp32' or 'bf16'")
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"protocol {self.protocol!r}: use one of {list(PROTOCOLS)} "
                             "(--protocol)")
        if not 0.0 <= self.stale_prob <= 1.0:
            raise ValueError(f"stale_prob {self.stale_prob} must be in [0, 1] (--stale-prob)")
        if self.time_reference not in ("seed", "cutoff"):
            raise ValueError(f"time_reference {self.time_reference!r}: use 'seed' or 'cutoff' "
                             "(--time-reference)")
        self.seed_features = list(self.seed_features)
        bad = [p for p in self.seed_features if p not in ("aggregates", "past_labels")]
        if bad:
            raise ValueError(f"seed_features {bad}: use any of 'aggregates', 'past_labels' "
                             "(--seed-features)")
        if self.batch_order not in ("random", "entity"):
            raise ValueError(f"batch_order {self.batch_order!r}: use 'random' or 'entity'")
        if len(self.num_neighbors) != self.num_layers:
            raise ValueError(
                f"num_neighbors {self.num_neighbors} must give one fanout per GNN layer "
                f"(num_layers={self.num_layers})"
            )

    def autocast(self):
        """The autocast context of ``precision`` (a no-op for fp32)."""
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bf16")

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
        time_reference="seed", stale_val=False, seed_features=[], blend=False),
}


def preset_config(name: str, **overrides) -> TrainConfig:
    """`TrainConfig` of the preset ``name`` (`PRESETS`) with ``overrides`` on top.

    Raises:
        ValueError: an unknown preset name (the message lists the known ones).
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; known presets: {sorted(PRESETS)} (--preset)")
    return TrainConfig.from_dict({**PRESETS[name], **overrides}, f"preset {name!r}")
