"""Evaluation metrics as plain functions, named as in the literature.

Every metric has the signature ``f(true, pred) -> float`` (the ranking metrics
take an extra optional ``k``). Inputs may be numpy arrays, Python lists or
pandas Series / DataFrames. Names and conventions follow RelBench's
``relbench.metrics`` (Robinson et al., "RelBench: A Benchmark for Deep Learning
on Relational Databases", NeurIPS 2024 Datasets & Benchmarks); the underlying
computation is done by scikit-learn wherever scikit-learn has the metric.

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
values outside ``[0, 1]``.

:data:`METRICS` maps names to functions; :func:`higher_is_better` tells the
optimisation direction of a metric (used for early stopping / model selection).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import sklearn.metrics as skm

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

#: Probabilities are clipped to ``[PROB_EPS, 1 - PROB_EPS]`` before taking logs.
PROB_EPS = 1e-15

_MAX_LISTED = 10  # how many bad positions / values an error message lists


# --------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------


def _as_array(x: Any, metric: str, arg: str) -> np.ndarray:
    """Convert list / Series / DataFrame / array to a numpy array."""
    if x is None:
        raise ValueError(f"{metric}: {arg} is None")
    if isinstance(x, (pd.Series, pd.Index, pd.DataFrame)):
        try:
            arr = x.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            arr = x.to_numpy()
    else:
        arr = np.asarray(x) if not isinstance(x, list) else _list_to_array(x)
    arr = _stack_rows(arr)
    if arr.dtype == object:
        # e.g. a list mixing ints and None, or pandas nullable values
        try:
            arr = np.asarray(
                pd.DataFrame(arr).apply(pd.to_numeric).to_numpy(dtype=np.float64, na_value=np.nan)
                if arr.ndim == 2
                else pd.to_numeric(pd.Series(arr)).to_numpy(dtype=np.float64, na_value=np.nan)
            )
        except (TypeError, ValueError):
            pass
    return arr


def _fmt_positions(positions: Sequence[Any], total: int) -> str:
    shown = ", ".join(str(p) for p in positions[:_MAX_LISTED])
    more = f", ... ({total - _MAX_LISTED} more)" if total > _MAX_LISTED else ""
    return f"[{shown}{more}]"


def _positions(mask: np.ndarray) -> tuple[int, str]:
    """Number and formatted positions of the True entries of ``mask``."""
    idx = np.argwhere(mask)
    total = len(idx)
    if mask.ndim == 1:
        pos = [int(i[0]) for i in idx[:_MAX_LISTED]]
    else:
        pos = [tuple(int(j) for j in i) for i in idx[:_MAX_LISTED]]
    return total, _fmt_positions(pos, total)


def _check_finite(arr: np.ndarray, metric: str, arg: str) -> None:
    if arr.dtype.kind not in "fc":
        return
    bad = ~np.isfinite(arr)
    if bad.any():
        n_bad, where = _positions(bad)
        n_nan = int(np.isnan(arr).sum())
        raise ValueError(
            f"{metric}: {arg} contains {n_bad} non-finite value(s) "
            f"({n_nan} NaN, {n_bad - n_nan} inf) at position(s) {where}"
        )


def _check_numeric(arr: np.ndarray, metric: str, arg: str) -> None:
    if arr.dtype.kind not in "biuf":
        raise ValueError(
            f"{metric}: {arg} must be numeric, got dtype {arr.dtype} "
            f"(first values: {arr.ravel()[:5].tolist()})"
        )


def _check_pair(true: Any, pred: Any, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert, check lengths / emptiness / finiteness. No shape policy."""
    t = _as_array(true, metric, "true")
    p = _as_array(pred, metric, "pred")
    if t.ndim == 0 or p.ndim == 0:
        raise ValueError(
            f"{metric}: true and pred must be arrays, got shapes {t.shape} and {p.shape}"
        )
    if len(t) != len(p):
        raise ValueError(
            f"{metric}: length mismatch: true has {len(t)} rows but pred has {len(p)} rows"
        )
    if len(t) == 0:
        raise ValueError(f"{metric}: empty input: true and pred have 0 rows")
    _check_numeric(p, metric, "pred")
    _check_finite(p, metric, "pred")
    _check_numeric(t, metric, "true")
    _check_finite(t, metric, "true")
    return t, p


def _check_probabilities(p: np.ndarray, metric: str) -> None:
    bad = (p < 0) | (p > 1)
    if bad.any():
        n_bad, where = _positions(bad)
        raise ValueError(
            f"{metric}: pred must be probabilities in [0, 1], but {n_bad} value(s) are "
            f"outside (min {float(p.min()):.6g}, max {float(p.max()):.6g}) at position(s) "
            f"{where}; apply a sigmoid/softmax to logits first"
        )


def _binary_true(t: np.ndarray, metric: str) -> np.ndarray:
    if t.ndim == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.ndim != 1:
        raise ValueError(
            f"{metric}: true must have shape [n] for binary classification, got {t.shape}"
        )
    bad = ~np.isin(t, (0, 1))
    if bad.any():
        vals = np.unique(t[bad])
        raise ValueError(
            f"{metric}: true must contain binary labels 0/1, found other value(s) "
            f"{vals[:_MAX_LISTED].tolist()} (for multiclass, pass pred as [n, num_classes] "
            f"probabilities)"
        )
    return t.astype(np.int64)


def _binary_pred(p: np.ndarray, metric: str) -> np.ndarray:
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if p.ndim != 1:
        hint = (
            " (for a [n, 2] predict_proba output pass pred[:, 1])"
            if p.ndim == 2 and p.shape[1] == 2
            else ""
        )
        raise ValueError(
            f"{metric}: pred must have shape [n] (probability of the positive class) for "
            f"binary classification, got {p.shape}{hint}"
        )
    p = p.astype(np.float64)
    _check_probabilities(p, metric)
    return p


def _binary(true: Any, pred: Any, metric: str) -> tuple[np.ndarray, np.ndarray]:
    t, p = _check_pair(true, pred, metric)
    return _binary_true(t, metric), _binary_pred(p, metric)


def _require_both_classes(t: np.ndarray, metric: str, what: str = "true") -> None:
    classes = np.unique(t)
    if len(classes) < 2:
        only = int(classes[0])
        raise ValueError(
            f"{metric}: only class {only} is present in {what} (all {len(t)} rows), so "
            f"{metric} is undefined; evaluate on more rows (e.g. a larger or longer "
            f"evaluation window) so that both classes 0 and 1 occur"
        )


def _multiclass(true: Any, pred: Any, metric: str) -> tuple[np.ndarray, np.ndarray]:
    t, p = _check_pair(true, pred, metric)
    if t.ndim == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.ndim != 1:
        raise ValueError(
            f"{metric}: true must be class indices of shape [n] for multiclass "
            f"classification, got {t.shape}"
        )
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(
            f"{metric}: pred must have shape [n, num_classes] with num_classes >= 2 for "
            f"multiclass classification, got {p.shape}"
        )
    num_classes = p.shape[1]
    bad = (t != np.round(t)) | (t < 0) | (t >= num_classes)
    if bad.any():
        n_bad, where = _positions(bad)
        vals = np.unique(t[bad])[:_MAX_LISTED].tolist()
        raise ValueError(
            f"{metric}: true must hold integer class indices in 0..{num_classes - 1} "
            f"(pred has {num_classes} columns), but {n_bad} value(s) {vals} at "
            f"position(s) {where} are not"
        )
    return t.astype(np.int64), p.astype(np.float64)


def _multilabel(true: Any, pred: Any, metric: str) -> tuple[np.ndarray, np.ndarray]:
    t, p = _check_pair(true, pred, metric)
    if t.ndim != 2 or p.ndim != 2 or t.shape != p.shape:
        raise ValueError(
            f"{metric}: true and pred must both have shape [n, num_labels] for "
            f"multilabel classification, got true {t.shape} and pred {p.shape}"
        )
    bad = ~np.isin(t, (0, 1))
    if bad.any():
        vals = np.unique(t[bad])[:_MAX_LISTED].tolist()
        raise ValueError(f"{metric}: true must be a 0/1 indicator matrix, found value(s) {vals}")
    p = p.astype(np.float64)
    _check_probabilities(p, metric)
    return t.astype(np.int64), p


def _list_to_array(x: list) -> np.ndarray:
    """``np.asarray`` that does not choke on ragged lists of arrays."""
    try:
        return np.asarray(x)
    except ValueError:
        out = np.empty(len(x), dtype=object)
        out[:] = x
        return out


def _stack_rows(x: np.ndarray) -> np.ndarray:
    """RelBench stores multilabel targets as a column of arrays: stack them."""
    if isinstance(x, np.ndarray) and x.dtype == object and x.ndim == 1 and len(x) > 0:
        if all(isinstance(r, (list, tuple, np.ndarray)) for r in x):
            try:
                return np.stack([np.asarray(r) for r in x])
            except ValueError:
                return x
    return x


def _regression(true: Any, pred: Any, metric: str) -> tuple[np.ndarray, np.ndarray]:
    t, p = _check_pair(true, pred, metric)
    squeezed = []
    for arr, arg in ((t, "true"), (p, "pred")):
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise ValueError(f"{metric}: {arg} must have shape [n] for regression, got {arr.shape}")
        squeezed.append(arr.astype(np.float64))
    return squeezed[0], squeezed[1]


# --------------------------------------------------------------------------
# binary classification
# --------------------------------------------------------------------------


def roc_auc(true: Any, pred: Any) -> float:
    """Area under the ROC curve for binary classification.

    Shapes: ``true`` ``[n]`` with 0/1 labels; ``pred`` ``[n]`` (or ``[n, 1]``)
    probabilities of the positive class in ``[0, 1]`` (any monotone score gives
    the same AUC, but the range is checked for consistency with the other
    binary metrics).

    Raises:
        ValueError: length mismatch, empty input, NaN/inf in ``pred``, ``pred``
            outside ``[0, 1]``, non-0/1 ``true``, or only one class present in
            ``true`` (AUC is undefined; evaluate on more rows).

    Source: ``sklearn.metrics.roc_auc_score``; RelBench ``roc_auc``.
    """
    t, p = _binary(true, pred, "roc_auc")
    _require_both_classes(t, "roc_auc")
    return float(skm.roc_auc_score(t, p))


def average_precision(true: Any, pred: Any) -> float:
    """Average precision (area under the precision-recall curve, step-wise).

    ``AP = sum_n (R_n - R_{n-1}) P_n`` over score thresholds.

    Shapes: ``true`` ``[n]`` with 0/1 labels; ``pred`` ``[n]`` (or ``[n, 1]``)
    probabilities of the positive class in ``[0, 1]``.

    Raises:
        ValueError: length mismatch, empty input, NaN/inf in ``pred``, ``pred``
            outside ``[0, 1]``, non-0/1 ``true``, or only one class present in
            ``true`` (AP is undefined/degenerate; evaluate on more rows).

    Source: ``sklearn.metrics.average_precision_score``; RelBench
    ``average_precision``.
    """
    t, p = _binary(true, pred, "average_precision")
    _require_both_classes(t, "average_precision")
    return float(skm.average_precision_score(t, p))


def accuracy(true: Any, pred: Any) -> float:
    """Fraction of correctly classified rows (binary, multiclass or multilabel).

    * Binary: ``true`` ``[n]`` 0/1, ``pred`` ``[n]`` probabilities of the
      positive class in ``[0, 1]``; predicted label is ``pred >= 0.5``.
    * Multiclass: ``true`` ``[n]`` class indices ``0..C-1``, ``pred`` ``[n, C]``
      class probabilities (any scores work); predicted label is the argmax.
    * Multilabel: ``true`` and ``pred`` ``[n, L]``; a row counts as correct only
      if all ``L`` labels (``pred >= 0.5``) match (subset accuracy).

    Raises:
        ValueError: length mismatch, empty input, NaN/inf in ``pred``, binary
            or multilabel ``pred`` outside ``[0, 1]``, labels out of range.

    Source: ``sklearn.metrics.accuracy_score``; RelBench ``accuracy`` (which
    thresholds with ``> 0.5``; here ``>= 0.5`` as in RelBench ``f1``).
    """
    t, p = _check_pair(true, pred, "accuracy")
    if _is_multilabel(t):
        t, p = _multilabel(t, p, "accuracy")
        return float(skm.accuracy_score(t, (p >= 0.5).astype(np.int64)))
    if p.ndim == 2 and p.shape[1] >= 2:
        return _multiclass_accuracy(t, p, "accuracy")
    t, p = _binary_true(t, "accuracy"), _binary_pred(p, "accuracy")
    return float(skm.accuracy_score(t, (p >= 0.5).astype(np.int64)))


def f1(true: Any, pred: Any) -> float:
    """F1 score of the positive class for binary classification.

    Shapes: ``true`` ``[n]`` 0/1; ``pred`` ``[n]`` probabilities of the
    positive class in ``[0, 1]``, thresholded at ``pred >= 0.5``. Returns 0.0
    when there are no true and no predicted positives (``zero_division=0``).

    Raises:
        ValueError: length mismatch, empty input, NaN/inf in ``pred``, ``pred``
            outside ``[0, 1]``, non-0/1 ``true``.

    Source: ``sklearn.metrics.f1_score(average="binary")``; RelBench ``f1``.
    """
    t, p = _binary(true, pred, "f1")
    return float(
        skm.f1_score(t, (p >= 0.5).astype(np.int64), average="binary", zero_division=0.0)
    )


def log_loss(true: Any, pred: Any) -> float:
    """Binary cross-entropy ``-mean(y log p + (1 - y) log(1 - p))``.

    Shapes: ``true`` ``[n]`` 0/1; ``pred`` ``[n]`` probabilities of the
    positive class in ``[0, 1]``, clipped to ``[1e-15, 1 - 1e-15]`` so that a
    confidently wrong prediction costs ``~34.5`` instead of ``inf``. A
    ``[n, C]`` ``pred`` is delegated to :func:`multiclass_log_loss`.
    Lower is better.

    Raises:
        ValueError: length mismatch, empty input, NaN/inf in ``pred``, ``pred``
            outside ``[0, 1]``, non-0/1 ``true``.

    Source: ``sklearn.metrics.log_loss``; RelBench ``log_loss`` (which applies
    a sigmoid to logits; here ``pred`` are already probabilities).
    """
    t, p = _check_pair(true, pred, "log_loss")
    if p.ndim == 2 and p.shape[1] >= 2:
        return _multiclass_log_loss(t, p, "log_loss")
    t, p = _binary_true(t, "log_loss"), _binary_pred(p, "log_loss")
    p = np.clip(p, PROB_EPS, 1.0 - PROB_EPS)
    return float(skm.log_loss(t, p, labels=[0, 1]))


# --------------------------------------------------------------------------
# multiclass / multilabel classification
# --------------------------------------------------------------------------


def _is_multilabel(t: np.ndarray) -> bool:
    return t.ndim == 2 and t.shape[1] > 1


def multiclass_accuracy(true: Any, pred: Any) -> float:
    """Accuracy of ``argmax(pred, axis=1)`` against integer class labels.

    Shapes: ``true`` ``[n]`` class indices ``0..C-1``; ``pred`` ``[n, C]``
    class probabilities (any scores work, only the argmax is used).

    Raises:
        ValueError: length mismatch, empty input, NaN/inf in ``pred``, ``pred``
            not 2-D with ``C >= 2`` columns, ``true`` not integers in ``0..C-1``.

    Source: ``sklearn.metrics.accuracy_score``; RelBench ``accuracy``.
    """
    return _multiclass_accuracy(true, pred, "multiclass_accuracy")


def _multiclass_accuracy(true: Any, pred: Any, metric: str) -> float:
    t, p = _multiclass(true, pred, metric)
    return float(skm.accuracy_score(t, p.argmax(axis=1)))


def multiclass_log_loss(true: Any, pred: Any) -> float:
    """Categorical cross-entropy ``-mean(log pred[i, true[i]])``.

    Shapes: ``true`` ``[n]`` class indices ``0..C-1``; ``pred`` ``[n, C]``
    class probabilities in ``[0, 1]`` whose rows sum to 1 (within ``1e-3``).
    Probabilities are clipped to ``[1e-15, 1 - 1e-15]`` and rows renormalised.
    Column ``j`` is class ``j`` even if class ``j`` never occurs in ``true``.
    Lower is better.

    Raises:
        ValueError: length mismatch, empty input, NaN/inf in ``pred``, ``pred``
            outside ``[0, 1]``, rows not summing to 1, ``true`` not integers in
            ``0..C-1``.

    Source: ``sklearn.metrics.log_loss``; RelBench ``log_loss``.
    """
    return _multiclass_log_loss(true, pred, "multiclass_log_loss")


def _multiclass_log_loss(true: Any, pred: Any, _metric: str) -> float:
    t, p = _multiclass(true, pred, _metric)
    _check_probabilities(p, _metric)
    sums = p.sum(axis=1)
    bad = np.abs(sums - 1.0) > 1e-3
    if bad.any():
        n_bad, where = _positions(bad)
        raise ValueError(
            f"{_metric}: each row of pred must sum to 1 (class probabilities), but "
            f"{n_bad} row(s) do not, at position(s) {where} (e.g. sum "
            f"{float(sums[bad][0]):.6g}); apply a softmax to logits first"
        )
    p = np.clip(p, PROB_EPS, 1.0 - PROB_EPS)
    p = p / p.sum(axis=1, keepdims=True)
    return float(skm.log_loss(t, p, labels=np.arange(p.shape[1])))


def _f1_average(true: Any, pred: Any, average: str, metric: str) -> float:
    t, p = _check_pair(true, pred, metric)
    if _is_multilabel(t):
        t, p = _multilabel(t, p, metric)
        label = (p >= 0.5).astype(np.int64)
    elif p.ndim == 2 and p.shape[1] >= 2:
        t, p = _multiclass(t, p, metric)
        label = p.argmax(axis=1)
    else:
        t, p = _binary_true(t, metric), _binary_pred(p, metric)
        label = (p >= 0.5).astype(np.int64)
    return float(skm.f1_score(t, label, average=average, zero_division=0.0))


def macro_f1(true: Any, pred: Any) -> float:
    """Unweighted mean of per-class (or per-label) F1 scores.

    * Multiclass: ``true`` ``[n]`` class indices ``0..C-1``, ``pred`` ``[n, C]``
      class probabilities; predicted class is the argmax. Averages over the
      classes present in ``true`` or in the predictions (scikit-learn default).
    * Multilabel: ``true`` ``[n, L]`` 0/1 indicator, ``pred`` ``[n, L]``
      probabilities thresholded at ``0.5``; averages over all ``L`` labels.
    * Binary: ``true`` ``[n]`` 0/1, ``pred`` ``[n]`` positive-class
      probabilities thresholded at ``0.5``; averages F1 of classes 0 and 1.

    Undefined per-class F1 (no true and no predicted members) counts as 0.

    Raises:
        ValueError: length mismatch, empty input, NaN/inf in ``pred``, shape
            mismatch, probabilities outside ``[0, 1]`` (binary/multilabel),
            labels out of range.

    Source: ``sklearn.metrics.f1_score(average="macro")``; RelBench
    ``macro_f1`` / ``multilabel_f1_macro``.
    """
    return _f1_average(true, pred, "macro", "macro_f1")


def micro_f1(true: Any, pred: Any) -> float:
    """F1 computed from global true/false positive and negative counts.

    Same inputs as :func:`macro_f1`. For single-label multiclass input this
    equals accuracy; for multilabel input it pools all ``n * L`` decisions.

    Raises:
        ValueError: as :func:`macro_f1`.

    Source: ``sklearn.metrics.f1_score(average="micro")``; RelBench
    ``micro_f1`` / ``multilabel_f1_micro``.
    """
    return _f1_average(true, pred, "micro", "micro_f1")


def _per_label_both_classes(t: np.ndarray, metric: str) -> None:
    pos = t.sum(axis=0)
    const = np.flatnonzero((pos == 0) | (pos == len(t)))
    if len(const):
        desc = [f"{int(j)} (only class {int(t[0, j])})" for j in const[:_MAX_LISTED]]
        more = f", ... ({len(const) - _MAX_LISTED} more)" if len(const) > _MAX_LISTED else ""
        raise ValueError(
            f"{metric}: {len(const)} label column(s) of true contain a single class, so "
            f"the per-label score is undefined: column(s) {', '.join(desc)}{more}; "
            f"evaluate on more rows or drop those labels (or use the micro average)"
        )


def multilabel_auroc_macro(true: Any, pred: Any) -> float:
    """Mean over labels of the per-label ROC AUC.

    Shapes: ``true`` ``[n, L]`` 0/1 indicator (or length-``n`` sequence of
    length-``L`` arrays); ``pred`` ``[n, L]`` per-label probabilities in
    ``[0, 1]``.

    Raises:
        ValueError: length/shape mismatch, empty input, NaN/inf in ``pred``,
            ``pred`` outside ``[0, 1]``, or a label column of ``true`` with a
            single class (the message lists the columns).

    Source: ``sklearn.metrics.roc_auc_score(average="macro")``; RelBench
    ``multilabel_auroc_macro``.
    """
    t, p = _multilabel(true, pred, "multilabel_auroc_macro")
    _per_label_both_classes(t, "multilabel_auroc_macro")
    return float(skm.roc_auc_score(t, p, average="macro"))


def multilabel_auroc_micro(true: Any, pred: Any) -> float:
    """ROC AUC over all ``n * L`` (row, label) pairs pooled together.

    Shapes as :func:`multilabel_auroc_macro`.

    Raises:
        ValueError: length/shape mismatch, empty input, NaN/inf in ``pred``,
            ``pred`` outside ``[0, 1]``, or only one class among all pooled
            labels of ``true``.

    Source: ``sklearn.metrics.roc_auc_score(average="micro")``; RelBench
    ``multilabel_auroc_micro``.
    """
    t, p = _multilabel(true, pred, "multilabel_auroc_micro")
    _require_both_classes(t.ravel(), "multilabel_auroc_micro")
    return float(skm.roc_auc_score(t, p, average="micro"))


def multilabel_ap_macro(true: Any, pred: Any) -> float:
    """Mean over labels of the per-label average precision.

    Shapes as :func:`multilabel_auroc_macro`.

    Raises:
        ValueError: length/shape mismatch, empty input, NaN/inf in ``pred``,
            ``pred`` outside ``[0, 1]``, or a label column of ``true`` with a
            single class (the message lists the columns).

    Source: ``sklearn.metrics.average_precision_score(average="macro")``;
    RelBench ``multilabel_auprc_macro`` (registered under that name too).
    """
    t, p = _multilabel(true, pred, "multilabel_ap_macro")
    _per_label_both_classes(t, "multilabel_ap_macro")
    return float(skm.average_precision_score(t, p, average="macro"))


def multilabel_ap_micro(true: Any, pred: Any) -> float:
    """Average precision over all ``n * L`` (row, label) pairs pooled together.

    Shapes as :func:`multilabel_auroc_macro`.

    Raises:
        ValueError: length/shape mismatch, empty input, NaN/inf in ``pred``,
            ``pred`` outside ``[0, 1]``, or only one class among all pooled
            labels of ``true``.

    Source: ``sklearn.metrics.average_precision_score(average="micro")``;
    RelBench ``multilabel_auprc_micro`` (registered under that name too).
    """
    t, p = _multilabel(true, pred, "multilabel_ap_micro")
    _require_both_classes(t.ravel(), "multilabel_ap_micro")
    return float(skm.average_precision_score(t, p, average="micro"))


# --------------------------------------------------------------------------
# regression
# --------------------------------------------------------------------------


def mae(true: Any, pred: Any) -> float:
    """Mean absolute error ``mean(|true - pred|)``. Lower is better.

    Shapes: ``true`` and ``pred`` ``[n]`` (``[n, 1]`` accepted), real numbers.

    Raises:
        ValueError: length mismatch, empty input, NaN/inf in ``true``/``pred``.

    Source: ``sklearn.metrics.mean_absolute_error``; RelBench ``mae``.
    """
    t, p = _regression(true, pred, "mae")
    return float(skm.mean_absolute_error(t, p))


def mse(true: Any, pred: Any) -> float:
    """Mean squared error ``mean((true - pred) ** 2)``. Lower is better.

    Shapes: ``true`` and ``pred`` ``[n]`` (``[n, 1]`` accepted), real numbers.

    Raises:
        ValueError: length mismatch, empty input, NaN/inf in ``true``/``pred``.

    Source: ``sklearn.metrics.mean_squared_error``; RelBench ``mse``.
    """
    t, p = _regression(true, pred, "mse")
    return float(skm.mean_squared_error(t, p))


def rmse(true: Any, pred: Any) -> float:
    """Root mean squared error ``sqrt(mse)``. Lower is better.

    Shapes: ``true`` and ``pred`` ``[n]`` (``[n, 1]`` accepted), real numbers.

    Raises:
        ValueError: length mismatch, empty input, NaN/inf in ``true``/``pred``.

    Source: ``sklearn.metrics.root_mean_squared_error`` (scikit-learn >= 1.4,
    else ``sqrt(mean_squared_error)``); RelBench ``rmse``.
    """
    t, p = _regression(true, pred, "rmse")
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
    t, p = _regression(true, pred, "r2")
    if len(t) < 2:
        raise ValueError(f"r2: needs at least 2 rows, got {len(t)}; evaluate on more rows")
    return float(skm.r2_score(t, p))


# --------------------------------------------------------------------------
# link prediction / recommendation (ranking)
# --------------------------------------------------------------------------


def _check_k(k: Any, metric: str) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ValueError(f"{metric}: k must be a positive integer, got {k!r}")
    if k <= 0:
        raise ValueError(f"{metric}: k must be a positive integer, got k={int(k)}")
    return int(k)


def _rows(pred_lists: Any, metric: str) -> list[Sequence[Any]]:
    if isinstance(pred_lists, (pd.Series, pd.DataFrame)):
        pred_lists = pred_lists.to_numpy()
    if isinstance(pred_lists, np.ndarray):
        if pred_lists.ndim == 2:
            return list(pred_lists)
        if pred_lists.ndim == 1 and (len(pred_lists) == 0 or pred_lists.dtype == object):
            return [np.asarray(r) for r in pred_lists]
        raise ValueError(
            f"{metric}: pred must be [n, k] ranked destination ids (or a list of lists), "
            f"got array of shape {pred_lists.shape}"
        )
    return [np.asarray(r) for r in pred_lists]


def _true_set(row: Any, i: int, metric: str) -> set:
    if row is None:
        return set()
    if isinstance(row, (str, bytes)) or not isinstance(row, Iterable):
        raise ValueError(
            f"{metric}: true row {i} must be a collection of destination ids, got "
            f"{type(row).__name__} {row!r}"
        )
    try:
        return set(row.tolist() if isinstance(row, np.ndarray) else row)
    except TypeError as e:
        raise ValueError(f"{metric}: true row {i} has unhashable destination ids: {e}") from None


def _hits(true_lists: Any, pred_lists: Any, k: int | None, metric: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Boolean hit matrix ``[m, k]`` and relevant counts ``[m]`` over non-empty rows."""
    if isinstance(true_lists, (pd.Series, pd.Index)):
        true_lists = true_lists.tolist()
    if true_lists is None or pred_lists is None:
        raise ValueError(f"{metric}: true and pred must not be None")
    true_rows = list(true_lists)
    pred_rows = _rows(pred_lists, metric)
    if len(true_rows) != len(pred_rows):
        raise ValueError(
            f"{metric}: length mismatch: true has {len(true_rows)} rows but pred has "
            f"{len(pred_rows)} rows"
        )
    if len(true_rows) == 0:
        raise ValueError(f"{metric}: empty input: true and pred have 0 rows")
    if k is None:
        widths = {len(r) for r in pred_rows}
        if len(widths) != 1:
            raise ValueError(
                f"{metric}: k=None needs every pred row to have the same length, got "
                f"lengths {sorted(widths)[:_MAX_LISTED]}; pass k explicitly"
            )
        k = widths.pop()
        if k == 0:
            raise ValueError(f"{metric}: pred rows are empty (k=0); k must be positive")
    k = _check_k(k, metric)

    short = [i for i, r in enumerate(pred_rows) if len(r) < k]
    if short:
        raise ValueError(
            f"{metric}: pred must have at least k={k} ranked ids per row, but "
            f"{len(short)} row(s) are shorter: row(s) {_fmt_positions(short, len(short))} "
            f"(e.g. row {short[0]} has {len(pred_rows[short[0]])})"
        )
    bad_pos: list[tuple[int, int]] = []
    for i, r in enumerate(pred_rows):
        if r.dtype.kind in "fc":
            bad = np.flatnonzero(~np.isfinite(r))
            bad_pos.extend((i, int(j)) for j in bad)
        elif r.dtype == object:
            bad_pos.extend(
                (i, j) for j, v in enumerate(r)
                if v is None or (isinstance(v, float) and not math.isfinite(v))
            )
    if bad_pos:
        raise ValueError(
            f"{metric}: pred contains {len(bad_pos)} NaN/inf/None id(s) at position(s) "
            f"(row, rank) {_fmt_positions(bad_pos, len(bad_pos))}"
        )

    hits_rows: list[np.ndarray] = []
    counts: list[int] = []
    dups: list[int] = []
    for i, (t_row, p_row) in enumerate(zip(true_rows, pred_rows)):
        top = p_row[:k].tolist()
        if len(set(top)) != len(top):
            dups.append(i)
            continue
        rel = _true_set(t_row, i, metric)
        if not rel:
            continue  # RelBench drops source rows without any destination
        hits_rows.append(np.fromiter((x in rel for x in top), dtype=bool, count=k))
        counts.append(len(rel))
    if dups:
        raise ValueError(
            f"{metric}: pred repeats a destination id within the top k={k} in "
            f"{len(dups)} row(s): {_fmt_positions(dups, len(dups))}; rankings must not "
            f"contain duplicates"
        )
    if not hits_rows:
        raise ValueError(
            f"{metric}: every one of the {len(true_rows)} rows has an empty true set; "
            f"nothing to evaluate (rows without relevant ids are skipped)"
        )
    return np.stack(hits_rows), np.asarray(counts, dtype=np.float64), k


_RANKING_DOC = """
    Args:
        true_lists: length-``n`` sequence of collections (list / set / array)
            of relevant destination ids for each source row. Duplicates are
            counted once. ``None`` counts as empty.
        pred_lists: ``[n, >=k]`` array or list of lists of destination ids
            ranked best first; only the first ``k`` of each row are used and
            they must not repeat.
        k: cut-off; ``None`` (default) uses the width of ``pred_lists``
            (RelBench's ``eval_k``), which must then be rectangular.

    Rows whose true set is empty are skipped (RelBench drops such source rows
    from its task tables); the mean is over the remaining rows.

    Raises:
        ValueError: ``k`` not a positive integer; length mismatch between
            ``true_lists`` and ``pred_lists``; empty input; a pred row shorter
            than ``k``; NaN/inf/None ids in ``pred_lists``; a repeated id in a
            row's top ``k``; all rows with empty true sets; a true row that
            is not a collection.
"""


def map_at_k(true_lists: Any, pred_lists: Any, k: int | None = None) -> float:
    """Mean average precision at ``k``.

    Per row: ``sum_{i<=k} precision@i * rel_i / min(k, |true|)`` where
    ``rel_i`` is 1 if the ``i``-th ranked id is relevant; then the mean over rows.
    """
    hits, counts, k = _hits(true_lists, pred_lists, k, "map_at_k")
    prec_at_i = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    ap = (prec_at_i * hits).sum(axis=1) / np.minimum(counts, k)
    return float(ap.mean())


def recall_at_k(true_lists: Any, pred_lists: Any, k: int | None = None) -> float:
    """Recall at ``k``: per row ``|top-k ∩ true| / |true|``, mean over rows."""
    hits, counts, _ = _hits(true_lists, pred_lists, k, "recall_at_k")
    return float((hits.sum(axis=1) / counts).mean())


def precision_at_k(true_lists: Any, pred_lists: Any, k: int | None = None) -> float:
    """Precision at ``k``: per row ``|top-k ∩ true| / k``, mean over rows."""
    hits, _, k = _hits(true_lists, pred_lists, k, "precision_at_k")
    return float((hits.sum(axis=1) / k).mean())


def ndcg_at_k(true_lists: Any, pred_lists: Any, k: int | None = None) -> float:
    """Normalised discounted cumulative gain at ``k`` with binary relevance.

    Per row: ``DCG = sum_{i<=k} rel_i / log2(i + 1)``, divided by the ideal
    ``IDCG = sum_{i<=min(k, |true|)} 1 / log2(i + 1)``; mean over rows. Equals
    ``sklearn.metrics.ndcg_score`` on 0/1 relevance with untied scores.
    """
    hits, counts, k = _hits(true_lists, pred_lists, k, "ndcg_at_k")
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hits * discount).sum(axis=1)
    ideal = np.cumsum(discount)[np.minimum(counts, k).astype(np.int64) - 1]
    return float((dcg / ideal).mean())


_SOURCES = {
    "map_at_k": "Source: RelBench ``link_prediction_map`` (same formula, ids instead "
    "of a ``pred_isin`` matrix); Manning et al., *Introduction to Information "
    "Retrieval* (2008), ch. 8.",
    "recall_at_k": "Source: RelBench ``link_prediction_recall``.",
    "precision_at_k": "Source: RelBench ``link_prediction_precision``.",
    "ndcg_at_k": "Source: Järvelin & Kekäläinen, \"Cumulated gain-based evaluation of "
    "IR techniques\", ACM TOIS 2002; ``sklearn.metrics.ndcg_score``.",
}
for _fn in (map_at_k, recall_at_k, precision_at_k, ndcg_at_k):
    _fn.__doc__ = f"{_fn.__doc__.rstrip()}\n{_RANKING_DOC}\n    {_SOURCES[_fn.__name__]}\n"
del _fn


# --------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------

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
        raise ValueError(
            f"higher_is_better: unknown metric {name!r}; known: {sorted(METRICS)}"
        )
    return name not in _LOWER_IS_BETTER
