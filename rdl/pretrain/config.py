"""`PretrainConfig`: the knobs of self-supervised relational pretraining that `TrainConfig`
does not have (views, augmentations, relation head, seed grid)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class PretrainConfig:
    """Settings of `rdl.pretrain.pretrain` (``rdl pretrain``). The shared ones — epochs,
    learning rate, channels, fanouts, batch size (entities per step), threads, precision,
    seed — are `rdl.train.TrainConfig`'s.

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
    """

    num_views: int = 4
    max_cutoff_days: float = 180.0
    max_jitter_days: float = 30.0
    neighbor_dropout: float = 0.2
    feature_mask: float = 0.2
    seed_mask: float = 0.5
    head_hidden: int = 256
    every_days: float | None = None
    active_within_days: float | None = 365.0
    negatives: str = "any"
    val_fraction: float = 0.1

    def __post_init__(self) -> None:
        if self.num_views < 2:
            raise ValueError(f"num_views = {self.num_views}: relational reasoning needs at "
                             "least 2 views per seed (--views)")
        for name in ("neighbor_dropout", "feature_mask", "seed_mask"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} = {v}: a probability in [0, 1]")
        for name in ("max_cutoff_days", "max_jitter_days"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} = {getattr(self, name)}: must be >= 0 days")
        if self.negatives not in ("any", "same_time"):
            raise ValueError(f"negatives {self.negatives!r}: use 'any' or 'same_time' (--negatives)")
        if not 0.0 < self.val_fraction < 1.0:
            raise ValueError(f"val_fraction = {self.val_fraction}: must be in (0, 1)")

    def to_dict(self) -> dict:
        return asdict(self)


__all__ = ["PretrainConfig"]
