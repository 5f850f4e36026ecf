"""Reproducible configurations: ``rdl train``'s options reach `TrainConfig`, its defaults
are `TrainConfig`'s, ``--preset relbench-2024`` is rdl's GNN without the stale-history,
seed-feature and blend levers, and ``--config FILE`` round-trips."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

import rdl.cli.train as cli_train
from rdl.cli import app
from rdl.train import TrainConfig
from rdl.train.config import OPTIONS, PRESETS, preset_config

REAL_CONFIG_FROM_CLI = cli_train.config_from_cli


def _parsed(monkeypatch, args) -> TrainConfig:
    """The config ``rdl train ARGS`` would train with (stopped before any training)."""
    seen, real = {}, REAL_CONFIG_FROM_CLI

    def stop(*a, **k):
        seen["config"] = real(*a, **k)
        raise typer.Exit(0)

    monkeypatch.setattr(cli_train, "config_from_cli", stop)
    r = CliRunner().invoke(app, ["train", "--db", "x.duckdb", "--task", "t", *args])
    assert r.exit_code == 0, r.output
    return seen["config"]


def test_options_given_on_the_command_line_reach_the_config(monkeypatch):
    cfg = _parsed(
        monkeypatch,
        [
            "--seed",
            "43",
            "--protocol",
            "rolling",
            "--stale-val",
            "--stale-prob",
            "0.3",
            "--time-reference",
            "cutoff",
            "--seed-features",
            "aggregates,past_labels",
            "--blend",
            "--num-neighbors",
            "4,4,4",
            "--entity-group-size",
            "0",
            "--temporal-strategy",
            "mixed",
            "--no-text",
        ],
    )
    assert (cfg.seed, cfg.protocol, cfg.stale_val, cfg.stale_prob) == (43, "rolling", True, 0.3)
    assert cfg.time_reference == "cutoff" and cfg.blend and cfg.text == "none"
    assert cfg.seed_features == ["aggregates", "past_labels"]
    assert cfg.num_neighbors == [4, 4, 4] and cfg.num_layers == 3
    assert cfg.entity_group_size is None and cfg.temporal_strategy == "mixed"


def test_cli_defaults_are_the_config_defaults(monkeypatch):
    """With no option given the CLI trains `TrainConfig()` — and every option's shown
    default is `TrainConfig`'s (a control that the two cannot drift apart)."""
    assert _parsed(monkeypatch, []) == TrainConfig()
    command = typer.main.get_command(app).commands["train"]
    base = TrainConfig()
    shown = {p.name: p.default for p in command.params if p.name in OPTIONS}
    assert len(shown) >= 30  # every declared setting of rdl train is an option
    for name, default in shown.items():
        opt = OPTIONS[name]
        value = opt.parse(default) if isinstance(opt.default, list) else opt.from_cli(default)
        assert value == getattr(base, name), name


def test_preset_relbench_2024_is_the_gnn_before_issue_9(monkeypatch):
    cfg = _parsed(monkeypatch, ["--preset", "relbench-2024", "--seed", "44"])
    assert cfg == preset_config("relbench-2024", seed=44)
    assert (
        cfg.stale_prob,
        cfg.time_reference,
        cfg.stale_val,
        cfg.seed_features,
        cfg.blend,
        cfg.temporal_strategy,
        cfg.pooling,
    ) == (0.0, "seed", False, [], False, "uniform", "seed")
    assert (cfg.epochs, cfg.lr, cfg.batch_size, cfg.channels, cfg.num_neighbors) == (
        10,
        0.005,
        512,
        128,
        [128, 64],
    )
    assert set(PRESETS["relbench-2024"]) <= set(TrainConfig().to_dict())
    with pytest.raises(ValueError, match="unknown preset 'relbench-1999'") as e:
        preset_config("relbench-1999")
    assert "--" not in str(e.value)  # a Python caller is not told about a flag


def test_config_file_round_trips_and_the_command_line_wins(monkeypatch, tmp_path):
    saved = TrainConfig(lr=0.002, channels=64, stale_prob=0.4, seed_features=["past_labels"])
    path = tmp_path / "best_config.json"
    path.write_text(json.dumps(saved.to_dict()))
    assert _parsed(monkeypatch, ["--config", str(path)]) == saved
    cfg = _parsed(monkeypatch, ["--config", str(path), "--lr", "0.01"])
    assert cfg.lr == 0.01 and cfg.channels == 64
    # a results.json's "config" works too; unknown keys are named
    path.write_text(json.dumps({"config": saved.to_dict()}))
    assert _parsed(monkeypatch, ["--config", str(path)]) == saved
    with pytest.raises(ValueError, match="unknown setting"):
        TrainConfig.from_dict({"learning_rate": 1})
