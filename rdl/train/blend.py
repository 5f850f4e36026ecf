"""GNN + LightGBM blend (one weight between the two, the one validation
prefers), fitted on validation only.

`fit_blend` chooses one weight ``w`` in ``[0, 1]`` (a grid of 21 values) that gives the
best validation score of the task's first metric for

* binary / multilabel: ``sigmoid(w * logit(p_gnn) + (1 - w) * logit(p_lgbm))``;
* multiclass: ``w * p_gnn + (1 - w) * p_lgbm``;
* regression: ``w * y_gnn + (1 - w) * y_lgbm``;

ties go to the weight nearest 0.5. The test predictions are blended with that weight
once; no test label is read before the blend is fixed. A weight on a grid is a
deliberately small model: rel-f1's validation splits hold ~500-600 seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rdl.metrics import METRICS, higher_is_better
from rdl.train.heads import HEADS

WEIGHTS = np.linspace(0.0, 1.0, 21)
_EPS = 1e-6


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


def combine(task_type: str, w: float, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a`` (GNN) and ``b`` (LightGBM) predictions blended with weight ``w`` on ``a``
    (see the module docstring); shapes as `rdl.metrics` expects."""
    if HEADS.get(task_type).blend_in_logits:  # probabilities of independent labels
        z = w * _logit(a) + (1 - w) * _logit(b)
        return 1.0 / (1.0 + np.exp(-z))
    return w * np.asarray(a, dtype=np.float64) + (1 - w) * np.asarray(b, dtype=np.float64)


@dataclass
class Blend:
    """A fitted blend: ``weight`` on the GNN, the validation ``score`` of the first
    metric, and per-weight validation scores (``curve``)."""

    task_type: str
    metric: str
    weight: float
    score: float
    curve: list[tuple[float, float]]

    def __call__(self, gnn: np.ndarray, lgbm: np.ndarray) -> np.ndarray:
        return combine(self.task_type, self.weight, gnn, lgbm)


def fit_blend(
    task_type: str, metric: str, y_val: np.ndarray, gnn_val: np.ndarray, lgbm_val: np.ndarray
) -> Blend:
    """Choose the blend weight on validation (labels ``y_val`` and both models' val
    predictions).

    Raises:
        ValueError: predictions of different lengths, or a metric not in
            `rdl.metrics.METRICS`.
    """
    if len(gnn_val) != len(lgbm_val) or len(gnn_val) != len(y_val):
        raise ValueError(
            f"blend: {len(y_val)} labels, {len(gnn_val)} GNN and "
            f"{len(lgbm_val)} LightGBM predictions; give one per val seed"
        )
    if metric not in METRICS:
        raise ValueError(f"blend: metric {metric!r} is not in rdl.metrics.METRICS")
    fn, higher = METRICS[metric], higher_is_better(metric)
    curve = [
        (float(w), float(fn(y_val, combine(task_type, w, gnn_val, lgbm_val)))) for w in WEIGHTS
    ]
    best = max(curve, key=lambda ws: ((ws[1] if higher else -ws[1]), -abs(ws[0] - 0.5)))
    return Blend(task_type, metric, best[0], best[1], curve)


__all__ = ["WEIGHTS", "Blend", "combine", "fit_blend"]
