"""Input checks shared by the metrics: convert, validate, and explain what is wrong.

scikit-learn does the detection — ``check_consistent_length`` (row counts),
``check_array`` (numeric dtype, NaN/inf, empty input) and ``type_of_target``
(what kind of target a bad ``true`` looks like) — and this module turns its
errors into rdl's contract: a :class:`ValueError` whose message starts with the
metric name and names the culprit (both lengths; the count, kind and positions
of the non-finite values; the out-of-range probabilities; the single class
present), so that the user knows which rows to look at.

Nothing here is public; the metric functions in ``classification``,
``regression`` and ``ranking`` call these helpers with their own name.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils.multiclass import type_of_target

#: Probabilities are clipped to ``[PROB_EPS, 1 - PROB_EPS]`` before taking logs.
PROB_EPS = 1e-15

MAX_LISTED = 10  # how many bad positions / values an error message lists

# scikit-learn 1.6 renamed ``force_all_finite`` to ``ensure_all_finite`` (1.8 dropped the
# old name); pyproject allows >= 1.3, so pick whichever the installed version has.
_FINITE_KW = (
    "ensure_all_finite"
    if "ensure_all_finite" in inspect.signature(check_array).parameters
    else "force_all_finite"
)


# --------------------------------------------------------------------------
# formatting
# --------------------------------------------------------------------------


def fmt_positions(positions: Sequence[Any], total: int) -> str:
    """``[p0, p1, ...]`` with at most ``MAX_LISTED`` entries and a ``(N more)`` tail."""
    shown = ", ".join(str(p) for p in positions[:MAX_LISTED])
    more = f", ... ({total - MAX_LISTED} more)" if total > MAX_LISTED else ""
    return f"[{shown}{more}]"


def positions(mask: np.ndarray) -> tuple[int, str]:
    """Number and formatted positions (ints for 1-D, tuples for 2-D) of ``mask``'s True entries."""
    idx = np.argwhere(mask)
    total = len(idx)
    pos: list[int] | list[tuple[int, ...]]
    if mask.ndim == 1:
        pos = [int(i[0]) for i in idx[:MAX_LISTED]]
    else:
        pos = [tuple(int(j) for j in i) for i in idx[:MAX_LISTED]]
    return total, fmt_positions(pos, total)


def target_kind_hint(t: np.ndarray) -> str:
    """What ``true`` looks like to scikit-learn's ``type_of_target``, and what to do about it."""
    try:
        kind = type_of_target(t)
    except ValueError:
        return ""
    hints = {
        "continuous": "true looks continuous (real-valued): for a regression target use "
        "mae, rmse or r2",
        "continuous-multioutput": "true looks continuous (real-valued): for a regression "
        "target use mae, rmse or r2",
        "multiclass": "for multiclass, pass pred as [n, num_classes] probabilities",
        "binary": "two classes: map them to 0 and 1",
    }
    return f" ({hints[kind]})" if kind in hints else ""


# --------------------------------------------------------------------------
# conversion
# --------------------------------------------------------------------------


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
    if (
        isinstance(x, np.ndarray)
        and x.dtype == object
        and x.ndim == 1
        and len(x) > 0
        and all(isinstance(r, (list, tuple, np.ndarray)) for r in x)
    ):
        try:
            return np.stack([np.asarray(r) for r in x])
        except ValueError:
            return x
    return x


def as_array(x: Any, metric: str, arg: str) -> np.ndarray:
    """List / Series / DataFrame / array -> numpy; pandas NA and ``None`` become NaN."""
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


# --------------------------------------------------------------------------
# checks on (true, pred) arrays
# --------------------------------------------------------------------------


def check_lengths(t: Any, p: Any, metric: str) -> None:
    """Same number of rows in ``true`` and ``pred`` (``check_consistent_length``)."""
    try:
        check_consistent_length(t, p)
    except ValueError:
        raise ValueError(
            f"{metric}: length mismatch: true has {len(t)} rows but pred has {len(p)} rows"
        ) from None


def check_numeric_finite(arr: np.ndarray, metric: str, arg: str) -> np.ndarray:
    """Numeric, non-empty, free of NaN/inf (``check_array``), else say which values and where."""
    try:
        return check_array(
            arr,
            ensure_2d=False,
            allow_nd=True,
            dtype="numeric",
            ensure_min_samples=1,
            ensure_min_features=0,
            input_name=arg,
            **{_FINITE_KW: True},
        )
    except ValueError as err:
        if len(arr) == 0:
            raise ValueError(f"{metric}: empty input: true and pred have 0 rows") from None
        if arr.dtype.kind not in "biuf":
            raise ValueError(
                f"{metric}: {arg} must be numeric, got dtype {arr.dtype} "
                f"(first values: {arr.ravel()[:5].tolist()})"
            ) from None
        bad = ~np.isfinite(arr)
        if bad.any():
            n_bad, where = positions(bad)
            n_nan = int(np.isnan(arr).sum())
            raise ValueError(
                f"{metric}: {arg} contains {n_bad} non-finite value(s) "
                f"({n_nan} NaN, {n_bad - n_nan} inf) at position(s) {where}"
            ) from None
        raise ValueError(f"{metric}: {arg}: {err}") from None


def check_pair(true: Any, pred: Any, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert, then check lengths, emptiness, dtype and finiteness (``pred`` first).

    No shape policy: the callers decide what ``[n]`` / ``[n, C]`` means.
    """
    t = as_array(true, metric, "true")
    p = as_array(pred, metric, "pred")
    if t.ndim == 0 or p.ndim == 0:
        raise ValueError(
            f"{metric}: true and pred must be arrays, got shapes {t.shape} and {p.shape}"
        )
    check_lengths(t, p, metric)
    p = check_numeric_finite(p, metric, "pred")
    t = check_numeric_finite(t, metric, "true")
    return t, p


def check_probabilities(p: np.ndarray, metric: str) -> None:
    """Every value of ``p`` in ``[0, 1]``, else list the count, range and positions."""
    bad = (p < 0) | (p > 1)
    if bad.any():
        n_bad, where = positions(bad)
        raise ValueError(
            f"{metric}: pred must be probabilities in [0, 1], but {n_bad} value(s) are "
            f"outside (min {float(p.min()):.6g}, max {float(p.max()):.6g}) at position(s) "
            f"{where}; apply a sigmoid/softmax to logits first"
        )


def binary_true(t: np.ndarray, metric: str) -> np.ndarray:
    """``true`` as 0/1 labels ``[n]`` (``[n, 1]`` is squeezed)."""
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
            f"{vals[:MAX_LISTED].tolist()}{target_kind_hint(t)}"
        )
    return t.astype(np.int64)


def binary_pred(p: np.ndarray, metric: str) -> np.ndarray:
    """``pred`` as positive-class probabilities ``[n]`` (``[n, 1]`` is squeezed)."""
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
    check_probabilities(p, metric)
    return p


def binary(true: Any, pred: Any, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Checked binary ``true`` ``[n]`` (int 0/1) and ``pred`` ``[n]`` (float probabilities)."""
    t, p = check_pair(true, pred, metric)
    return binary_true(t, metric), binary_pred(p, metric)


def require_both_classes(t: np.ndarray, metric: str, what: str = "true") -> None:
    """Both classes 0 and 1 occur in ``t``, else the metric is undefined."""
    classes = np.unique(t)
    if len(classes) < 2:
        only = int(classes[0])
        raise ValueError(
            f"{metric}: only class {only} is present in {what} (all {len(t)} rows), so "
            f"{metric} is undefined; evaluate on more rows (e.g. a larger or longer "
            f"evaluation window) so that both classes 0 and 1 occur"
        )


def per_label_both_classes(t: np.ndarray, metric: str) -> None:
    """Every label column of a ``[n, L]`` indicator holds both classes; lists the others."""
    pos = t.sum(axis=0)
    const = np.flatnonzero((pos == 0) | (pos == len(t)))
    if len(const):
        desc = [f"{int(j)} (only class {int(t[0, j])})" for j in const[:MAX_LISTED]]
        more = f", ... ({len(const) - MAX_LISTED} more)" if len(const) > MAX_LISTED else ""
        raise ValueError(
            f"{metric}: {len(const)} label column(s) of true contain a single class, so "
            f"the per-label score is undefined: column(s) {', '.join(desc)}{more}; "
            f"evaluate on more rows or drop those labels (or use the micro average)"
        )


def multiclass(true: Any, pred: Any, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Checked class indices ``[n]`` (int ``0..C-1``) and scores ``[n, C]`` (float, ``C >= 2``)."""
    t, p = check_pair(true, pred, metric)
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
        n_bad, where = positions(bad)
        vals = np.unique(t[bad])[:MAX_LISTED].tolist()
        raise ValueError(
            f"{metric}: true must hold integer class indices in 0..{num_classes - 1} "
            f"(pred has {num_classes} columns), but {n_bad} value(s) {vals} at "
            f"position(s) {where} are not"
        )
    return t.astype(np.int64), p.astype(np.float64)


def multilabel(true: Any, pred: Any, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Checked 0/1 indicator ``true`` ``[n, L]`` and probabilities ``pred`` ``[n, L]``."""
    t, p = check_pair(true, pred, metric)
    if t.ndim != 2 or p.ndim != 2 or t.shape != p.shape:
        raise ValueError(
            f"{metric}: true and pred must both have shape [n, num_labels] for "
            f"multilabel classification, got true {t.shape} and pred {p.shape}"
        )
    if t.shape[1] == 0:
        raise ValueError(f"{metric}: true and pred have no label columns (shape {t.shape})")
    bad = ~np.isin(t, (0, 1))
    if bad.any():
        vals = np.unique(t[bad])[:MAX_LISTED].tolist()
        raise ValueError(
            f"{metric}: true must be a 0/1 indicator matrix, found value(s) {vals}"
            f"{target_kind_hint(t)}"
        )
    p = p.astype(np.float64)
    check_probabilities(p, metric)
    return t.astype(np.int64), p


def is_multilabel(t: np.ndarray) -> bool:
    """A 2-D ``true`` with more than one column is a multilabel indicator."""
    return t.ndim == 2 and t.shape[1] > 1


def regression(true: Any, pred: Any, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Checked real-valued ``true`` and ``pred`` ``[n]`` (``[n, 1]`` is squeezed), float64."""
    t, p = check_pair(true, pred, metric)
    squeezed = []
    for arr, arg in ((t, "true"), (p, "pred")):
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise ValueError(f"{metric}: {arg} must have shape [n] for regression, got {arr.shape}")
        squeezed.append(arr.astype(np.float64))
    return squeezed[0], squeezed[1]


def check_k(k: Any, metric: str) -> int:
    """``k`` is a positive integer (bools are not)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ValueError(f"{metric}: k must be a positive integer, got {k!r}")
    if k <= 0:
        raise ValueError(f"{metric}: k must be a positive integer, got k={int(k)}")
    return int(k)
