"""The GNN + LightGBM blend (issue 9, lever 5) is fitted on validation only."""

from __future__ import annotations

import numpy as np
import pytest

from rdl.train.blend import combine, fit_blend
from tests.fixtures.f1 import TINY, mutated


def test_weight_follows_the_better_model_on_validation():
    rs = np.random.default_rng(0)
    y = rs.integers(0, 2, 400).astype(float)
    good, noise = np.clip(0.5 + 0.4 * (y - 0.5) + rs.normal(0, 0.1, 400), 0, 1), rs.random(400)
    assert fit_blend("binary_classification", "roc_auc", y, good, noise).weight == 1.0
    assert fit_blend("binary_classification", "roc_auc", y, noise, good).weight == 0.0
    yr = rs.normal(10, 3, 300)
    b = fit_blend("regression", "mae", yr, yr + rs.normal(0, 3, 300), yr + rs.normal(0, 0.5, 300))
    assert b.weight <= 0.2
    assert np.allclose(b(np.ones(3), np.zeros(3)), b.weight)
    # probabilities are blended in logit space: equal inputs come back unchanged
    p = np.array([0.1, 0.5, 0.9])
    assert np.allclose(combine("binary_classification", 0.3, p, p), p)


def test_blend_rejects_misaligned_predictions():
    with pytest.raises(ValueError, match="one per val seed"):
        fit_blend("regression", "mae", np.zeros(3), np.zeros(3), np.zeros(2))


def test_blend_is_chosen_on_validation_only(f1_duckdb, tmp_path):
    """Changing the test labels (rows after the test timestamp: under ``relbench`` no
    model input) leaves the blend's weight and every val score as they were while its
    test score moves (the control that the test labels did change)."""
    from rdl.db import connect
    from rdl.train import TrainConfig
    from rdl.train.job import run_task

    cfg = TrainConfig(**TINY, blend=True, seed_features=["past_labels"])
    db = connect(f1_duckdb)
    runs = [
        run_task(
            d, "rel-f1/driver-top3", cfg, baselines=False, progress=False, cache_dir=tmp_path
        ).results["models"]
        for d in (db, mutated(db, after=True))
    ]
    a, b = (r["blend"] for r in runs)
    assert a["weight_gnn"] == b["weight_gnn"] and a["val"] == b["val"]
    assert a["val_curve"] == b["val_curve"]
    assert a["test"] != b["test"]
    assert runs[0]["lightgbm_cutoff"]["val"] == runs[1]["lightgbm_cutoff"]["val"]
