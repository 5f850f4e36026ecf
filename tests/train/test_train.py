"""End to end: train on rel-f1, predict, and prove that future rows never change a
prediction (same weights, same seed)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rdl.db import connect
from rdl.serve import predict_at
from rdl.train import TrainConfig, train_task
from tests.fixtures.f1 import future_rows

TINY = dict(
    epochs=1,
    channels=16,
    encoder_layers=1,
    num_neighbors=[8, 4],
    batch_size=256,
    max_steps_per_epoch=3,
    text=False,
)


@pytest.fixture(scope="module")
def trained(f1_duckdb, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    cache = tmp_path_factory.mktemp("cache")
    results = train_task(
        f1_duckdb,
        "rel-f1/driver-dnf",
        TrainConfig(**TINY),
        out,
        baselines=False,
        progress=False,
        cache_dir=cache,
    )
    return out, cache, results


def test_results_layout(trained):
    out, _, results = trained
    on_disk = json.loads((out / "results.json").read_text())
    assert on_disk["task"] == "rel-f1/driver-dnf"
    assert on_disk["splits"] == {"train": 11411, "val": 566, "test": 702}
    gnn = on_disk["models"]["gnn"]
    assert set(gnn["test"]) == {"roc_auc", "average_precision", "accuracy", "f1"}
    assert 0.0 <= gnn["test"]["roc_auc"] <= 1.0
    assert set(on_disk["timing"]) >= {"graph_build_s", "train_s", "epoch_s", "total_s"}
    assert on_disk["peak_rss_mb"] > 0
    assert (out / "model.pt").exists()


def test_future_rows_never_change_predictions(trained, f1_duckdb):
    out, cache, _ = trained
    db = connect(f1_duckdb)
    at = pd.Timestamp("2010-01-01")
    before = predict_at(out, db, at, cache_dir=cache)
    db_future = future_rows(db, db.max_timestamp)
    assert len(db_future["results"]) == len(db["results"]) + 40
    after = predict_at(out, db_future, at, cache_dir=cache)
    pd.testing.assert_frame_equal(before, after)
    # the test can fail: a change at or before the seed time does change predictions
    db_past = future_rows(db, at - pd.Timedelta(days=800))
    changed = predict_at(out, db_past, at, cache_dir=cache)
    assert not np.allclose(before["prediction"], changed["prediction"])


def test_predict_cli(trained, f1_duckdb, tmp_path):
    from typer.testing import CliRunner

    from rdl.cli import app

    out, cache, _ = trained
    target = tmp_path / "pred.parquet"
    res = CliRunner().invoke(
        app,
        [
            "predict",
            "--model",
            str(out),
            "--db",
            f1_duckdb,
            "--at",
            "2005-01-01",
            "--out",
            str(target),
            "--cache-dir",
            str(cache),
        ],
    )
    assert res.exit_code == 0, res.output
    df = pd.read_parquet(target)
    assert list(df.columns) == ["driverId", "date", "prediction", "model", "created_at"]
    assert len(df) == 864 and df["prediction"].between(0, 1).all()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(num_neighbors=[128]), r"num_neighbors \[128\] must give one fanout per GNN layer"),
        (dict(precision="fp16"), r"precision 'fp16'"),
        (dict(batch_order="time"), r"batch_order 'time'"),
        (dict(seed_feature_max_pairs=0), r"seed_feature_max_pairs must be an integer >= 1 or None"),
    ],
)
def test_bad_config_names_the_setting(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kwargs)


def test_predict_without_a_model_says_how_to_make_one(tmp_path, f1_duckdb):
    with pytest.raises(
        FileNotFoundError, match=r"model.pt not found: train a model with rdl.train.train_task\("
    ):
        predict_at(tmp_path, f1_duckdb, "2010-01-01")
