"""The three commands end to end on rel-f1 (built by ``rdl datasets build``), as a user of
a fresh clone types them: ``rdl pretrain --task``, ``rdl train --init``, ``rdl embed``."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

import rdl
from rdl.cli import app

SMALL = [
    "--channels",
    "16",
    "--num-neighbors",
    "8,4",
    "--threads",
    "1",
    "--no-text",
    "--precision",
    "fp32",
]


def test_pretrain_train_init_embed_on_rel_f1(f1_duckdb, tmp_path):
    runner = CliRunner()
    cache = ["--cache-dir", str(tmp_path / "cache")]
    pre = tmp_path / "pre"
    res = runner.invoke(
        app,
        [
            "pretrain",
            "--db",
            f1_duckdb,
            "--entity-table",
            "drivers",
            "--task",
            "rel-f1/driver-top3",
            "--epochs",
            "1",
            "--out",
            str(pre),
            "--batch-size",
            "32",
            "--max-steps-per-epoch",
            "2",
            "--views",
            "2",
            *SMALL,
            *cache,
        ],
    )
    assert res.exit_code == 0, res.output
    assert "held-out relation accuracy" in res.output
    info = json.loads((pre / "pretrain.json").read_text())
    assert info["entity_table"] == "drivers" and info["task"] == "driver-top3"
    assert pd.Timestamp(info["seed_until"]) == pd.Timestamp("2005-01-01")
    assert pd.Timestamp(info["stats_until"]) == pd.Timestamp("2010-01-01")

    run = tmp_path / "run"
    res = runner.invoke(
        app,
        [
            "train",
            "--db",
            f1_duckdb,
            "--task",
            "rel-f1/driver-dnf",
            "--init",
            str(pre),
            "--epochs",
            "1",
            "--max-steps-per-epoch",
            "2",
            "--batch-size",
            "256",
            "--no-baselines",
            "--out",
            str(run),
            *SMALL,
            *cache,
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads((run / "results.json").read_text())["config"]["init"] == str(pre)

    for model, n_cols in ((pre, 18), (run, 18)):
        out = tmp_path / f"{model.name}.parquet"
        res = runner.invoke(
            app,
            [
                "embed",
                "--model",
                str(model),
                "--db",
                f1_duckdb,
                "--at",
                "2004-06-01",
                "--out",
                str(out),
                *cache,
            ],
        )
        assert res.exit_code == 0, res.output
        df = pd.read_parquet(out)
        assert list(df.columns[:3]) == ["driverId", "timestamp", "e_0"] and df.shape[1] == n_cols
        assert len(df) == len(rdl.connect(f1_duckdb)["drivers"])  # static table: every driver
