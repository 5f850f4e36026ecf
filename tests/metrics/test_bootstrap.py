"""The entity bootstrap: each vectorised draw equals the metric on the resampled rows,
intervals hold the estimate and narrow with more entities (control: a tenth of the data
gives a wider interval)."""

from __future__ import annotations

import numpy as np
import pytest

from rdl.metrics import METRICS
from rdl.metrics.bootstrap import bootstrap_draws, bootstrap_interval, entity_counts, overlap


def _binary(n_entities: int, per: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(n_entities), per)
    y = rng.integers(0, 2, groups.size)
    p = np.clip(0.3 * y + rng.uniform(0, 0.7, groups.size), 0, 1).round(2)  # with ties
    return y, p, groups


def _resampled(counts_row, ent):
    return np.concatenate(
        [np.repeat(np.flatnonzero(ent == e), int(c)) for e, c in enumerate(counts_row) if c]
    )


@pytest.mark.parametrize("name", ["roc_auc", "accuracy", "log_loss"])
def test_each_binary_draw_is_the_metric_on_the_resampled_rows(name):
    y, p, groups = _binary(40)
    draws = bootstrap_draws(name, y, p, groups, draws=20, seed=3)
    counts, ent = entity_counts(groups, 20, 3)
    for b in range(20):
        idx = _resampled(counts[b], ent)
        assert draws[b] == pytest.approx(METRICS[name](y[idx], p[idx]), abs=1e-9)


@pytest.mark.parametrize("name", ["mae", "rmse"])
def test_each_regression_draw_is_the_metric_on_the_resampled_rows(name):
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(30), 4)
    t = rng.normal(size=groups.size)
    p = t + rng.normal(size=groups.size)
    draws = bootstrap_draws(name, t, p, groups, draws=10, seed=0)
    counts, ent = entity_counts(groups, 10, 0)
    for b in range(10):
        idx = _resampled(counts[b], ent)
        assert draws[b] == pytest.approx(METRICS[name](t[idx], p[idx]), abs=1e-9)


def test_each_ranking_draw_is_map_at_k_on_the_resampled_rows():
    rng = np.random.default_rng(2)
    groups = np.arange(25)
    true = [list(rng.choice(20, rng.integers(0, 4), replace=False)) for _ in groups]
    pred = [list(rng.permutation(20)[:5]) for _ in groups]
    draws = bootstrap_draws("map_at_k", true, pred, groups, draws=10, seed=0, k=5)
    counts, ent = entity_counts(groups, 10, 0)
    for b in range(10):
        idx = _resampled(counts[b], ent)
        assert draws[b] == pytest.approx(
            METRICS["map_at_k"]([true[i] for i in idx], [pred[i] for i in idx], 5)
        )


def test_the_interval_holds_the_estimate_and_narrows_with_more_entities():
    y, p, groups = _binary(1000)
    big = bootstrap_interval("roc_auc", y, p, groups, draws=300)
    point = METRICS["roc_auc"](y, p)
    assert big["low"] <= point <= big["high"] and big["draws_used"] == 300
    small_rows = groups < 100  # control: a tenth of the entities
    small = bootstrap_interval(
        "roc_auc", y[small_rows], p[small_rows], groups[small_rows], draws=300
    )
    assert (small["high"] - small["low"]) > 2 * (big["high"] - big["low"])
    assert overlap(big, small) and not overlap(big, {"low": 2.0, "high": 3.0})


def test_an_undefined_metric_gives_no_interval():
    y = np.array([1, 1, 1, 0])
    assert (
        bootstrap_interval(
            "roc_auc", y, np.array([0.9, 0.8, 0.7, 0.1]), np.array([0, 1, 2, 3]), draws=200
        )
        is not None
    )
    assert bootstrap_interval("roc_auc", np.ones(4), np.ones(4) / 2, np.arange(4)) is None
    with pytest.raises(ValueError, match="unknown metric"):
        bootstrap_interval("auc", y, y, y)


@pytest.mark.parametrize("name", ["average_precision", "f1"])
def test_each_vectorised_draw_of_ap_and_f1_is_the_metric_on_the_resampled_rows(name):
    y, p, groups = _binary(40)
    draws = bootstrap_draws(name, y, p, groups, draws=20, seed=4)
    counts, ent = entity_counts(groups, 20, 4)
    for b in range(20):
        idx = _resampled(counts[b], ent)
        assert draws[b] == pytest.approx(METRICS[name](y[idx], p[idx]), abs=1e-9)


def test_each_r2_draw_is_the_metric_on_the_resampled_rows():
    rng = np.random.default_rng(5)
    groups = np.repeat(np.arange(30), 3)
    t = rng.normal(size=groups.size)
    p = t + rng.normal(0, 0.5, groups.size)
    draws = bootstrap_draws("r2", t, p, groups, draws=10, seed=1)
    counts, ent = entity_counts(groups, 10, 1)
    for b in range(10):
        idx = _resampled(counts[b], ent)
        assert draws[b] == pytest.approx(METRICS["r2"](t[idx], p[idx]), abs=1e-9)
