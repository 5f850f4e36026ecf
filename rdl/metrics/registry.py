"""The metric registry: names (rdl's and RelBench's) -> functions, and their direction.

:data:`METRICS` is what tasks list in ``metrics=[...]`` and what training and the
baselines look metrics up in; :func:`higher_is_better` tells early stopping and
model selection which way is better.
"""

from __future__ import annotations

from collections.abc import Callable

from rdl.metrics.classification import (
    accuracy,
    average_precision,
    f1,
    log_loss,
    macro_f1,
    micro_f1,
    multiclass_accuracy,
    multiclass_log_loss,
    multilabel_ap_macro,
    multilabel_ap_micro,
    multilabel_auroc_macro,
    multilabel_auroc_micro,
    roc_auc,
)
from rdl.metrics.ranking import map_at_k, ndcg_at_k, precision_at_k, recall_at_k
from rdl.metrics.regression import mae, mse, r2, rmse

__all__ = ["METRICS", "higher_is_better"]

#: Metric name -> ``f(true, pred) -> float`` (ranking metrics take an extra ``k``).
METRICS: dict[str, Callable[..., float]] = {
    # binary
    "roc_auc": roc_auc,
    "average_precision": average_precision,
    "accuracy": accuracy,
    "f1": f1,
    "log_loss": log_loss,
    # multiclass
    "multiclass_accuracy": multiclass_accuracy,
    "multiclass_log_loss": multiclass_log_loss,
    "macro_f1": macro_f1,
    "micro_f1": micro_f1,
    # multilabel
    "multilabel_auroc_macro": multilabel_auroc_macro,
    "multilabel_auroc_micro": multilabel_auroc_micro,
    "multilabel_ap_macro": multilabel_ap_macro,
    "multilabel_ap_micro": multilabel_ap_micro,
    # RelBench's names for the two above (it computes average precision)
    "multilabel_auprc_macro": multilabel_ap_macro,
    "multilabel_auprc_micro": multilabel_ap_micro,
    "multilabel_f1_macro": macro_f1,
    "multilabel_f1_micro": micro_f1,
    # regression
    "mae": mae,
    "mse": mse,
    "rmse": rmse,
    "r2": r2,
    # link prediction / recommendation
    "map_at_k": map_at_k,
    "recall_at_k": recall_at_k,
    "precision_at_k": precision_at_k,
    "ndcg_at_k": ndcg_at_k,
}

_LOWER_IS_BETTER = frozenset({"mae", "mse", "rmse", "log_loss", "multiclass_log_loss"})


def higher_is_better(name: str | Callable[..., float]) -> bool:
    """Whether larger values of metric ``name`` are better.

    False for the losses/errors ``mae``, ``mse``, ``rmse``, ``log_loss`` and
    ``multiclass_log_loss``; True for every other metric in :data:`METRICS`.
    Accepts a metric name or one of the functions in :data:`METRICS`.

    Raises:
        ValueError: ``name`` is not a registered metric (lists the known names).
    """
    if callable(name):
        matches = [n for n, f in METRICS.items() if f is name]
        if not matches:
            raise ValueError(
                f"higher_is_better: {getattr(name, '__name__', name)!r} is not a "
                f"registered metric; known: {sorted(METRICS)}"
            )
        name = matches[0]
    if name not in METRICS:
        raise ValueError(f"higher_is_better: unknown metric {name!r}; known: {sorted(METRICS)}")
    return name not in _LOWER_IS_BETTER
