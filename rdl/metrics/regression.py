"""Regression metrics: MAE, MSE, RMSE and R².

``true`` and ``pred`` are real numbers of shape ``[n]`` (``[n, 1]`` is
accepted). The scores are scikit-learn's (``sklearn.metrics``), named as in
RelBench's ``relbench.metrics``; the input checks are in
``rdl.metrics._checks``.
"""

from __future__ import annotations

import math
from typing import Any

import sklearn.metrics as skm

from rdl.metrics._checks import regression

__all__ = ["mae", "mse", "r2", "rmse"]


def mae(true: Any, pred: Any) -> float:
    """Mean absolute error ``mean(|true - pred|)``. Lower is better.

    Shapes: ``true`` and ``pred`` ``[n]`` (``[n, 1]`` accepted), real numbers.

    Raises:
        ValueError: length mismatch, empty input, NaN/inf in ``true``/``pred``.

    Source: ``sklearn.metrics.mean_absolute_error``; RelBench ``mae``.
    """
    t, p = regression(true, pred, "mae")
    return float(skm.mean_absolute_error(t, p))


def mse(true: Any, pred: Any) -> float:
    """Mean squared error ``mean((true - pred) ** 2)``. Lower is better.

    Shapes: ``true`` and ``pred`` ``[n]`` (``[n, 1]`` accepted), real numbers.

    Raises:
        ValueError: length mismatch, empty input, NaN/inf in ``true``/``pred``.

    Source: ``sklearn.metrics.mean_squared_error``; RelBench ``mse``.
    """
    t, p = regression(true, pred, "mse")
    return float(skm.mean_squared_error(t, p))


def rmse(true: Any, pred: Any) -> float:
    """Root mean squared error ``sqrt(mse)``. Lower is better.

    Shapes: ``true`` and ``pred`` ``[n]`` (``[n, 1]`` accepted), real numbers.

    Raises:
        ValueError: length mismatch, empty input, NaN/inf in ``true``/``pred``.

    Source: ``sklearn.metrics.root_mean_squared_error`` (scikit-learn >= 1.4,
    else ``sqrt(mean_squared_error)``); RelBench ``rmse``.
    """
    t, p = regression(true, pred, "rmse")
    fn = getattr(skm, "root_mean_squared_error", None)
    if fn is not None:
        return float(fn(t, p))
    return float(math.sqrt(skm.mean_squared_error(t, p)))


def r2(true: Any, pred: Any) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot``. Higher is better.

    Shapes: ``true`` and ``pred`` ``[n]`` with ``n >= 2``. If ``true`` is
    constant, scikit-learn's convention applies: 1.0 for a perfect prediction,
    else 0.0.

    Raises:
        ValueError: length mismatch, empty input or fewer than 2 rows,
            NaN/inf in ``true``/``pred``.

    Source: ``sklearn.metrics.r2_score``; RelBench ``r2``.
    """
    t, p = regression(true, pred, "r2")
    if len(t) < 2:
        raise ValueError(f"r2: needs at least 2 rows, got {len(t)}; evaluate on more rows")
    return float(skm.r2_score(t, p))
