"""Simple baselines: random, majority, global mean / median and entity mean.

Every baseline is a function ``f(task, train, rows) -> predictions``:

* ``task``: an entity task (`rdl.tasks.EntityTask` or anything with its attributes
  ``entity_col``, ``time_col``, ``target_col``, ``task_type``, ``timedelta``);
* ``train``: the labelled task-table rows the baseline may learn from (`rdl.Table` or its
  ``df``), columns ``[time_col, entity_col, target_col]``;
* ``rows``: the task-table rows to predict (`rdl.Table` or ``df``; the target column is
  not read);
* returns predictions for ``rows`` in their order, shaped as `rdl.metrics` expects
  (`rdl.baselines.targets`): binary ``[n]`` probabilities, multiclass ``[n, C]``,
  multilabel ``[n, L]``, regression ``[n]``.

RelBench (``examples/baseline_node.py``) scores val predictions with the train table and
test predictions with train + val; `rdl.baselines.run_baselines` does the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rdl.baselines.registry import BASELINES, BaselineEntry, register_baseline
from rdl.baselines.targets import (
    BINARY,
    ENTITY_KINDS,
    MULTICLASS,
    MULTILABEL,
    REGRESSION,
    label_matrix,
    num_classes,
    task_type,
    to_prediction,
)


def _df(table) -> pd.DataFrame:
    return getattr(table, "df", table)


def _labels(task, train) -> pd.Series:
    df = _df(train)
    if task.target_col not in df.columns:
        raise ValueError(
            f"the training rows have no target column {task.target_col!r} (columns: "
            f"{list(df.columns)}); pass a labelled table (test targets are masked unless "
            f"get_table('test', mask_input_cols=False))"
        )
    if len(df) == 0:
        raise ValueError("the training rows are empty; a baseline needs labelled rows")
    return df[task.target_col]


def _label_means(task, train) -> np.ndarray:
    """Column means ``[K]`` of the training label matrix."""
    y = _labels(task, train)
    return label_matrix(task, y, num_classes(task, y)).mean(axis=0)


def random_baseline(task, train, rows, seed: int = 0) -> np.ndarray:
    """Random predictions, independent of the inputs (RelBench's ``random``).

    binary / multilabel: probabilities uniform on ``[0, 1]``; multiclass: uniform
    probabilities normalised to sum to 1 over the classes seen in ``train``; regression:
    draws (with replacement) from the training labels. Deterministic given ``seed``.
    """
    kind = task_type(task)
    n = len(_df(rows))
    rng = np.random.default_rng(seed)
    y = _labels(task, train)
    if kind == BINARY:
        return rng.random(n)
    if kind == MULTICLASS:
        classes = num_classes(task, y)
        assert classes is not None  # an int for a multiclass task
        p = rng.random((n, classes))
        return p / p.sum(axis=1, keepdims=True)
    if kind == MULTILABEL:
        return rng.random((n, label_matrix(task, y).shape[1]))
    return rng.choice(y.to_numpy(dtype=np.float64), size=n, replace=True)


def majority(task, train, rows) -> np.ndarray:
    """Constant prediction from the training label distribution.

    binary: the training positive rate as the probability of every row (so the hard
    decision at 0.5 is the majority class; AUROC is 0.5); multiclass: the training class
    frequencies (argmax = the majority class); multilabel: per-label positive rates.
    Source: RelBench ``majority`` baseline, as a probability instead of a hard label.

    Raises:
        ValueError: a regression task (use `global_mean` / `global_median`).
    """
    if task_type(task) == REGRESSION:
        raise ValueError(
            "majority is for classification tasks; use global_mean or global_median for regression"
        )
    means = _label_means(task, train)
    return to_prediction(task, np.tile(means, (len(_df(rows)), 1)))


def global_mean(task, train, rows) -> np.ndarray:
    """The mean training label for every row (RelBench ``global_mean``); regression only.

    Raises:
        ValueError: not a regression task.
    """
    if task_type(task) != REGRESSION:
        raise ValueError("global_mean is for regression tasks; use majority for classification")
    value = float(_labels(task, train).astype(float).mean())
    return np.full(len(_df(rows)), value)


def global_median(task, train, rows) -> np.ndarray:
    """The median training label for every row (RelBench ``global_median``); regression only.

    Raises:
        ValueError: not a regression task.
    """
    if task_type(task) != REGRESSION:
        raise ValueError("global_median is for regression tasks; use majority for classification")
    value = float(np.median(_labels(task, train).to_numpy(dtype=np.float64)))
    return np.full(len(_df(rows)), value)


def entity_mean(task, train, rows) -> np.ndarray:
    """Mean of the entity's own past labels, using only labels already observed.

    Rule: for a row ``(entity, t)`` the prediction is the mean label of the ``train`` rows
    ``(entity, t')`` with ``t' + timedelta <= t`` — a label covers the window
    ``(t', t' + timedelta]``, so it is fully known at ``t`` exactly then. A row whose
    entity has no such label gets the mean of all ``train`` labels (the global mean /
    positive rate / class frequencies). Classification means are probabilities (share of
    positives; multiclass: class frequencies). Nothing dated after ``t`` is used, so train
    rows get no label from their own or later windows.

    Source: RelBench ``entity_mean`` (``examples/baseline_node.py``), which averages all of
    the entity's training labels; rdl adds the observed-by-``t`` rule so that it is
    leakage-free for every row, train rows included.

    Shapes: ``rows`` ``n`` rows -> ``[n]`` (binary, regression) or ``[n, K]``.
    Complexity: one sort plus ``pandas.merge_asof`` (``O((n + m) log(n + m))``).
    """
    y = _labels(task, train)
    hist = _df(train)
    k = num_classes(task, y)
    Y = label_matrix(task, y, k)
    global_means = Y.mean(axis=0)
    target = _df(rows)
    for df, what in [(hist, "train"), (target, "rows")]:
        for col in (task.entity_col, task.time_col):
            if col not in df.columns:
                raise ValueError(
                    f"entity_mean: {what} has no column {col!r} (columns: {list(df.columns)})"
                )
    cols = [f"__y{j}" for j in range(Y.shape[1])]
    h = pd.DataFrame(Y, columns=cols)
    h["__e"] = hist[task.entity_col].to_numpy()
    h["__avail"] = (
        pd.to_datetime(hist[task.time_col]).astype("datetime64[ns]") + pd.Timedelta(task.timedelta)
    ).to_numpy()
    h = h.sort_values(["__e", "__avail"], kind="stable")
    h["__n"] = h.groupby("__e").cumcount() + 1
    h[cols] = h.groupby("__e")[cols].cumsum()
    # one row per (entity, available time): the running totals after the last label then
    h = h.drop_duplicates(["__e", "__avail"], keep="last")
    h = h.sort_values("__avail", kind="stable")

    q = pd.DataFrame(
        {
            "__e": target[task.entity_col].to_numpy(),
            "__t": pd.to_datetime(target[task.time_col]).astype("datetime64[ns]").to_numpy(),
            "__pos": np.arange(len(target)),
        }
    )
    q["__e"] = q["__e"].astype(h["__e"].dtype) if len(h) else q["__e"]
    q = q.sort_values("__t", kind="stable")
    m = pd.merge_asof(
        q,
        h,
        left_on="__t",
        right_on="__avail",
        by="__e",
        direction="backward",
        allow_exact_matches=True,
    )
    m = m.sort_values("__pos")
    counts = m["__n"].to_numpy(dtype=np.float64)
    sums = m[cols].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts[:, None]
    missing = ~np.isfinite(counts) | (counts == 0)
    means[missing] = global_means
    return to_prediction(task, means)


_ENTITY = tuple(k.name for k in ENTITY_KINDS)
_CLASSIFICATION = (BINARY.name, MULTICLASS.name, MULTILABEL.name)
for _entry in (
    BaselineEntry(
        "random",
        _ENTITY,
        "random predictions in the training labels' range",
        random_baseline,
        takes_seed=True,
    ),
    BaselineEntry("majority", _CLASSIFICATION, "the most frequent training label", majority),
    BaselineEntry("global_mean", (REGRESSION.name,), "the mean training label", global_mean),
    BaselineEntry("global_median", (REGRESSION.name,), "the median training label", global_median),
    BaselineEntry(
        "entity_mean", _ENTITY, "the entity's mean past label (else the global mean)", entity_mean
    ),
):
    register_baseline(_entry)

#: kind name -> {baseline name: function}, the simple baselines per entity kind (the
#: report's order), from `rdl.baselines.registry.BASELINES`.
SIMPLE_BASELINES = {
    k: {e.name: e.fn for e in BASELINES.values() if k in e.kinds and e.fn} for k in _ENTITY
}
