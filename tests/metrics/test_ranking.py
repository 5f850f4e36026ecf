"""Ranking metrics (MAP@k, recall@k, precision@k, NDCG@k): hand-computed values,
RelBench's pred_isin formulas, scikit-learn, properties and bad input.

All but the last two tests moved from tests/test_metrics.py with their assertions
unchanged.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

from rdl.metrics import (
    map_at_k,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
)
from tests.fixtures.metrics import RK_PRED, RK_TRUE

approx = pytest.approx


# --------------------------------------------------------------------------
# hand-computed values
# --------------------------------------------------------------------------


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
# agreement with RelBench and scikit-learn on random data
# --------------------------------------------------------------------------


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
# bad input
# --------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [map_at_k, recall_at_k, precision_at_k, ndcg_at_k])
def test_ranking_length_mismatch_raises(fn):
    with pytest.raises(
        ValueError, match=rf"^{fn.__name__}: length mismatch: true has 3 rows but pred has 2 rows"
    ):
        fn(RK_TRUE, RK_PRED[:2], 2)


@pytest.mark.parametrize("fn", [map_at_k, recall_at_k, precision_at_k, ndcg_at_k])
@pytest.mark.parametrize("k", [0, -3])
def test_ranking_nonpositive_k_raises(fn, k):
    with pytest.raises(
        ValueError, match=rf"^{fn.__name__}: k must be a positive integer, got k={k}"
    ):
        fn(RK_TRUE, RK_PRED, k)


@pytest.mark.parametrize("k", [2.5, "3", True])
def test_ranking_non_integer_k_raises(k):
    with pytest.raises(ValueError, match=r"map_at_k: k must be a positive integer"):
        map_at_k(RK_TRUE, RK_PRED, k)


def test_ranking_pred_rows_shorter_than_k_raise():
    with pytest.raises(
        ValueError,
        match=r"recall_at_k: pred must have at least k=4 ranked ids per row, but 3 row\(s\) are shorter: row\(s\) \[0, 1, 2\] \(e\.g\. row 0 has 3\)",
    ):
        recall_at_k(RK_TRUE, RK_PRED, 4)
    with pytest.raises(
        ValueError, match=r"map_at_k: k=None needs every pred row to have the same length"
    ):
        map_at_k(RK_TRUE, [[1, 2], [3], [4, 5]])


def test_ranking_non_finite_ids_raise():
    pred = RK_PRED.astype(float)
    pred[1, 2] = np.nan
    with pytest.raises(
        ValueError,
        match=re.escape(
            "ndcg_at_k: pred contains 1 NaN/inf/None id(s) at position(s) (row, rank) [(1, 2)]"
        ),
    ):
        ndcg_at_k(RK_TRUE, pred, 3)
    with pytest.raises(ValueError, match=re.escape("map_at_k: pred contains 1 NaN/inf/None id(s)")):
        map_at_k([[1]], [[1, None]], 1)


def test_ranking_duplicate_ids_raise():
    with pytest.raises(
        ValueError,
        match=r"precision_at_k: pred repeats a destination id within the top k=3 in 1 row\(s\): \[0\]",
    ):
        precision_at_k(RK_TRUE, [[1, 1, 2], [3, 4, 7], [9, 6, 12]], 3)
    # duplicates beyond k are ignored
    assert precision_at_k(RK_TRUE, [[1, 5, 2, 2], [3, 4, 7, 7], [9, 6, 12, 9]], 3) == approx(4 / 9)


def test_ranking_true_row_not_a_collection_raises():
    with pytest.raises(
        ValueError, match=r"map_at_k: true row 1 must be a collection of destination ids, got int 7"
    ):
        map_at_k([[1], 7], [[1], [7]], 1)


def test_map_divides_by_min_k_and_true_count_as_relbench():
    # RelBench's link_prediction_map divides by min(k, |true|): one hit at rank 1 out of
    # 4 relevant ids at k=3 gives 1/3. torchmetrics' retrieval_average_precision divides
    # by the hits found in the top k and would give 1.0 here (the reason rdl keeps its own).
    assert map_at_k([{8, 9, 10, 11}], [[9, 6, 12]], 3) == approx(1 / 3)
    # control: with a single relevant id the two normalisations agree
    assert map_at_k([{9}], [[9, 6, 12]], 3) == approx(1.0)


@pytest.mark.parametrize("fn", [map_at_k, recall_at_k, precision_at_k, ndcg_at_k])
def test_ranking_non_iterable_inputs_raise_value_error(fn):
    with pytest.raises(
        ValueError,
        match=rf"^{fn.__name__}: true must be a sequence of collections of destination ids, got int",
    ):
        fn(5, RK_PRED, 3)
    with pytest.raises(
        ValueError,
        match=rf"^{fn.__name__}: pred must be \[n, k\] ranked destination ids \(or a list of lists\), got int",
    ):
        fn(RK_TRUE, 5, 3)
