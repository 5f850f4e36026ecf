"""Evaluation metrics as plain functions, named as in the literature.

Every metric has the signature ``f(true, pred) -> float`` (the ranking metrics
take an extra optional ``k``). Inputs may be numpy arrays, Python lists or
pandas Series / DataFrames. Names and conventions follow RelBench's
``relbench.metrics`` (Robinson et al., "RelBench: A Benchmark for Deep Learning
on Relational Databases", NeurIPS 2024 Datasets & Benchmarks); the computation
is scikit-learn's wherever scikit-learn has the metric.

Where things are:

* ``classification`` — binary (``roc_auc``, ``average_precision``,
  ``accuracy``, ``f1``, ``log_loss``), multiclass (``multiclass_accuracy``,
  ``multiclass_log_loss``, ``macro_f1``, ``micro_f1``) and multilabel
  (``multilabel_auroc_*``, ``multilabel_ap_*``).
* ``regression`` — ``mae``, ``mse``, ``rmse``, ``r2``.
* ``ranking`` — link prediction / recommendation: ``map_at_k``,
  ``recall_at_k``, ``precision_at_k``, ``ndcg_at_k``.
* ``registry`` — :data:`METRICS` (name -> function, RelBench's aliases
  included) and :func:`higher_is_better` (the direction, for early stopping
  and model selection).
* ``_checks`` — input validation on top of scikit-learn's
  ``check_consistent_length`` / ``check_array`` / ``type_of_target``.

Conventions
-----------
* Binary classification: ``true`` is 0/1 (or bool) of shape ``[n]``; ``pred``
  holds **probabilities of the positive class** in ``[0, 1]``, shape ``[n]``
  (``[n, 1]`` is accepted). Hard decisions use ``pred >= 0.5``. (RelBench
  passes sigmoid outputs; pass probabilities, not logits.)
* Multiclass: ``true`` holds integer class indices ``0..C-1``, shape ``[n]``;
  ``pred`` is ``[n, C]`` class probabilities. Hard decisions use
  ``argmax(pred, axis=1)``.
* Multilabel: ``true`` is a 0/1 indicator matrix ``[n, L]`` (a length-``n``
  sequence of length-``L`` arrays, as RelBench stores it, is stacked);
  ``pred`` is ``[n, L]`` per-label probabilities, thresholded at ``0.5``.
* Regression: ``true`` and ``pred`` are real numbers, shape ``[n]``.
* Link prediction / recommendation: ``true`` is a length-``n`` sequence of
  collections of relevant destination ids, ``pred`` is ``[n, >=k]`` ranked
  destination ids (best first); see :func:`map_at_k`.

Validation (all metrics): mismatched lengths, empty inputs, NaN/inf in
``pred`` (or in numeric ``true``) raise :class:`ValueError` whose message starts
with the metric name and names the culprit (both lengths, or the count and
positions of the bad values). Metrics that need probabilities also reject
values outside ``[0, 1]``; AUROC and AP reject a ``true`` with one class only.
"""

from __future__ import annotations

from rdl.metrics._checks import PROB_EPS as PROB_EPS  # re-exported
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
from rdl.metrics.registry import METRICS, higher_is_better
from rdl.metrics.regression import mae, mse, r2, rmse

__all__ = [
    "METRICS",
    "accuracy",
    "average_precision",
    "f1",
    "higher_is_better",
    "log_loss",
    "macro_f1",
    "mae",
    "map_at_k",
    "micro_f1",
    "mse",
    "multiclass_accuracy",
    "multiclass_log_loss",
    "multilabel_ap_macro",
    "multilabel_ap_micro",
    "multilabel_auroc_macro",
    "multilabel_auroc_micro",
    "ndcg_at_k",
    "precision_at_k",
    "r2",
    "recall_at_k",
    "rmse",
    "roc_auc",
]
