"""Bad input to the classification and regression metrics: every error is a
ValueError that starts with the metric name and names the culprit.

The tests down to ``test_r2_needs_two_rows`` moved from tests/test_metrics.py with
their assertions unchanged; the ones after it cover the scikit-learn-based checks.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from rdl.metrics import (
    METRICS,
    accuracy,
    average_precision,
    f1,
    log_loss,
    macro_f1,
    mae,
    micro_f1,
    mse,
    multiclass_accuracy,
    multiclass_log_loss,
    multilabel_ap_macro,
    multilabel_ap_micro,
    multilabel_auroc_macro,
    multilabel_auroc_micro,
    r2,
    rmse,
    roc_auc,
)
from tests.fixtures.metrics import MC_PRED, MC_TRUE

approx = pytest.approx


# --------------------------------------------------------------------------
# edge cases
# --------------------------------------------------------------------------

BINARY = [roc_auc, average_precision, accuracy, f1, log_loss]
REGRESSION = [mae, mse, rmse, r2]


@pytest.mark.parametrize("fn", [roc_auc, average_precision])
@pytest.mark.parametrize("cls", [0, 1])
def test_one_class_raises(fn, cls):
    with pytest.raises(ValueError) as e:
        fn([cls] * 4, [0.1, 0.2, 0.3, 0.4])
    msg = str(e.value)
    assert msg.startswith(f"{fn.__name__}:")
    assert f"only class {cls} is present" in msg
    assert "evaluate on more rows" in msg


@pytest.mark.parametrize("fn", [multilabel_auroc_macro, multilabel_ap_macro])
def test_multilabel_constant_column_raises(fn):
    true = [[1, 0, 1], [0, 0, 1], [1, 0, 1]]
    with pytest.raises(ValueError) as e:
        fn(true, np.full((3, 3), 0.5))
    msg = str(e.value)
    assert msg.startswith(fn.__name__)
    assert "column(s) 1 (only class 0), 2 (only class 1)" in msg
    assert "evaluate on more rows" in msg


@pytest.mark.parametrize("fn", [multilabel_auroc_micro, multilabel_ap_micro])
def test_multilabel_micro_one_class_raises(fn):
    with pytest.raises(ValueError, match=rf"{fn.__name__}: only class 0 is present"):
        fn([[0, 0], [0, 0]], [[0.1, 0.2], [0.3, 0.4]])


@pytest.mark.parametrize("fn", BINARY + REGRESSION)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_pred_raises(fn, bad):
    pred = [0.1, bad, 0.3, bad, 0.6]
    with pytest.raises(ValueError) as e:
        fn([0, 1, 0, 1, 1], pred)
    msg = str(e.value)
    assert msg.startswith(f"{fn.__name__}: pred contains 2 non-finite value(s)")
    assert "position(s) [1, 3]" in msg


def test_non_finite_2d_positions_and_true():
    pred = np.array(MC_PRED)
    pred[2, 1] = np.nan
    with pytest.raises(
        ValueError,
        match=re.escape(
            "macro_f1: pred contains 1 non-finite value(s) (1 NaN, 0 inf) at position(s) [(2, 1)]"
        ),
    ):
        macro_f1(MC_TRUE, pred)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "mae: true contains 1 non-finite value(s) (1 NaN, 0 inf) at position(s) [0]"
        ),
    ):
        mae([np.nan, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match=re.escape("rmse: true contains 1 non-finite")):
        rmse(pd.Series([1.0, None]), [1.0, 1.0])


def test_many_bad_positions_are_truncated():
    pred = np.full(30, np.nan)
    with pytest.raises(
        ValueError, match=re.escape("pred contains 30 non-finite value(s) (30 NaN, 0 inf)")
    ) as e:
        mae(np.zeros(30), pred)
    assert "(20 more)" in str(e.value)


@pytest.mark.parametrize(
    "fn",
    BINARY
    + REGRESSION
    + [
        macro_f1,
        micro_f1,
        multiclass_accuracy,
        multiclass_log_loss,
        multilabel_auroc_macro,
        multilabel_ap_micro,
    ],
)
def test_length_mismatch_raises(fn):
    with pytest.raises(
        ValueError, match=rf"^{fn.__name__}: length mismatch: true has 3 rows but pred has 2 rows"
    ):
        fn([0, 1, 0], [[0.5, 0.5], [0.5, 0.5]] if "multi" in fn.__name__ else [0.2, 0.7])


@pytest.mark.parametrize("fn", list(dict.fromkeys(METRICS.values())))
def test_empty_input_raises(fn):
    with pytest.raises(ValueError, match=rf"^{fn.__name__}: empty input"):
        fn([], [])


@pytest.mark.parametrize("fn", BINARY)
@pytest.mark.parametrize("bad", [1.2, -0.1])
def test_binary_probabilities_out_of_range_raise(fn, bad):
    with pytest.raises(ValueError) as e:
        fn([0, 1, 1], [0.2, bad, 0.9])
    msg = str(e.value)
    assert msg.startswith(f"{fn.__name__}: pred must be probabilities in [0, 1]")
    assert "1 value(s) are outside" in msg and "position(s) [1]" in msg


@pytest.mark.parametrize("fn", [multilabel_auroc_macro, macro_f1, multiclass_log_loss])
def test_other_probabilities_out_of_range_raise(fn):
    if fn is multiclass_log_loss:
        true, pred = [0, 1], [[1.5, -0.5], [0.5, 0.5]]
    else:
        true, pred = [[0, 1], [1, 0]], [[0.2, 3.0], [0.7, 0.1]]
    with pytest.raises(
        ValueError, match=rf"^{fn.__name__}: pred must be probabilities in \[0, 1\]"
    ):
        fn(true, pred)


def test_multiclass_log_loss_rows_must_sum_to_one():
    with pytest.raises(
        ValueError,
        match=r"multiclass_log_loss: each row of pred must sum to 1.*position\(s\) \[1\]",
    ):
        multiclass_log_loss([0, 1], [[0.5, 0.5], [0.2, 0.2]])


def test_bad_labels_raise():
    with pytest.raises(
        ValueError,
        match=r"roc_auc: true must contain binary labels 0/1, found other value\(s\) \[2\]",
    ):
        roc_auc([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(
        ValueError,
        match=r"multiclass_accuracy: true must hold integer class indices in 0..2 .*\[3\]",
    ):
        multiclass_accuracy([0, 3], [[1, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match=r"mae: true must be numeric"):
        mae(["a", "b"], [1.0, 2.0])


def test_binary_two_column_pred_hint():
    with pytest.raises(ValueError, match=r"roc_auc: pred must have shape \[n\].*pass pred\[:, 1\]"):
        roc_auc([0, 1], [[0.8, 0.2], [0.1, 0.9]])


def test_multilabel_shape_mismatch_raises():
    with pytest.raises(
        ValueError,
        match=r"multilabel_auroc_macro: true and pred must both have shape \[n, num_labels\].*true \(2, 2\) and pred \(2, 3\)",
    ):
        multilabel_auroc_macro([[0, 1], [1, 0]], np.full((2, 3), 0.5))


def test_r2_needs_two_rows():
    with pytest.raises(ValueError, match=r"r2: needs at least 2 rows, got 1"):
        r2([1.0], [1.0])


# --------------------------------------------------------------------------
# scikit-learn does the checking; rdl's message contract stays
# --------------------------------------------------------------------------

ARRAY_METRICS = [
    fn for name, fn in METRICS.items() if fn.__name__ == name and not name.endswith("_at_k")
]

BAD_INPUTS = {
    "3-D pred": ([0, 1], np.zeros((2, 2, 2))),
    "string pred": ([0, 1], ["a", "b"]),
    "complex pred": ([0, 1], [1j, 1j]),
    "scalars": (0.5, 0.5),
    "None true": (None, [0.5]),
    "no columns": (np.zeros((2, 0)), np.zeros((2, 0))),
    "ragged true": ([[0, 1], [1]], [0.5, 0.5]),
    "pandas NA in true": (pd.Series([0, None], dtype="Int64"), [0.5, 0.5]),
    "inf in true": ([0, np.inf], [0.5, 0.5]),
}


@pytest.mark.parametrize("fn", ARRAY_METRICS, ids=lambda fn: fn.__name__)
@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_a_value_error_naming_the_metric(fn, case):
    true, pred = BAD_INPUTS[case]
    with pytest.raises(ValueError) as e:
        fn(true, pred)
    msg = str(e.value)
    assert msg.startswith(f"{fn.__name__}: "), msg
    # scikit-learn's own wording ("Found array with dim 3", "Input contains NaN") never
    # reaches the user: it names neither the metric nor the positions
    assert "Found array" not in msg and "Input contains" not in msg, msg


def test_non_finite_true_names_kind_and_positions():
    with pytest.raises(
        ValueError,
        match=re.escape(
            "mse: true contains 2 non-finite value(s) (1 NaN, 1 inf) at position(s) [1, 2]"
        ),
    ):
        mse([0.0, np.nan, -np.inf, 1.0], [0.0, 0.0, 0.0, 0.0])


@pytest.mark.parametrize(
    ("true", "hint"),
    [
        (
            [0.0, 0.5, 1.0],
            "true looks continuous (real-valued): for a regression target use mae, rmse or r2",
        ),
        ([1, 2, 1], "two classes: map them to 0 and 1"),
        ([-1, 1, 1], "two classes: map them to 0 and 1"),
        ([0, 1, 2], "for multiclass, pass pred as [n, num_classes] probabilities"),
    ],
)
def test_bad_binary_labels_say_what_true_looks_like(true, hint):
    # the hint comes from sklearn.utils.multiclass.type_of_target
    with pytest.raises(ValueError) as e:
        roc_auc(true, [0.1, 0.6, 0.9])
    msg = str(e.value)
    assert msg.startswith("roc_auc: true must contain binary labels 0/1, found other value(s)")
    assert msg.endswith(f"({hint})"), msg
    # control: valid 0/1 labels pass
    assert roc_auc([0, 1, 1], [0.1, 0.6, 0.9]) == approx(1.0)


@pytest.mark.parametrize("fn", [multilabel_auroc_macro, multilabel_ap_micro])
def test_multilabel_without_label_columns_raises(fn):
    with pytest.raises(
        ValueError, match=rf"^{fn.__name__}: true and pred have no label columns \(shape \(3, 0\)\)"
    ):
        fn(np.zeros((3, 0)), np.zeros((3, 0)))
