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
TINY = dict(
    channels=8,
    encoder_layers=1,
    num_neighbors=[8, 4],
    batch_size=256,
    max_steps_per_epoch=3,
    text=False,
    seed=3,
    precision="fp32",
    threads=1,
    seed_features=[],
    blend=False,
    stale_prob=0.0,
)


@pytest.fixture(scope="module")
def run(f1_duckdb, tmp_path_factory):
    # a high learning rate makes some later epoch worse than the best one
    return run_task(
        connect(f1_duckdb),
        TASK,
        TrainConfig(**TINY, epochs=4, lr=0.05),
        baselines=False,
        progress=False,
        cache_dir=tmp_path_factory.mktemp("cache"),
    )


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


def _extras(run, monkeypatch, make_seeds=None):
    from rdl.train.entity_extras import extra_results

    trainer, calls = run.trainer, []
    predict = trainer.predict
    monkeypatch.setattr(trainer, "predict", lambda s, *a, **k: calls.append(1) or predict(s))
    if make_seeds is not None:
        monkeypatch.setattr(trainer, "make_seeds", make_seeds)
    models = {"gnn": {"val": dict(run.results["models"]["gnn"]["val"]), "eval_seconds": 0.0}}
    extra_results(trainer, run.tables, run.seeds, run.predictions, models)
    return models["gnn"], len(calls)


def test_stale_validation_with_the_same_cutoffs_reuses_the_predictions(run, monkeypatch):
    """One test seed time (TPC-H): the stale validation's cut-offs are the validation's, so
    its predictions are not made again."""
    gnn, calls = _extras(
        run, monkeypatch, make_seeds=lambda table, stale_val=None: run.seeds["val"]
    )
    assert calls == 0 and gnn["val_stale"] == gnn["val"]


def test_control_stale_validation_with_other_cutoffs_predicts(run, monkeypatch):
    stale = run.trainer.make_seeds(run.tables["val"], stale_val=True)
    assert not np.array_equal(stale.cutoff, run.seeds["val"].cutoff)  # rel-f1: they differ
    gnn, calls = _extras(run, monkeypatch)
    assert calls == 1 and gnn["val_stale"] != gnn["val"]
