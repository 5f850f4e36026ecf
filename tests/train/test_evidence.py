"""Every run says what its figures are worth: the pick over models and baselines, a 95%
interval for every val/test metric, the metric at each seed time, the number of positives;
every model's and baseline's predictions (the blend too) land in predictions.parquet."""

from __future__ import annotations

import pytest

from rdl.db.write import to_url
from rdl.results import read_predictions
from rdl.train import TrainConfig, train_task
from rdl.train.evidence import select
from tests.fixtures.toy_signal import SignalTask, toy_db

CFG = dict(
    epochs=1,
    channels=8,
    encoder_layers=1,
    num_neighbors=[16, 4],
    batch_size=64,
    text=False,
    seed=5,
    max_steps_per_epoch=3,
)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("evidence")
    url = f"duckdb:///{tmp / 'toy.duckdb'}"
    to_url(toy_db(num_users=80), url)
    results = train_task(
        url, SignalTask, TrainConfig(**CFG), tmp / "run", progress=False, cache_dir=tmp / "cache"
    )
    return results, tmp / "run"


def test_the_pick_is_explicit_over_models_and_baselines(run):
    results, _ = run
    sel = results["selected"]
    assert set(sel) == {"name", "section", "split", "metric", "value"}
    assert sel["metric"] == "roc_auc" and sel["split"] == "val"
    every = {**results["models"], **results["baselines"]}
    assert sel["value"] == max(
        e["val"]["roc_auc"] for e in every.values() if e["val"].get("roc_auc") is not None
    )


def test_every_metric_has_an_interval_and_per_time_values(run):
    results, _ = run
    for section in ("models", "baselines"):
        for name, entry in results[section].items():
            for split in ("val", "test"):
                for metric in results["metrics"]:
                    iv = entry["intervals"][split][metric]
                    value = entry[split][metric]
                    if iv is not None and value is not None:
                        assert iv["low"] - 1e-9 <= value <= iv["high"] + 1e-9, (name, metric)
                assert entry["by_time"][split]["roc_auc"]  # per seed time, ISO keys
    assert set(results["positives"]) == {"val", "test"}


def test_every_model_and_baseline_has_its_predictions(run):
    results, out = run
    preds = read_predictions(out)
    for name in [*results["models"], *results["baselines"]]:
        assert name in preds.columns, name
    assert {"lightgbm_cutoff", "blend"} <= set(preds.columns)


def test_select_prefers_lower_errors_and_the_selection_split():
    results = {
        "metrics": ["mae"],
        "models": {"gnn": {"val": {"mae": 2.0}, "val_stale": {"mae": 3.0}}},
        "baselines": {"median": {"val": {"mae": 2.5}}},
    }
    assert select(results)["name"] == "gnn"
    # like with like: on the stale validation only the entries scored on it compete
    assert select(results, "val_stale") == {
        "name": "gnn",
        "section": "models",
        "split": "val_stale",
        "metric": "mae",
        "value": 3.0,
    }
    results["baselines"]["median"]["val_stale"] = {"mae": 2.9}  # control: now it competes
    assert select(results, "val_stale")["name"] == "median"
