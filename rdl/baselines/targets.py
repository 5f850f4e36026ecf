"""Target handling shared by the baselines: labels as a matrix, predictions in the shape
`rdl.metrics` expects.

Prediction shapes (the conventions of `rdl.metrics`):

* binary classification: ``[n]`` probabilities of the positive class;
* multiclass classification: ``[n, C]`` class probabilities (labels are ``0..C-1``);
* multilabel classification: ``[n, L]`` per-label probabilities (labels are 0/1 vectors);
* regression: ``[n]`` real numbers.

The task's kind is `rdl.tasks.kinds.kind_of` its ``task_type`` (a `rdl.tasks.TaskType`
member or a kind name); a new entity kind's labels follow the binary / regression
convention (``[n]`` values) unless its name is one of the kinds below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rdl.tasks.kinds import BINARY, MULTICLASS, MULTILABEL, REGRESSION, TaskKind, kind_of

#: the built-in entity kinds
ENTITY_KINDS = (BINARY, MULTICLASS, MULTILABEL, REGRESSION)
#: their names
ENTITY_TASK_TYPES = tuple(k.name for k in ENTITY_KINDS)


def task_type(task) -> TaskKind:
    """The task's kind (`rdl.tasks.kinds.TaskKind`: compare it with ``BINARY``, ...;
    ``str()`` gives its name), checked to be an entity kind (checkpoint tag ``"entity"``).

    Raises:
        ValueError: a link task or an unknown task type.
    """
    try:
        kind = kind_of(task)
    except ValueError:
        kind = None
    if kind is None or not kind.per_entity:
        raise ValueError(
            f"task {getattr(task, 'name', task)!r} has task_type "
            f"{str(getattr(task, 'task_type', None))!r}; the baselines handle entity tasks "
            f"of type {list(ENTITY_TASK_TYPES)} only"
        )
    return kind


def _stack(values: pd.Series, what: str) -> np.ndarray:
    try:
        return np.stack([np.asarray(v, dtype=np.float64) for v in values])
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"{what}: multilabel targets must be equal-length 0/1 vectors per row ({e})"
        ) from None


def label_matrix(task, labels: pd.Series, num_classes: int | None = None) -> np.ndarray:
    """Labels as a float matrix ``[n, K]`` whose column means are the natural prediction.

    binary / regression: ``K = 1`` (the label); multiclass: one-hot ``K = num_classes``;
    multilabel: the stacked 0/1 vectors.

    Raises:
        ValueError: null labels, multiclass labels outside ``0..num_classes-1``, ragged
            multilabel vectors. The message names the task's target column.
    """
    kind = task_type(task)
    what = f"target column {task.target_col!r}"
    if labels.isna().any() if kind is not MULTILABEL else labels.map(lambda v: v is None).any():
        bad = np.flatnonzero(labels.isna().to_numpy())[:10].tolist()
        raise ValueError(f"{what} has null labels at row(s) {bad}; drop those rows first")
    if kind is MULTILABEL:
        return _stack(labels, what)
    y = labels.to_numpy(dtype=np.float64)
    if kind is MULTICLASS:
        if num_classes is None:
            raise ValueError("label_matrix: multiclass needs num_classes")
        bad = (y != np.round(y)) | (y < 0) | (y >= num_classes)
        if bad.any():
            raise ValueError(
                f"{what}: multiclass labels must be integers in 0..{num_classes - 1}; "
                f"found {np.unique(y[bad])[:10].tolist()}"
            )
        out = np.zeros((len(y), num_classes))
        out[np.arange(len(y)), y.astype(np.int64)] = 1.0
        return out
    return y[:, None]


def num_classes(task, *label_series: pd.Series) -> int | None:
    """Number of classes of a multiclass task: ``task.num_classes`` if set, else
    ``1 + max label`` over the given label series; ``None`` for other task types."""
    if task_type(task) is not MULTICLASS:
        return None
    declared = getattr(task, "num_classes", None)
    if declared:
        return int(declared)
    return int(max(float(s.max()) for s in label_series if len(s))) + 1


def to_prediction(task, matrix: np.ndarray) -> np.ndarray:
    """Turn a ``[n, K]`` matrix of label means into the prediction shape of the task type
    (see the module docstring); binary probabilities are clipped to ``[0, 1]``."""
    kind = task_type(task)
    if kind is MULTICLASS:
        return matrix / matrix.sum(axis=1, keepdims=True)
    if kind is MULTILABEL:
        return np.clip(matrix, 0.0, 1.0)
    out = matrix[:, 0]
    return np.clip(out, 0.0, 1.0) if kind is BINARY else out
