"""Early stopping on a validation metric with best-checkpoint restore."""

from __future__ import annotations

import copy

import torch

from rdl.metrics import higher_is_better


class EarlyStopping:
    """Keeps the best model state by a validation metric.

    Args:
        metric: a name in `rdl.metrics.METRICS` (its direction decides "better").
        patience: epochs without improvement before `update` says stop (``None``: never).
    """

    def __init__(self, metric: str, patience: int | None = None):
        self.metric, self.patience = metric, patience
        self.higher = higher_is_better(metric)
        self.best: float | None = None
        self.best_state: dict | None = None
        self.stale = 0

    def update(self, score: float, model: torch.nn.Module) -> bool:
        """Record an epoch's ``score``; keep ``model``'s state if it is the best so far.

        Returns:
            ``True`` when training should stop (``patience`` epochs without improvement).
        """
        if self.best is None or (score > self.best if self.higher else score < self.best):
            self.best, self.best_state, self.stale = score, copy.deepcopy(model.state_dict()), 0
            return False
        self.stale += 1
        return self.patience is not None and self.stale >= self.patience

    def restore(self, model: torch.nn.Module) -> None:
        """Load the best state into ``model`` (no-op before any `update`)."""
        if self.best_state is not None:
            model.load_state_dict(self.best_state)
