"""One declaration per setting (`rdl.config`): the CLI options, the ``python -m rdl.train``
parser, the checks, the field -> flag map and ``rdl tune``'s search space all come from
it; the sections compose `TrainConfig` with flat reads; what the machine decides is not
written back; models are built from a `BackboneConfig`."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from rdl.cli import app
from rdl.cli.errors import OPTION
from rdl.config import OPTIONS, PANELS, ConfigError, ModelConfig, TrainConfig
from rdl.config.models import check_model_settings
from rdl.config.resolve import effective_precision
from rdl.scale.launch import config_args, parser
from rdl.train.tune import SPACE, suggest

ROOT = Path(__file__).resolve().parents[2]

#: a script that adds one toy setting to the model section (a subclass with one more
#: declared field), then drives the CLI: nothing else is written for the setting
TOY = r"""
import dataclasses, importlib, json, sys
from dataclasses import field
import typer
import rdl.config.sections as sec
from rdl.config.option import MODEL, option

@dataclasses.dataclass
class ToyModel(sec.ModelConfig):
    toy_width: int = field(default=3, metadata=option(
        "a toy setting", panel=MODEL, low=1, high=9))

sec.ModelConfig = ToyModel
sec.SECTIONS = (ToyModel,) + sec.SECTIONS[1:]
import rdl.config.train, rdl.config
importlib.reload(rdl.config.train)
importlib.reload(rdl.config)

from typer.testing import CliRunner
import rdl.cli.train as cli_train
from rdl.cli import app
from rdl.cli.errors import OPTION
from rdl.scale.launch import parser

seen = {}
real = cli_train.config_from_cli
def stop(*a, **k):
    seen["config"] = real(*a, **k)
    raise typer.Exit(0)
cli_train.config_from_cli = stop
runner = CliRunner()
base = ["train", "--db", "x.duckdb", "--task", "t"]
out = {"help": runner.invoke(app, ["train", "--help"], env={"COLUMNS": "100"}).output}
r = runner.invoke(app, base + ["--toy-width", "5"])
out["given"] = seen["config"].toy_width if r.exit_code == 0 else r.output
r = runner.invoke(app, base)
out["default"] = seen["config"].to_dict()["toy_width"]
r = runner.invoke(app, base + ["--toy-width", "12"])
out["error"], out["code"] = r.output, r.exit_code
out["flag"] = OPTION.get("toy_width")
out["launch"] = vars(parser().parse_args(["--db", "x", "--task", "t", "--toy-width", "7"]))["toy_width"]
print(json.dumps(out))
"""


def test_a_new_setting_is_one_declared_field():
    """A toy field: it is an option of ``rdl train`` (in its panel), reaches the config,
    is checked against its declared range, named by its flag in the error, and read by
    ``python -m rdl.train`` — with no other code written for it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-c", TOY], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    model_panel = out["help"].split("─ Model ")[1].split("╰")[0]
    assert "--toy-width" in model_panel and "a toy setting" in model_panel
    assert (out["given"], out["default"], out["launch"]) == (5, 3, 7)
    assert out["code"] == 1
    assert "option --toy-width: toy_width must be an integer in [1, 9] (got 12)" in out["error"]
    assert out["flag"] == "--toy-width"
    # control: the real CLI has no such option
    r = CliRunner().invoke(app, ["train", "--db", "x", "--task", "t", "--toy-width", "5"])
    assert r.exit_code != 0 and "No such option" in r.output


@pytest.mark.parametrize("command", ["train", "pretrain", "tune"])
def test_help_has_panels_and_fits_80_columns(command):
    r = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert max(map(len, lines)) <= 80, max(lines, key=len)
    assert "…" not in r.output  # no flag cut short
    for title in PANELS if command == "train" else ("Task", "Training"):
        assert f"─ {title} " in r.output, title
    assert not re.search(r"issue \d", r.output)
    wide = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"}).output
    assert max(map(len, wide.splitlines())) > 80  # control: the width follows COLUMNS


def test_every_setting_reaches_the_cli_the_launcher_and_the_flag_map():
    train = {p.name for p in typer.main.get_command(app).commands["train"].params}
    for name, opt in OPTIONS.items():
        assert OPTION[name] == (opt.cli_flag if name != "num_layers" else "--num-neighbors")
        if not opt.cli_hidden:
            assert name in train, name
    for extra in ("model", "nproc", "preset", "config"):
        assert OPTION[extra] == f"--{extra}"
    assert {"aggr", "encoder_layers", "heads", "shallow", "num_negatives"} <= train
    # pretrain's strategies are the sampler's, as train's
    from rdl.sampling.sampler import STRATEGIES

    helps = CliRunner().invoke(app, ["pretrain", "--help"], env={"COLUMNS": "200"}).output
    assert " | ".join(STRATEGIES) in helps


def test_declared_choices_are_the_registries():
    """``--help`` lists the names of a registry from the declaration (importing the
    registries at CLI start-up costs seconds); the check uses the registry itself."""
    with_registry = [o for o in OPTIONS.values() if o.registry]
    assert {o.name for o in with_registry} >= {
        "gnn",
        "pooling",
        "temporal_strategy",
        "text",
        "protocol",
    }
    for opt in with_registry:
        assert set(opt.names) == set(opt.allowed()), opt.name
    from rdl.graph.text import DEFAULT_TEXT

    assert OPTIONS["text"].default == DEFAULT_TEXT


def test_launcher_round_trips_every_setting():
    cfg = TrainConfig(
        epochs=2,
        entity_group_size=None,
        patience=3,
        seed_features=[],
        text="none",
        num_neighbors=[4, 4, 4],
        num_layers=3,
        shallow=True,
        heads=2,
        seed_feature_max_pairs=None,
        init="somewhere",
        stale_val=True,
    )
    args = vars(parser().parse_args(["--db", "x", "--task", "t", *config_args(cfg)]))
    for k in ("db", "task", "out", "cache_dir", "model", "no_baselines"):
        args.pop(k)
    assert TrainConfig(**args) == cfg
    assert TrainConfig(**{k: v for k, v in args.items() if k != "heads"}) != cfg  # control
    # rdl train's spellings are the launcher's
    args = vars(
        parser().parse_args(
            [
                "--db",
                "x",
                "--task",
                "t",
                "--no-text",
                "--entity-group-size",
                "0",
                "--seed-features",
                "none",
            ]
        )
    )
    assert (args["text"], args["entity_group_size"], args["seed_features"]) == ("none", None, [])


def test_checks_name_the_setting():
    for bad, field in [
        (dict(stale_prob=2), "stale_prob"),
        (dict(heads=0), "heads"),
        (dict(aggr="median"), "aggr"),
        (dict(num_negatives=-1), "num_negatives"),
        (dict(device="tpu"), "device"),
        (dict(lr=float("nan")), "lr"),
    ]:
        with pytest.raises(ConfigError) as e:
            TrainConfig(**bad)
        assert e.value.field == field
    with pytest.raises(ConfigError, match="unknown setting"):
        TrainConfig(learning_rate=1)
    TrainConfig(stale_prob=1, heads=1, aggr="max")  # control: the edges are allowed


def test_sections_compose_the_config_and_read_flat():
    cfg = TrainConfig(model=ModelConfig(channels=16), epochs=1)
    assert (cfg.channels, cfg.model.channels, cfg.optim.epochs, cfg.epochs) == (16, 16, 1, 1)
    cfg.stale_prob = 0.25
    assert cfg.selection.stale_prob == 0.25
    copy = dataclasses.replace(cfg, device="cuda:0")
    assert (copy.device, cfg.device, copy.channels) == ("cuda:0", "cpu", 16)
    assert cfg.replace(lr=0.01).lr == 0.01 and cfg.lr == 0.005
    flat = cfg.to_dict()
    assert "model" not in flat and flat["channels"] == 16 and flat["heads"] == 4
    # an old results.json config: no heads / shallow / num_negatives, precision resolved
    old = {k: v for k, v in flat.items() if k not in ("heads", "shallow", "num_negatives")}
    old["precision"] = "bf16"
    assert TrainConfig.from_dict(old).precision == "bf16"


def test_precision_is_resolved_apart():
    cfg = TrainConfig()
    assert cfg.precision == "auto" and cfg.to_dict()["precision"] == "auto"
    assert effective_precision(cfg) in ("bf16", "fp32")
    assert effective_precision(TrainConfig(precision="fp32")) == "fp32"
    with cfg.autocast():
        pass
    assert cfg.precision == "auto"


def test_model_only_settings_are_refused_for_other_models():
    with pytest.raises(ConfigError, match="two-tower") as e:
        check_model_settings(TrainConfig(shallow=True), "gnn")
    assert e.value.field == "shallow"
    with pytest.raises(ConfigError):
        check_model_settings(TrainConfig(), "idgnn", given={"num_negatives": 64})
    check_model_settings(TrainConfig(shallow=True, num_negatives=8), "two-tower")  # control
    check_model_settings(TrainConfig(), "gnn")
    r = CliRunner().invoke(
        app, ["train", "--db", "x.duckdb", "--task", "t", "--model", "idgnn", "--shallow"]
    )
    assert r.exit_code == 1 and "option --shallow" in r.output and "two-tower" in r.output


def test_search_space_comes_from_the_declarations():
    assert set(SPACE) == {n for n, o in OPTIONS.items() if o.tune is not None}
    assert {"lr", "stale_prob", "seed_features"} <= set(SPACE)

    class Trial:  # optuna's interface: the first value of each range
        def suggest_float(self, name, low, high, log=False):
            return low

        def suggest_categorical(self, name, values):
            return values[0]

    cfg = suggest(Trial(), TrainConfig())
    assert cfg.seed_features == [] and cfg.lr == SPACE["lr"][1][0]
    assert suggest(Trial(), TrainConfig(protocol="rolling")).stale_prob == 0.5  # not searched


def test_heads_reach_the_attention_layers(tmp_path):
    from rdl.nn import RDLModel
    from rdl.train.entity import model_kwargs
    from tests.fixtures.nn import small_graph

    graph = small_graph(tmp_path)

    def conv_heads(heads):
        cfg = TrainConfig(channels=8, encoder_layers=1, gnn="gat", heads=heads)
        model = RDLModel(**model_kwargs(graph, "items", 1, cfg))
        conv = next(iter(model.backbone.gnn.convs[0].convs.values()))
        return conv.heads, model.backbone.config.heads

    assert conv_heads(2) == (2, 2)
    assert conv_heads(4) == (4, 4)
    with pytest.raises(ValueError, match="heads"):
        conv_heads(3)  # 3 heads do not divide 8 channels


def test_pretrain_settings_are_declared_too():
    from rdl.config.pretrain import PRETRAIN_OPTIONS, PretrainConfig

    params = {p.name for p in typer.main.get_command(app).commands["pretrain"].params}
    assert set(PRETRAIN_OPTIONS) <= params
    assert {"epochs", "gnn", "heads", "temporal_strategy"} <= params  # TrainConfig's
    assert "stale_prob" not in params  # not a setting of pretraining
    with pytest.raises(ConfigError) as e:
        PretrainConfig(num_views=1)
    assert e.value.field == "num_views" and OPTION["num_views"] == "--views"
    with pytest.raises(ConfigError, match="val_fraction must be < 1"):
        PretrainConfig(val_fraction=1.0)
    assert PretrainConfig(num_views=2, active_within_days=None).num_views == 2  # control
