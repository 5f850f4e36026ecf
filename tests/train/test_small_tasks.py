"""Small training sets and silent failures (issue 11): the min-steps rule, the label-prior
loss, and the warnings the report prints when a model did not learn."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rich.console import Console

from rdl.report import print_results
from rdl.train import TrainConfig
from rdl.train.diagnose import (
    LEARNED_BASELINES,
    TOLERANCE,
    label_prior_loss,
    model_warnings,
)
from rdl.train.job import run_task
from rdl.train.trainer import train_batch_size
from tests.fixtures.shops import CustomerChurn, churn_shop

SMALL = dict(channels=16, encoder_layers=1, num_neighbors=[16, 8], epochs=4, text=False, seed=0)


@pytest.mark.parametrize(
    "n, bs, min_steps, want",
    [
        (11411, 512, 20, 512),  # driver-dnf: 23 steps already, unchanged
        (1353, 512, 20, 68),  # driver-top3: 3 steps of 512 -> 20 steps of 68
        (1023, 512, 20, 52),
        (100, 512, 20, 16),  # never below 16 seeds
        (100, 8, 20, 8),  # ... unless batch_size itself is smaller
        (1353, 512, 0, 512),  # rule off
    ],
)
def test_train_batch_size_rule(n, bs, min_steps, want):
    cfg = TrainConfig(batch_size=bs, min_steps_per_epoch=min_steps, text=False)
    got = train_batch_size(n, cfg)
    assert got == want
    if min_steps and got > 16:
        assert math.ceil(n / got) >= min_steps


def test_label_prior_loss():
    assert label_prior_loss("binary_classification", [0, 1, 0, 1]) == pytest.approx(math.log(2))
    assert label_prior_loss("binary_classification", [1, 1, 1]) == pytest.approx(0.0)
    p = np.array([0.5, 0.25, 0.25])
    assert label_prior_loss("multiclass_classification", [0, 0, 1, 2]) == pytest.approx(
        -(p * np.log(p)).sum()
    )
    assert label_prior_loss("regression", [1.0, 2.0, 10.0]) == pytest.approx((1 + 0 + 8) / 3)
    assert label_prior_loss("multilabel_classification", [[0, 1], [1, 1]]) == pytest.approx(
        math.log(2) / 2
    )
    assert label_prior_loss("link_prediction", [1]) is None


def _results(gnn_val: float, losses, prior=0.5):
    return {
        "metrics": ["roc_auc"],
        "models": {
            "gnn": {
                "val": {"roc_auc": gnn_val},
                "history": [{"loss": v} for v in losses],
                "prior_loss": prior,
            }
        },
        "baselines": {
            "majority": {"val": {"roc_auc": 0.5}},
            "entity_mean": {"val": {"roc_auc": 0.86}},
            "lightgbm_aggregated": {"val": {"roc_auc": 0.9}},
        },
    }


def test_warnings_name_the_model_the_baseline_and_the_figures():
    w = model_warnings(_results(0.501, [0.7, 0.69]))
    assert len(w) == 2
    assert "gnn" in w[0] and "entity_mean" in w[0] and "0.5010" in w[0] and "0.8600" in w[0]
    assert "0.5000" in w[1] and "0.6900" in w[1]
    # control: a model that beats every baseline and the prior gets no warning
    assert model_warnings(_results(0.95, [0.7, 0.3])) == []
    # beating the simple baselines but not LightGBM: one milder paragraph
    (only,) = model_warnings(_results(0.88, [0.4]))
    assert "lightgbm_aggregated" in only and "simple" not in only
    # lower-is-better metrics
    r = {
        "metrics": ["mae"],
        "models": {"gnn": {"val": {"mae": 3.0}, "history": [], "prior_loss": None}},
        "baselines": {"global_median": {"val": {"mae": 2.0}}},
    }
    assert "global_median" in model_warnings(r)[0]
    r["models"]["gnn"]["val"]["mae"] = 1.9999  # a tie up to float noise is no win
    assert "global_median" in model_warnings(r)[0]
    r["models"]["gnn"]["val"]["mae"] = 1.0
    assert model_warnings(r) == []


def test_print_results_shows_the_warnings():
    results = _results(0.501, [0.7])
    results["warnings"] = model_warnings(results)
    console = Console(record=True, width=300)
    print_results(results, console)
    text = console.export_text()
    assert "warning:" in text and "entity_mean (0.8600)" in text


@pytest.fixture(scope="module")
def shop():
    return churn_shop()


def test_small_task_trains_with_enough_steps_and_beats_majority(shop, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    run = run_task(shop, CustomerChurn, TrainConfig(**SMALL), progress=False, cache_dir=cache)
    r = run.results
    assert r["splits"]["train"] == 1023
    gnn = r["models"]["gnn"]
    assert gnn["batch_size"] == 52  # 1,023 rows: 20 steps of 52 instead of 2 of 512
    assert gnn["prior_loss"] == pytest.approx(
        label_prior_loss("binary_classification", run.tables["train"].df["churn"])
    )
    assert min(h["loss"] for h in gnn["history"]) < gnn["prior_loss"]
    assert gnn["val"]["roc_auc"] > r["baselines"]["majority"]["val"]["roc_auc"] + 0.1
    assert not any("never dropped below" in w for w in r["warnings"])
    # the report flags the model exactly when a simple baseline is at least as good
    best_simple = max(
        b["val"]["roc_auc"] for n, b in r["baselines"].items() if n not in LEARNED_BASELINES
    )
    flagged = any("best simple baseline" in w for w in r["warnings"])
    assert flagged == (gnn["val"]["roc_auc"] <= best_simple + TOLERANCE)


def test_a_model_that_does_not_learn_is_flagged(shop, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    cfg = TrainConfig(**{**SMALL, "epochs": 1, "lr": 1e-12})  # weights barely move
    r = run_task(shop, CustomerChurn, cfg, progress=False, cache_dir=cache).results
    text = " ".join(r["warnings"])
    assert "gnn: its training loss never dropped below" in text
    assert "does not beat" in text or "is level with" in text  # level: intervals overlap


def test_release_free_memory_is_safe_to_call():
    from rdl.runtime.memory import release_free_memory

    big = [bytearray(1 << 20) for _ in range(8)]
    del big
    assert release_free_memory() in (True, False)
    assert release_free_memory() in (True, False)
