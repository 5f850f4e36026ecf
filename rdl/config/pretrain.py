"""`PretrainConfig`: the settings of self-supervised relational pretraining that
`TrainConfig` does not have (views, augmentations, relation head, seed grid), each
declared once (`rdl.config.option.option`): ``rdl pretrain``'s options and the checks
come from the declarations."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from rdl.config.option import ConfigError, declared, option

VIEWS = "Views and augmentations"
_P = ("pretrain",)


def _below_one(value) -> str | None:
    return "must be < 1" if value >= 1 else None


@dataclass
class PretrainConfig:
    """Settings of `rdl.pretrain.pretrain` (``rdl pretrain``). The shared ones — epochs,
    learning rate, channels, fanouts, batch size (entities per step), threads, precision,
    seed — are `rdl.config.TrainConfig`'s.

    Views (Patacchiola & Storkey 2020, adapted to temporal subgraphs); every augmentation
    keeps the leakage rule: a view of ``(entity, t)`` holds no row dated after ``t``.

    Attributes:
        num_views: ``K`` augmented views per seed (the paper: 4 to 32; its default 4).
        max_cutoff_days: information cut-off: each view's subgraph is sampled at a random
            time ``c`` uniform in ``[t' - max_cutoff_days, t']`` (never before the entity
            row's own time) while ages are encoded against ``t'`` — the view sees a history
            that stops early.
        max_jitter_days: time jitter: the view is taken at ``t' = t - U(0, max_jitter_days)``
            (never after ``t``, never before the entity row's time).
        neighbor_dropout: probability that a sampled neighbour row (any hop, never the
            seed) is dropped from a view with everything reached through it.
        feature_mask: probability that one cell (row, column) of a sampled row is masked
            (set missing, which pytorch-frame's encoders embed as zeros); multicategorical
            columns are not masked.
        seed_mask: probability that all of the seed row's own cells are masked in a view,
            so that views must be matched by their relational context, not by the entity's
            static columns alone.
        head_hidden: hidden size of the relation head (the paper: 256).
        every_days: spacing of the seed-time grid (``None``: ``timedelta`` of the task, or
            1/50 of the time span).
        active_within_days: a seed ``(entity, t)`` is kept only if a row that references
            the entity (any foreign key into the entity table, from a table with a time
            column) is dated in ``(t - active_within_days, t]``; ``None`` keeps every
            entity row that exists at ``t``. Entity tables nothing references keep all.
        negatives: ``"any"`` (the paper's random mini-batches: a negative pairs two entities
            at any two seed times) or ``"same_time"`` (batches grouped by seed time: most
            negatives pair two entities at the same time, so the head cannot tell views
            apart by their era alone).
        val_fraction: share of the entities held out to score the relation head after
            each epoch (held-out log loss, accuracy, AUROC; early stopping on log loss).

    Raises:
        ConfigError: a setting out of its range (its ``field`` names it).
    """

    num_views: int = field(
        default=4,
        metadata=option(
            "augmented views per seed (K; relational reasoning needs at least 2)",
            panel=VIEWS,
            flag="--views",
            low=2,
            commands=_P,
        ),
    )
    max_cutoff_days: float = field(
        default=180.0,
        metadata=option(
            "information cut-off: up to this many days before the view time",
            panel=VIEWS,
            low=0,
            commands=_P,
        ),
    )
    max_jitter_days: float = field(
        default=30.0,
        metadata=option(
            "time jitter: view time up to this many days before t", panel=VIEWS, low=0, commands=_P
        ),
    )
    neighbor_dropout: float = field(
        default=0.2,
        metadata=option(
            "probability of dropping each sampled neighbour row",
            panel=VIEWS,
            low=0,
            high=1,
            commands=_P,
        ),
    )
    feature_mask: float = field(
        default=0.2,
        metadata=option(
            "probability of masking each cell", panel=VIEWS, low=0, high=1, commands=_P
        ),
    )
    seed_mask: float = field(
        default=0.5,
        metadata=option(
            "probability of masking the seed row's every cell",
            panel=VIEWS,
            low=0,
            high=1,
            commands=_P,
        ),
    )
    head_hidden: int = field(
        default=256,
        metadata=option("hidden size of the relation head", panel=VIEWS, low=1, commands=_P),
    )
    every_days: float | None = field(
        default=None,
        metadata=option(
            "seed-time grid spacing in days (default: the task's timedelta, else 1/50 of the span)",
            panel=VIEWS,
            low=0,
            low_open=True,
            commands=_P,
        ),
    )
    active_within_days: float | None = field(
        default=365.0,
        metadata=option(
            "keep a seed (entity, t) only if a row referencing the entity is dated in "
            "(t - days, t]; 0 keeps every row",
            panel=VIEWS,
            low=0,
            low_open=True,
            none_flag=0,
            none_means="every row",
            commands=_P,
        ),
    )
    negatives: str = field(
        default="any",
        metadata=option(
            "any: random batches (the paper); same_time: batches grouped by seed time, "
            "negatives are contemporaries",
            panel=VIEWS,
            choices=Literal["any", "same_time"],
            commands=_P,
        ),
    )
    val_fraction: float = field(
        default=0.1,
        metadata=option(
            "share of the entities held out to score the relation head",
            panel=VIEWS,
            low=0,
            low_open=True,
            high=1,
            check_fn=_below_one,
            commands=_P,
        ),
    )

    def __post_init__(self) -> None:
        for name, opt in PRETRAIN_OPTIONS.items():
            setattr(self, name, opt.check(getattr(self, name)))

    def to_dict(self) -> dict:
        return asdict(self)


#: setting name -> its declaration
PRETRAIN_OPTIONS = declared(PretrainConfig)

__all__ = ["PRETRAIN_OPTIONS", "VIEWS", "ConfigError", "PretrainConfig"]
