"""The job reuses the best epoch's validation predictions (`Trainer.val_predictions`)
instead of predicting the validation seeds a second time: they must be exactly what the
restored best model predicts, also when a later epoch was worse."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rdl.db import connect
from rdl.train import TrainConfig
from rdl.train.job import run_task

TASK = "rel-f1/driver-top3"
TINY = dict(channels=8, encoder_layers=1, num_neighbors=[8, 4], batch_size=256,
            max_steps_per_epoch=3, text=False, seed=3, precision="fp32", threads=1,
            seed_features=[], blend=False, stale_prob=0.0)


@pytest.fixture(scope="module")
def run(f1_duckdb, tmp_path_factory):
    # a high learning rate makes some later epoch worse than the best one
    return run_task(connect(f1_duckdb), TASK, TrainConfig(**TINY, epochs=4, lr=0.05),
                    baselines=False, progress=False,
                    cache_dir=tmp_path_factory.mktemp("cache"))


def test_reused_val_predictions_are_the_restored_models(run):
    again = run.trainer.predict(run.seeds["val"])
    np.testing.assert_array_equal(run.predictions["val"], again)
    assert run.predictions["val"] is run.trainer.val_predictions
    aucs = [h["val"]["roc_auc"] for h in run.trainer.history]
    assert aucs[-1] < max(aucs), "the setting should give a later, worse epoch"
    best = max(aucs)
    assert run.results["models"]["gnn"]["val"]["roc_auc"] == pytest.approx(best)


def test_control_other_weights_predict_otherwise(run):
    model = run.trainer.model
    state = {k: v.clone() for k, v in model.state_dict().items()}
    try:
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.1 * torch.randn_like(p))
        assert not np.allclose(run.predictions["val"], run.trainer.predict(run.seeds["val"]))
    finally:
        model.load_state_dict(state)
