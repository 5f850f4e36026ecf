"""Classification metrics: binary, multiclass and multilabel.

Conventions (as in RelBench's ``relbench.metrics``):

* Binary: ``true`` ``[n]`` 0/1 (or bool); ``pred`` ``[n]`` (``[n, 1]`` is
  accepted) **probabilities of the positive class** in ``[0, 1]``; hard
  decisions are ``pred >= 0.5``. RelBench passes sigmoid outputs: pass
  probabilities, not logits.
* Multiclass: ``true`` ``[n]`` integer class indices ``0..C-1``; ``pred``
  ``[n, C]`` class probabilities; hard decisions are ``argmax(pred, axis=1)``.
* Multilabel: ``true`` ``[n, L]`` 0/1 indicator matrix (a length-``n``
  sequence of length-``L`` arrays, as RelBench stores it, is stacked); ``pred``
  ``[n, L]`` per-label probabilities, thresholded at ``0.5``.

The scores themselves are scikit-learn's (``sklearn.metrics``); the input
checks are in ``rdl.metrics._checks``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sklearn.metrics as skm

from rdl.metrics._checks import (
    PROB_EPS,
    binary,
    binary_pred,
    binary_true,
    check_pair,
    check_probabilities,
    is_multilabel,
    multiclass,
    multilabel,
    per_label_both_classes,
    positions,
    require_both_classes,
)

__all__ = [
    "accuracy",
    "average_precision",
    "f1",
    "log_loss",
    "macro_f1",
    "micro_f1",
    "multiclass_accuracy",
    "multiclass_log_loss",
    "multilabel_ap_macro",
    "multilabel_ap_micro",
    "multilabel_auroc_macro",
    "multilabel_auroc_micro",
    "roc_auc",
]

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
    t, p = binary(true, pred, "roc_auc")
    require_both_classes(t, "roc_auc")
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
    t, p = binary(true, pred, "average_precision")
    require_both_classes(t, "average_precision")
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
    t, p = check_pair(true, pred, "accuracy")
    if is_multilabel(t):
        t, p = multilabel(t, p, "accuracy")
        return float(skm.accuracy_score(t, (p >= 0.5).astype(np.int64)))
    if p.ndim == 2 and p.shape[1] >= 2:
        return _multiclass_accuracy(t, p, "accuracy")
    t, p = binary_true(t, "accuracy"), binary_pred(p, "accuracy")
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
    t, p = binary(true, pred, "f1")
    return float(skm.f1_score(t, (p >= 0.5).astype(np.int64), average="binary", zero_division=0.0))


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
    t, p = check_pair(true, pred, "log_loss")
    if p.ndim == 2 and p.shape[1] >= 2:
        return _multiclass_log_loss(t, p, "log_loss")
    t, p = binary_true(t, "log_loss"), binary_pred(p, "log_loss")
    p = np.clip(p, PROB_EPS, 1.0 - PROB_EPS)
    return float(skm.log_loss(t, p, labels=[0, 1]))


# --------------------------------------------------------------------------
# multiclass / multilabel classification
# --------------------------------------------------------------------------


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
    t, p = multiclass(true, pred, metric)
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
    t, p = multiclass(true, pred, _metric)
    check_probabilities(p, _metric)
    sums = p.sum(axis=1)
    bad = np.abs(sums - 1.0) > 1e-3
    if bad.any():
        n_bad, where = positions(bad)
        raise ValueError(
            f"{_metric}: each row of pred must sum to 1 (class probabilities), but "
            f"{n_bad} row(s) do not, at position(s) {where} (e.g. sum "
            f"{float(sums[bad][0]):.6g}); apply a softmax to logits first"
        )
    p = np.clip(p, PROB_EPS, 1.0 - PROB_EPS)
    p = p / p.sum(axis=1, keepdims=True)
    return float(skm.log_loss(t, p, labels=np.arange(p.shape[1])))


def _f1_average(true: Any, pred: Any, average: str, metric: str) -> float:
    t, p = check_pair(true, pred, metric)
    if is_multilabel(t):
        t, p = multilabel(t, p, metric)
        label = (p >= 0.5).astype(np.int64)
    elif p.ndim == 2 and p.shape[1] >= 2:
        t, p = multiclass(t, p, metric)
        label = p.argmax(axis=1)
    else:
        t, p = binary_true(t, metric), binary_pred(p, metric)
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


def multilabel_auroc_macro(true: Any, pred: Any) -> float:
    """Mean over labels of the per-label ROC AUC.

    Shapes: ``true`` ``[n, L]`` 0/1 indicator (or length-``n`` sequence of
    length-``L`` arrays); ``pred`` ``[n, L]`` per-label probabilities in
    ``[0, 1]``.

    Raises:
        ValueError: length/shape mismatch, no label columns, empty input,
            NaN/inf in ``pred``, ``pred`` outside ``[0, 1]``, or a label
            column of ``true`` with a single class (the message lists the
            columns).

    Source: ``sklearn.metrics.roc_auc_score(average="macro")``; RelBench
    ``multilabel_auroc_macro``.
    """
    t, p = multilabel(true, pred, "multilabel_auroc_macro")
    per_label_both_classes(t, "multilabel_auroc_macro")
    return float(skm.roc_auc_score(t, p, average="macro"))


def multilabel_auroc_micro(true: Any, pred: Any) -> float:
    """ROC AUC over all ``n * L`` (row, label) pairs pooled together.

    Shapes as :func:`multilabel_auroc_macro`.

    Raises:
        ValueError: length/shape mismatch, no label columns, empty input,
            NaN/inf in ``pred``, ``pred`` outside ``[0, 1]``, or only one
            class among all pooled labels of ``true``.

    Source: ``sklearn.metrics.roc_auc_score(average="micro")``; RelBench
    ``multilabel_auroc_micro``.
    """
    t, p = multilabel(true, pred, "multilabel_auroc_micro")
    require_both_classes(t.ravel(), "multilabel_auroc_micro")
    return float(skm.roc_auc_score(t, p, average="micro"))


def multilabel_ap_macro(true: Any, pred: Any) -> float:
    """Mean over labels of the per-label average precision.

    Shapes as :func:`multilabel_auroc_macro`.

    Raises:
        ValueError: length/shape mismatch, no label columns, empty input,
            NaN/inf in ``pred``, ``pred`` outside ``[0, 1]``, or a label
            column of ``true`` with a single class (the message lists the
            columns).

    Source: ``sklearn.metrics.average_precision_score(average="macro")``;
    RelBench ``multilabel_auprc_macro`` (registered under that name too).
    """
    t, p = multilabel(true, pred, "multilabel_ap_macro")
    per_label_both_classes(t, "multilabel_ap_macro")
    return float(skm.average_precision_score(t, p, average="macro"))


def multilabel_ap_micro(true: Any, pred: Any) -> float:
    """Average precision over all ``n * L`` (row, label) pairs pooled together.

    Shapes as :func:`multilabel_auroc_macro`.

    Raises:
        ValueError: length/shape mismatch, no label columns, empty input,
            NaN/inf in ``pred``, ``pred`` outside ``[0, 1]``, or only one
            class among all pooled labels of ``true``.

    Source: ``sklearn.metrics.average_precision_score(average="micro")``;
    RelBench ``multilabel_auprc_micro`` (registered under that name too).
    """
    t, p = multilabel(true, pred, "multilabel_ap_micro")
    require_both_classes(t.ravel(), "multilabel_ap_micro")
    return float(skm.average_precision_score(t, p, average="micro"))
