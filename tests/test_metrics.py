"""Tests for rdl.metrics: hand-computed values, sklearn agreement, edge cases."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

from rdl import metrics as M
from rdl.metrics import (
    METRICS,
    accuracy,
    average_precision,
    f1,
    higher_is_better,
    log_loss,
    macro_f1,
    mae,
    map_at_k,
    micro_f1,
    mse,
    multiclass_accuracy,
    multiclass_log_loss,
    multilabel_ap_macro,
    multilabel_ap_micro,
    multilabel_auroc_macro,
    multilabel_auroc_micro,
    ndcg_at_k,
    precision_at_k,
    r2,
    recall_at_k,
    rmse,
    roc_auc,
)

approx = pytest.approx

# --------------------------------------------------------------------------
# hand-computed values
# --------------------------------------------------------------------------

# Binary: true [0, 0, 1, 1], pred [0.1, 0.4, 0.35, 0.8]
B_TRUE = [0, 0, 1, 1]
B_PRED = [0.1, 0.4, 0.35, 0.8]


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


# Multiclass: true [0, 1, 2, 2]; argmax of pred rows = [0, 2, 2, 1]
MC_TRUE = [0, 1, 2, 2]
MC_PRED = [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3]]


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


# Multilabel: thresholded pred = [[1,0],[0,1],[1,0],[1,1]]
ML_TRUE = [[1, 0], [0, 1], [1, 1], [0, 0]]
ML_PRED = [[0.9, 0.2], [0.4, 0.6], [0.6, 0.3], [0.6, 0.7]]


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


# Regression: errors [0.5, 0, -1, 1]
R_TRUE = [1.0, 2.0, 3.0, 4.0]
R_PRED = [1.5, 2.0, 2.0, 5.0]


def test_regression_hand_computed():
    assert mae(R_TRUE, R_PRED) == approx(0.625)  # 2.5 / 4
    assert mse(R_TRUE, R_PRED) == approx(0.5625)  # 2.25 / 4
    assert rmse(R_TRUE, R_PRED) == approx(0.75)
    # SS_res 2.25, SS_tot (mean 2.5) 2.25+.25+.25+2.25 = 5 -> 1 - 0.45
    assert r2(R_TRUE, R_PRED) == approx(0.55)


# Ranking, k = 3:
#   row0 true {1,2}        pred [1,5,2]  hits [1,0,1]
#   row1 true {7}          pred [3,4,7]  hits [0,0,1]
#   row2 true {8,9,10,11}  pred [9,6,12] hits [1,0,0]
RK_TRUE = [[1, 2], {7}, np.array([8, 9, 10, 11])]
RK_PRED = np.array([[1, 5, 2], [3, 4, 7], [9, 6, 12]])


def test_ranking_hand_computed_k3():
    # AP: row0 (1/1 + 2/3)/min(3,2) = 5/6; row1 (1/3)/1; row2 (1/1)/min(3,4) = 1/3
    assert map_at_k(RK_TRUE, RK_PRED, 3) == approx((5 / 6 + 1 / 3 + 1 / 3) / 3)  # 0.5
    # recall: 2/2, 1/1, 1/4
    assert recall_at_k(RK_TRUE, RK_PRED, 3) == approx(0.75)
    # precision: 2/3, 1/3, 1/3
    assert precision_at_k(RK_TRUE, RK_PRED, 3) == approx(4 / 9)
    # NDCG: row0 (1 + 1/log2 4) / (1 + 1/log2 3) = 0.919721
    #       row1 (1/log2 4) / 1 = 0.5
    #       row2 1 / (1 + 1/log2 3 + 1/log2 4) = 0.469279
    assert ndcg_at_k(RK_TRUE, RK_PRED, 3) == approx(
        (0.9197207891481876 + 0.5 + 0.46927872602275644) / 3
    )
    # k=None uses the width of pred
    assert map_at_k(RK_TRUE, RK_PRED) == approx(0.5)
    assert ndcg_at_k(RK_TRUE, RK_PRED) == approx(0.6296665050569813)


def test_ranking_hand_computed_k1():
    # only the first column: hits [1, 0, 1]
    assert map_at_k(RK_TRUE, RK_PRED, 1) == approx(2 / 3)
    assert precision_at_k(RK_TRUE, RK_PRED, 1) == approx(2 / 3)
    assert recall_at_k(RK_TRUE, RK_PRED, 1) == approx((1 / 2 + 0 + 1 / 4) / 3)
    assert ndcg_at_k(RK_TRUE, RK_PRED, 1) == approx(2 / 3)


def test_ranking_accepts_lists_of_lists_and_longer_rows():
    pred = [[1, 5, 2, 99], [3, 4, 7], [9, 6, 12, 13, 14]]  # ragged, all >= k
    assert map_at_k(RK_TRUE, pred, 3) == approx(0.5)
    assert recall_at_k(pd.Series(RK_TRUE), pred, 3) == approx(0.75)


def test_ranking_string_ids_and_duplicate_truth():
    true = [["a", "b", "b"], ["c"]]  # duplicate relevant ids counted once
    pred = [["b", "x"], ["y", "z"]]
    assert recall_at_k(true, pred, 2) == approx((1 / 2 + 0) / 2)
    assert map_at_k(true, pred, 2) == approx((1 / 2 + 0) / 2)


def test_ranking_skips_rows_with_empty_true_set():
    true = [*RK_TRUE, [], None]
    pred = np.vstack([RK_PRED, [[1, 2, 3], [4, 5, 6]]])
    assert map_at_k(true, pred, 3) == approx(0.5)
    assert recall_at_k(true, pred, 3) == approx(0.75)
    assert precision_at_k(true, pred, 3) == approx(4 / 9)
    assert ndcg_at_k(true, pred, 3) == approx(0.6296665050569813)


@pytest.mark.parametrize("fn", [map_at_k, recall_at_k, precision_at_k, ndcg_at_k])
def test_ranking_all_rows_empty_raises(fn):
    with pytest.raises(ValueError, match=rf"{fn.__name__}: every one of the 2 rows has an empty"):
        fn([[], set()], [[1, 2], [3, 4]], 2)


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


def _random_ranking(seed, n=60, n_items=25):
    rng = np.random.default_rng(seed)
    rel = (rng.random((n, n_items)) < 0.2).astype(int)
    rel[np.arange(n), rng.integers(0, n_items, n)] = 1  # every row has a positive
    scores = rng.random((n, n_items))
    ranked = np.argsort(-scores, axis=1)
    true_lists = [np.flatnonzero(r) for r in rel]
    return rel, scores, ranked, true_lists


@pytest.mark.parametrize("k", [1, 3, 10, 25])
def test_ndcg_matches_sklearn_ndcg_score(k):
    rel, scores, ranked, true_lists = _random_ranking(4)
    assert ndcg_at_k(true_lists, ranked, k) == approx(skm.ndcg_score(rel, scores, k=k))


def test_map_with_full_ranking_matches_sklearn_average_precision():
    # with k = number of candidates, AP@k is the usual average precision per row
    rel, scores, ranked, true_lists = _random_ranking(5)
    expected = np.mean([skm.average_precision_score(r, s) for r, s in zip(rel, scores)])
    assert map_at_k(true_lists, ranked, rel.shape[1]) == approx(expected)


@pytest.mark.parametrize("k", [1, 4, 10])
def test_ranking_matches_relbench_pred_isin_formulas(k):
    # RelBench computes from pred_isin [n, k] and dst_count [n]
    rel, scores, ranked, true_lists = _random_ranking(6)
    pred_isin = np.take_along_axis(rel, ranked[:, :k], axis=1).astype(float)
    dst_count = rel.sum(axis=1)
    prec_mat = np.cumsum(pred_isin, axis=1) / np.arange(1, k + 1)
    rb_map = ((prec_mat * pred_isin).sum(1) / np.minimum(dst_count, k)).mean()
    assert map_at_k(true_lists, ranked, k) == approx(rb_map)
    assert recall_at_k(true_lists, ranked, k) == approx((pred_isin.sum(1) / dst_count).mean())
    assert precision_at_k(true_lists, ranked, k) == approx((pred_isin.sum(1) / k).mean())


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.sets(st.integers(0, 15), max_size=6),
            st.permutations(list(range(16))),
        ),
        min_size=1,
        max_size=8,
    ).filter(lambda rows: any(t for t, _ in rows)),
    k=st.integers(1, 16),
)
def test_ranking_properties(data, k):
    true_lists = [t for t, _ in data]
    pred = [p for _, p in data]
    vals = [fn(true_lists, pred, k) for fn in (map_at_k, recall_at_k, precision_at_k, ndcg_at_k)]
    assert all(0.0 <= v <= 1.0 + 1e-12 for v in vals)
    # the ideal ranking scores 1 on MAP and NDCG
    ideal = [sorted(t) + [x for x in range(16) if x not in t] for t in true_lists]
    assert map_at_k(true_lists, ideal, k) == approx(1.0)
    assert ndcg_at_k(true_lists, ideal, k) == approx(1.0)
    # recall at the full width is 1
    assert recall_at_k(true_lists, pred, 16) == approx(1.0)


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
    with pytest.raises(ValueError, match=re.escape("macro_f1: pred contains 1 non-finite value(s) (1 NaN, 0 inf) at position(s) [(2, 1)]")):
        macro_f1(MC_TRUE, pred)
    with pytest.raises(ValueError, match=re.escape("mae: true contains 1 non-finite value(s) (1 NaN, 0 inf) at position(s) [0]")):
        mae([np.nan, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match=re.escape("rmse: true contains 1 non-finite")):
        rmse(pd.Series([1.0, None]), [1.0, 1.0])


def test_many_bad_positions_are_truncated():
    pred = np.full(30, np.nan)
    with pytest.raises(ValueError, match=re.escape("pred contains 30 non-finite value(s) (30 NaN, 0 inf)")) as e:
        mae(np.zeros(30), pred)
    assert "(20 more)" in str(e.value)


@pytest.mark.parametrize(
    "fn",
    BINARY + REGRESSION + [macro_f1, micro_f1, multiclass_accuracy, multiclass_log_loss,
                           multilabel_auroc_macro, multilabel_ap_micro],
)
def test_length_mismatch_raises(fn):
    with pytest.raises(ValueError, match=rf"^{fn.__name__}: length mismatch: true has 3 rows but pred has 2 rows"):
        fn([0, 1, 0], [[0.5, 0.5], [0.5, 0.5]] if "multi" in fn.__name__ else [0.2, 0.7])


@pytest.mark.parametrize("fn", [map_at_k, recall_at_k, precision_at_k, ndcg_at_k])
def test_ranking_length_mismatch_raises(fn):
    with pytest.raises(ValueError, match=rf"^{fn.__name__}: length mismatch: true has 3 rows but pred has 2 rows"):
        fn(RK_TRUE, RK_PRED[:2], 2)


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
    with pytest.raises(ValueError, match=rf"^{fn.__name__}: pred must be probabilities in \[0, 1\]"):
        fn(true, pred)


def test_multiclass_log_loss_rows_must_sum_to_one():
    with pytest.raises(ValueError, match=r"multiclass_log_loss: each row of pred must sum to 1.*position\(s\) \[1\]"):
        multiclass_log_loss([0, 1], [[0.5, 0.5], [0.2, 0.2]])


def test_bad_labels_raise():
    with pytest.raises(ValueError, match=r"roc_auc: true must contain binary labels 0/1, found other value\(s\) \[2\]"):
        roc_auc([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=r"multiclass_accuracy: true must hold integer class indices in 0..2 .*\[3\]"):
        multiclass_accuracy([0, 3], [[1, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match=r"mae: true must be numeric"):
        mae(["a", "b"], [1.0, 2.0])


def test_binary_two_column_pred_hint():
    with pytest.raises(ValueError, match=r"roc_auc: pred must have shape \[n\].*pass pred\[:, 1\]"):
        roc_auc([0, 1], [[0.8, 0.2], [0.1, 0.9]])


def test_multilabel_shape_mismatch_raises():
    with pytest.raises(ValueError, match=r"multilabel_auroc_macro: true and pred must both have shape \[n, num_labels\].*true \(2, 2\) and pred \(2, 3\)"):
        multilabel_auroc_macro([[0, 1], [1, 0]], np.full((2, 3), 0.5))


def test_r2_needs_two_rows():
    with pytest.raises(ValueError, match=r"r2: needs at least 2 rows, got 1"):
        r2([1.0], [1.0])


@pytest.mark.parametrize("fn", [map_at_k, recall_at_k, precision_at_k, ndcg_at_k])
@pytest.mark.parametrize("k", [0, -3])
def test_ranking_nonpositive_k_raises(fn, k):
    with pytest.raises(ValueError, match=rf"^{fn.__name__}: k must be a positive integer, got k={k}"):
        fn(RK_TRUE, RK_PRED, k)


@pytest.mark.parametrize("k", [2.5, "3", True])
def test_ranking_non_integer_k_raises(k):
    with pytest.raises(ValueError, match=r"map_at_k: k must be a positive integer"):
        map_at_k(RK_TRUE, RK_PRED, k)


def test_ranking_pred_rows_shorter_than_k_raise():
    with pytest.raises(ValueError, match=r"recall_at_k: pred must have at least k=4 ranked ids per row, but 3 row\(s\) are shorter: row\(s\) \[0, 1, 2\] \(e\.g\. row 0 has 3\)"):
        recall_at_k(RK_TRUE, RK_PRED, 4)
    with pytest.raises(ValueError, match=r"map_at_k: k=None needs every pred row to have the same length"):
        map_at_k(RK_TRUE, [[1, 2], [3], [4, 5]])


def test_ranking_non_finite_ids_raise():
    pred = RK_PRED.astype(float)
    pred[1, 2] = np.nan
    with pytest.raises(ValueError, match=re.escape("ndcg_at_k: pred contains 1 NaN/inf/None id(s) at position(s) (row, rank) [(1, 2)]")):
        ndcg_at_k(RK_TRUE, pred, 3)
    with pytest.raises(ValueError, match=re.escape("map_at_k: pred contains 1 NaN/inf/None id(s)")):
        map_at_k([[1]], [[1, None]], 1)


def test_ranking_duplicate_ids_raise():
    with pytest.raises(ValueError, match=r"precision_at_k: pred repeats a destination id within the top k=3 in 1 row\(s\): \[0\]"):
        precision_at_k(RK_TRUE, [[1, 1, 2], [3, 4, 7], [9, 6, 12]], 3)
    # duplicates beyond k are ignored
    assert precision_at_k(RK_TRUE, [[1, 5, 2, 2], [3, 4, 7, 7], [9, 6, 12, 9]], 3) == approx(4 / 9)


def test_ranking_true_row_not_a_collection_raises():
    with pytest.raises(ValueError, match=r"map_at_k: true row 1 must be a collection of destination ids, got int 7"):
        map_at_k([[1], 7], [[1], [7]], 1)


# --------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------


def test_registry_contents():
    for name in ["roc_auc", "average_precision", "accuracy", "f1", "log_loss", "mae", "mse",
                 "rmse", "r2", "macro_f1", "micro_f1", "map_at_k", "recall_at_k",
                 "precision_at_k", "ndcg_at_k", "multiclass_log_loss",
                 "multilabel_auroc_macro", "multilabel_ap_macro"]:
        assert callable(METRICS[name])
    for name, fn in METRICS.items():
        assert fn is getattr(M, fn.__name__)
        doc = fn.__doc__ or ""
        assert "Raises" in doc and "Source" in doc, name
    assert set(M.__all__) >= {fn.__name__ for fn in METRICS.values()}


def test_higher_is_better():
    for name in ["mae", "mse", "rmse", "log_loss", "multiclass_log_loss"]:
        assert higher_is_better(name) is False
    for name in ["roc_auc", "average_precision", "accuracy", "f1", "r2", "macro_f1",
                 "micro_f1", "map_at_k", "ndcg_at_k", "recall_at_k", "precision_at_k"]:
        assert higher_is_better(name) is True
    assert higher_is_better(mae) is False
    assert higher_is_better(roc_auc) is True
    with pytest.raises(ValueError, match=r"higher_is_better: unknown metric 'auc'; known: \["):
        higher_is_better("auc")


def test_registry_functions_work_on_matching_data():
    # every registered metric is callable as f(true, pred)
    for name, fn in METRICS.items():
        if name.endswith("_at_k"):
            fn(RK_TRUE, RK_PRED)
        elif name.startswith("multilabel"):
            fn(ML_TRUE, ML_PRED)
        elif name.startswith("multiclass"):
            fn(MC_TRUE, MC_PRED)
        elif name in {"mae", "mse", "rmse", "r2"}:
            fn(R_TRUE, R_PRED)
        else:
            fn(B_TRUE, B_PRED)
