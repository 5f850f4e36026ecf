"""Classification and regression metrics: hand-computed values, agreement with
scikit-learn, input types (moved from tests/test_metrics.py, assertions unchanged).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm

from rdl.metrics import (
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
from tests.fixtures.metrics import (
    B_PRED,
    B_TRUE,
    MC_PRED,
    MC_TRUE,
    ML_PRED,
    ML_TRUE,
    R_PRED,
    R_TRUE,
)

approx = pytest.approx


# --------------------------------------------------------------------------
# hand-computed values
# --------------------------------------------------------------------------


def test_binary_hand_computed():
    # AUC: positive/negative pairs (0.35>0.1 yes, 0.35>0.4 no, 0.8>both yes) -> 3/4
    assert roc_auc(B_TRUE, B_PRED) == approx(0.75)
    # AP: ranking 0.8(+) 0.4(-) 0.35(+) 0.1(-): precision at hits 1/1 and 2/3
    #     -> (1 + 2/3) / 2 = 0.8333...
    assert average_precision(B_TRUE, B_PRED) == approx(5 / 6)
    # labels at >= 0.5: [0, 0, 0, 1] -> 3 of 4 correct
    assert accuracy(B_TRUE, B_PRED) == approx(0.75)
    # TP=1 FP=0 FN=1 -> P=1, R=1/2, F1=2/3
    assert f1(B_TRUE, B_PRED) == approx(2 / 3)
    # -(ln .9 + ln .6 + ln .35 + ln .8) / 4
    assert log_loss(B_TRUE, B_PRED) == approx(0.47228795380917615)


def test_binary_threshold_is_inclusive_at_half():
    assert accuracy([1, 0], [0.5, 0.49]) == 1.0
    assert f1([1, 0], [0.5, 0.49]) == 1.0


def test_log_loss_clips_extreme_probabilities():
    # a confidently wrong prediction costs -ln(1e-15) = 34.54 instead of inf
    assert log_loss([1], [0.0]) == approx(-math.log(1e-15), rel=1e-6)
    assert log_loss([0, 1], [0.0, 1.0]) == approx(0.0, abs=1e-12)
    # one class present is fine for log loss: -ln(0.8)
    assert log_loss([1], [0.8]) == approx(-math.log(0.8))


def test_f1_no_positives_is_zero():
    assert f1([0, 0], [0.1, 0.2]) == 0.0


def test_multiclass_hand_computed():
    assert accuracy(MC_TRUE, MC_PRED) == approx(0.5)
    assert multiclass_accuracy(MC_TRUE, MC_PRED) == approx(0.5)
    # per-class F1: class0 1.0; class1 TP0 -> 0; class2 TP1 FP1 FN1 -> 0.5
    assert macro_f1(MC_TRUE, MC_PRED) == approx(0.5)
    # micro F1 == accuracy for single-label multiclass
    assert micro_f1(MC_TRUE, MC_PRED) == approx(0.5)
    # -(ln .7 + ln .3 + ln .6 + ln .3) / 4
    assert multiclass_log_loss(MC_TRUE, MC_PRED) == approx(0.8188615440891489)
    assert log_loss(MC_TRUE, MC_PRED) == approx(0.8188615440891489)


def test_multiclass_log_loss_uses_column_index_even_for_absent_classes():
    # class 2 never occurs in true; column 1 is still class 1: -(ln .5 + ln .5)/2
    pred = [[0.5, 0.25, 0.25], [0.25, 0.5, 0.25]]
    assert multiclass_log_loss([0, 1], pred) == approx(-math.log(0.5))


def test_multilabel_hand_computed():
    # label0: true [1,0,1,0] pred [1,0,1,1] -> TP2 FP1 FN0 -> F1 0.8
    # label1: true [0,1,1,0] pred [0,1,0,1] -> TP1 FP1 FN1 -> F1 0.5
    assert macro_f1(ML_TRUE, ML_PRED) == approx(0.65)
    # pooled TP3 FP2 FN1 -> P 3/5, R 3/4 -> F1 2/3
    assert micro_f1(ML_TRUE, ML_PRED) == approx(2 / 3)
    # subset accuracy: rows 0 and 1 match exactly
    assert accuracy(ML_TRUE, ML_PRED) == approx(0.5)
    # AUROC label0: pos {.9,.6} neg {.4,.6}: 1+1+1+0.5 (tie) -> 3.5/4
    #       label1: pos {.6,.3} neg {.2,.7}: 1+0+1+0 -> 2/4     -> macro 0.6875
    assert multilabel_auroc_macro(ML_TRUE, ML_PRED) == approx(0.6875)
    # pooled: pos {.9,.6,.6,.3} neg {.4,.6,.2,.7}: 4 + 2.5 + 2.5 + 1 = 10 of 16
    assert multilabel_auroc_micro(ML_TRUE, ML_PRED) == approx(0.625)
    # AP label0: thresholds .9 (P1,R.5) .6 (P2/3,R1) -> .5 + .5*2/3 = 5/6
    #    label1: .7 (P0,R0) .6 (P.5,R.5) .3 (P2/3,R1) -> .25 + 1/3 = 7/12
    assert multilabel_ap_macro(ML_TRUE, ML_PRED) == approx((5 / 6 + 7 / 12) / 2)
    # pooled: .9 (P1,R.25) .7 (P.5,R.25) .6 (P.6,R.75) .4 (.5,.75) .3 (P4/7,R1)
    #   -> .25*1 + .5*.6 + .25*4/7
    assert multilabel_ap_micro(ML_TRUE, ML_PRED) == approx(0.25 + 0.3 + 0.25 * 4 / 7)


def test_multilabel_accepts_relbench_column_of_arrays():
    true_col = pd.Series([np.array(r) for r in ML_TRUE])
    assert macro_f1(true_col, np.array(ML_PRED)) == approx(0.65)
    assert multilabel_auroc_macro(true_col, np.array(ML_PRED)) == approx(0.6875)
    assert multilabel_ap_macro(list(true_col), ML_PRED) == approx((5 / 6 + 7 / 12) / 2)


def test_regression_hand_computed():
    assert mae(R_TRUE, R_PRED) == approx(0.625)  # 2.5 / 4
    assert mse(R_TRUE, R_PRED) == approx(0.5625)  # 2.25 / 4
    assert rmse(R_TRUE, R_PRED) == approx(0.75)
    # SS_res 2.25, SS_tot (mean 2.5) 2.25+.25+.25+2.25 = 5 -> 1 - 0.45
    assert r2(R_TRUE, R_PRED) == approx(0.55)


# --------------------------------------------------------------------------
# agreement with scikit-learn on random data
# --------------------------------------------------------------------------


def test_binary_matches_sklearn_random():
    rng = np.random.default_rng(0)
    t = rng.integers(0, 2, 500)
    p = rng.random(500)
    assert roc_auc(t, p) == approx(skm.roc_auc_score(t, p))
    assert average_precision(t, p) == approx(skm.average_precision_score(t, p))
    assert accuracy(t, p) == approx(skm.accuracy_score(t, p >= 0.5))
    assert f1(t, p) == approx(skm.f1_score(t, p >= 0.5))
    assert log_loss(t, p) == approx(skm.log_loss(t, p))
    assert macro_f1(t, p) == approx(skm.f1_score(t, p >= 0.5, average="macro"))


def test_multiclass_matches_sklearn_random():
    rng = np.random.default_rng(1)
    t = rng.integers(0, 4, 400)
    logits = rng.normal(size=(400, 4))
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert accuracy(t, p) == approx(skm.accuracy_score(t, p.argmax(1)))
    assert macro_f1(t, p) == approx(skm.f1_score(t, p.argmax(1), average="macro"))
    assert micro_f1(t, p) == approx(skm.f1_score(t, p.argmax(1), average="micro"))
    assert multiclass_log_loss(t, p) == approx(skm.log_loss(t, p))
    # float32 softmax rows that sum to 1 only approximately are accepted
    assert multiclass_log_loss(t, p.astype(np.float32)) == approx(skm.log_loss(t, p), rel=1e-5)


def test_multilabel_matches_sklearn_random():
    rng = np.random.default_rng(2)
    t = rng.integers(0, 2, (300, 5))
    p = rng.random((300, 5))
    assert multilabel_auroc_macro(t, p) == approx(skm.roc_auc_score(t, p, average="macro"))
    assert multilabel_auroc_micro(t, p) == approx(skm.roc_auc_score(t, p, average="micro"))
    assert multilabel_ap_macro(t, p) == approx(skm.average_precision_score(t, p, average="macro"))
    assert multilabel_ap_micro(t, p) == approx(skm.average_precision_score(t, p, average="micro"))
    lab = (p >= 0.5).astype(int)
    assert macro_f1(t, p) == approx(skm.f1_score(t, lab, average="macro"))
    assert micro_f1(t, p) == approx(skm.f1_score(t, lab, average="micro"))


def test_regression_matches_sklearn_random():
    rng = np.random.default_rng(3)
    t = rng.normal(size=300)
    p = t + rng.normal(scale=0.5, size=300)
    assert mae(t, p) == approx(skm.mean_absolute_error(t, p))
    assert mse(t, p) == approx(skm.mean_squared_error(t, p))
    assert rmse(t, p) == approx(math.sqrt(skm.mean_squared_error(t, p)))
    assert r2(t, p) == approx(skm.r2_score(t, p))


# --------------------------------------------------------------------------
# input types
# --------------------------------------------------------------------------


def test_accepts_pandas_series_and_lists():
    s_true = pd.Series(B_TRUE, index=[10, 11, 12, 13])
    s_pred = pd.Series(B_PRED, index=[3, 2, 1, 0])  # index is ignored, positions matter
    assert roc_auc(s_true, s_pred) == approx(0.75)
    assert roc_auc(pd.Series(B_TRUE, dtype="Int64"), np.asarray(B_PRED)) == approx(0.75)
    assert roc_auc(np.array(B_TRUE, dtype=bool), B_PRED) == approx(0.75)
    assert mae(pd.Series(R_TRUE), R_PRED) == approx(0.625)
    assert roc_auc(np.array(B_TRUE), np.array(B_PRED)[:, None]) == approx(0.75)  # [n, 1]
    assert accuracy(MC_TRUE, pd.DataFrame(MC_PRED)) == approx(0.5)
