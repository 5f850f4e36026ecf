"""Simple baselines (random, majority, global mean/median, entity mean) against
hand-computed answers on tiny task tables."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from rdl.baselines import (
    entity_mean,
    global_mean,
    global_median,
    majority,
    random_baseline,
)
from rdl.metrics import METRICS

D = pd.Timestamp


def task(kind="binary_classification", **kw):
    """A stand-in with the attributes of an EntityTask that the simple baselines read."""
    return SimpleNamespace(
        name="toy",
        entity_col="uid",
        time_col="t",
        target_col="y",
        task_type=kind,
        timedelta=pd.Timedelta(days=10),
        **kw,
    )


def table(rows):
    return pd.DataFrame(rows, columns=["t", "uid", "y"]).astype({"t": "datetime64[ns]"})


TRAIN = table(
    [
        (D("2020-01-01"), 1, 1),
        (D("2020-01-11"), 1, 0),
        (D("2020-01-21"), 1, 1),
        (D("2020-01-01"), 2, 0),
        (D("2020-01-11"), 2, 0),
        (D("2020-01-21"), 3, 1),
    ]
)


def test_majority_is_the_training_positive_rate():
    rows = table([(D("2020-02-01"), 1, 0), (D("2020-02-01"), 9, 1)])
    pred = majority(task(), TRAIN, rows)
    np.testing.assert_allclose(pred, [0.5, 0.5])  # 3 positives of 6
    assert METRICS["accuracy"](rows["y"], pred) == 0.5
    skewed = TRAIN.assign(y=[1, 1, 1, 1, 0, 0])
    assert majority(task(), skewed, rows)[0] == pytest.approx(4 / 6)


def test_majority_multiclass_gives_class_frequencies_with_the_majority_first():
    train = table([(D("2020-01-01"), i, c) for i, c in enumerate([0, 2, 2, 2, 1, 2])])
    pred = majority(task("multiclass_classification"), train, train.iloc[:2])
    np.testing.assert_allclose(pred, [[1 / 6, 1 / 6, 4 / 6]] * 2)
    assert pred.argmax(axis=1).tolist() == [2, 2]


def test_majority_multilabel_gives_per_label_rates():
    train = pd.DataFrame(
        {
            "t": [D("2020-01-01")] * 4,
            "uid": [1, 2, 3, 4],
            "y": [np.array([1, 0]), np.array([1, 1]), np.array([0, 0]), np.array([1, 0])],
        }
    )
    pred = majority(task("multilabel_classification"), train, train)
    np.testing.assert_allclose(pred, [[0.75, 0.25]] * 4)


def test_global_mean_and_median():
    train = TRAIN.assign(y=[1.0, 2.0, 3.0, 4.0, 100.0, 6.0])
    rows = table([(D("2020-02-01"), 1, 0.0)] * 3)
    np.testing.assert_allclose(global_mean(task("regression"), train, rows), [116 / 6] * 3)
    np.testing.assert_allclose(global_median(task("regression"), train, rows), [3.5] * 3)


def test_wrong_task_types_are_refused():
    with pytest.raises(ValueError, match="global_mean"):
        majority(task("regression"), TRAIN, TRAIN)
    with pytest.raises(ValueError, match="majority"):
        global_mean(task(), TRAIN, TRAIN)
    with pytest.raises(ValueError, match="entity tasks"):
        majority(task("link_prediction"), TRAIN, TRAIN)


def test_random_is_deterministic_per_seed_and_shaped_per_task_type():
    rows = TRAIN
    a, b = (
        random_baseline(task(), TRAIN, rows, seed=3),
        random_baseline(task(), TRAIN, rows, seed=3),
    )
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, random_baseline(task(), TRAIN, rows, seed=4))
    assert a.shape == (6,) and ((a >= 0) & (a <= 1)).all()
    multi = TRAIN.assign(y=[0, 1, 2, 2, 1, 0])
    p = random_baseline(task("multiclass_classification"), multi, rows)
    assert p.shape == (6, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    reg = TRAIN.assign(y=[1.5, 2.5, 3.5, 4.5, 5.5, 6.5])
    assert set(random_baseline(task("regression"), reg, rows)) <= set(reg["y"])


def test_entity_mean_uses_only_labels_observed_by_t():
    """A label at t' covers (t', t' + 10 days]; it counts for a row at t iff t' + 10d <= t."""
    rows = table(
        [
            (D("2020-01-11"), 1, 0),  # uid 1: only t'=01-01 observed (01-11 <= 01-11) -> 1
            (D("2020-01-20"), 1, 0),  # 01-11's label ends 01-21 > 01-20: only 01-01 -> 1
            (D("2020-01-21"), 1, 0),  # 01-01 and 01-11 observed, 01-21 not -> (1+0)/2
            (D("2020-01-31"), 1, 0),  # all three -> 2/3
            (D("2020-01-10"), 1, 0),  # nothing observed yet -> global mean 0.5
            (D("2020-01-21"), 2, 0),  # both observed -> 0
            (D("2020-01-21"), 3, 0),  # its own label (01-21) not observed -> global 0.5
            (D("2020-06-01"), 7, 0),  # unknown entity -> global 0.5
        ]
    )
    pred = entity_mean(task(), TRAIN, rows)
    np.testing.assert_allclose(pred, [1.0, 1.0, 0.5, 2 / 3, 0.5, 0.0, 0.5, 0.5])


def test_entity_mean_regression_and_row_order_kept():
    train = TRAIN.assign(y=[10.0, 20.0, 30.0, 1.0, 3.0, 7.0])
    rows = table(
        [
            (D("2020-03-01"), 3, 0.0),
            (D("2020-03-01"), 1, 0.0),
            (D("2020-01-21"), 2, 0.0),
            (D("2020-01-05"), 2, 0.0),
        ]
    )
    pred = entity_mean(task("regression"), train, rows)
    np.testing.assert_allclose(pred, [7.0, 20.0, 2.0, 71 / 6])


def test_entity_mean_multiclass_probabilities():
    train = table([(D("2020-01-01"), 1, 2), (D("2020-01-02"), 1, 0), (D("2020-01-01"), 2, 1)])
    rows = table([(D("2020-02-01"), 1, 0)])
    pred = entity_mean(task("multiclass_classification"), train, rows)
    np.testing.assert_allclose(pred, [[0.5, 0.0, 0.5]])


def test_null_training_labels_are_named():
    bad = TRAIN.astype({"y": "float64"})
    bad.loc[2, "y"] = np.nan
    with pytest.raises(ValueError, match="target column 'y' has null labels at row\\(s\\) \\[2\\]"):
        entity_mean(task(), bad, TRAIN)


def test_masked_training_table_is_refused():
    with pytest.raises(ValueError, match="no target column 'y'"):
        majority(task(), TRAIN.drop(columns="y"), TRAIN)
