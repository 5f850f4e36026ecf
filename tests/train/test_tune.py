"""``rdl tune`` (issue 9, lever 6): optuna search within a time budget, chosen on val."""

from __future__ import annotations

import json
import time

from typer.testing import CliRunner

from rdl.cli import app
from rdl.train import TrainConfig
from rdl.train.tune import tune

TINY = dict(
    epochs=2,
    channels=8,
    encoder_layers=1,
    num_neighbors=[8, 4],
    batch_size=256,
    max_steps_per_epoch=3,
    text=False,
    seed=3,
    precision="fp32",
    threads=1,
)


def test_tune_stays_within_its_budget_and_writes_a_usable_config(f1_duckdb, tmp_path):
    budget = 12.0
    t0 = time.perf_counter()
    res = tune(
        f1_duckdb,
        "rel-f1/driver-top3",
        budget,
        base=TrainConfig(**TINY),
        out_dir=tmp_path / "tune",
        cache_dir=tmp_path / "cache",
    )
    assert res.seconds <= budget + 8  # one mini-batch and one validation pass at most
    assert time.perf_counter() - t0 < 120  # loading the graph is outside the budget
    assert len(res.trials) >= 1 and res.metric == "roc_auc"
    assert res.best_value is not None
    best = json.loads((tmp_path / "tune" / "best_config.json").read_text())
    assert TrainConfig.from_dict(best) == res.best_config
    assert res.best_config.epochs == 2 and res.best_config.channels in (64, 128)
    done = res.trials[res.trials["state"] == "COMPLETE"]
    assert res.best_value == done["value"].max()  # the best on validation
    assert (tmp_path / "tune" / "trials.csv").read_text().startswith("number,state,value")


def test_tune_trial_cap_and_cli(f1_duckdb, tmp_path):
    out = tmp_path / "t"
    base = tmp_path / "tiny.json"
    base.write_text(json.dumps(TrainConfig(**TINY).to_dict()))
    r = CliRunner().invoke(
        app,
        [
            "tune",
            "--db",
            f1_duckdb,
            "--task",
            "rel-f1/driver-top3",
            "--budget",
            "60",
            "--trials",
            "1",
            "--epochs",
            "1",
            "--config",
            str(base),
            "--out",
            str(out),
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "best val roc_auc" in r.output
    assert len(open(out / "trials.csv").read().strip().splitlines()) == 2  # header + 1
    cfg = TrainConfig.from_dict(json.loads((out / "best_config.json").read_text()))
    assert cfg.epochs == 1 and cfg.seed == 42 and cfg.encoder_layers == 1
