"""``rdl train``'s options -> `TrainConfig`: the defaults, a ``--preset`` or a ``--config``
file, with every option given on the command line on top."""

from __future__ import annotations

from pathlib import Path

import typer


def parse_fanouts(text: str) -> list[int]:
    """``"128,64"`` -> ``[128, 64]``.

    Raises:
        ConfigError: not integers >= -1 separated by commas.
    """
    from rdl.train.config import ConfigError

    try:
        fan = [int(x) for x in text.split(",")]
    except ValueError:
        fan = None
    if not fan or any(v < -1 for v in fan):
        raise ConfigError("num_neighbors", f"option --num-neighbors {text!r}: write one "
                          "integer >= -1 per GNN layer (-1: all neighbours), separated by "
                          "commas, e.g. --num-neighbors 128,64")
    return fan


#: ``rdl train`` parameter -> (TrainConfig field, conversion of the CLI value)
_FIELDS = {
    "epochs": ("epochs", None), "seed": ("seed", None), "lr": ("lr", None),
    "batch_size": ("batch_size", None), "channels": ("channels", None),
    "num_neighbors": ("num_neighbors", lambda v: parse_fanouts(v)),
    "temporal_strategy": ("temporal_strategy", None), "pooling": ("pooling", None),
    "gnn": ("gnn", None), "patience": ("patience", None),
    "text": ("text", None), "no_text": ("text", lambda v: "none" if v else None),
    "precision": ("precision", None), "max_steps": ("max_steps_per_epoch", None),
    "min_steps": ("min_steps_per_epoch", None), "storage": ("storage", None),
    "device": ("device", None),
    "batch_order": ("batch_order", None), "threads": ("threads", None),
    "group_size": ("entity_group_size", lambda v: v or None), "protocol": ("protocol", None),
    "stale_prob": ("stale_prob", None), "time_reference": ("time_reference", None),
    "stale_val": ("stale_val", None),
    "seed_features": ("seed_features", lambda v: [p for p in v.split(",") if p and p != "none"]),
    "blend": ("blend", None), "init": ("init", None),
    "seed_feature_max_pairs": ("seed_feature_max_pairs", lambda v: v or None),
}


def config_from_cli(ctx: typer.Context, preset: str | None, config_file: str | None,
                    values: dict):
    """The `TrainConfig` of an ``rdl train`` call: `TrainConfig`'s defaults, or the
    ``--preset``, or the ``--config`` file (`rdl tune`'s ``best_config.json``, a
    ``results.json``'s ``"config"``), with every option given on the command line on top."""
    import json

    from rdl.train import TrainConfig
    from rdl.train.config import ConfigError, preset_config

    if preset and config_file:
        raise ConfigError("preset", "give --preset or --config, not both")
    base = {}
    try:
        if preset:
            base = preset_config(preset).to_dict()
        elif config_file:
            data = json.loads(Path(config_file).read_text())
            base = TrainConfig.from_dict(data.get("config", data), config_file).to_dict()
    except ConfigError:
        raise
    except OSError as e:
        raise ConfigError("config", f"option --config {config_file!r}: cannot read it "
                          f"({e.strerror or e})") from None
    except (ValueError, TypeError, AttributeError) as e:
        flag = f"--preset {preset!r}" if preset else f"--config {config_file!r}"
        raise ConfigError("preset" if preset else "config", f"option {flag}: {e}") from None
    for name, (field, conv) in _FIELDS.items():
        source = ctx.get_parameter_source(name)
        if getattr(source, "name", None) in ("COMMANDLINE", "ENVIRONMENT"):
            value = conv(values[name]) if conv else values[name]
            if value is not None or field != "text":
                base[field] = value
            if field == "num_neighbors":
                base["num_layers"] = len(base[field])
    return TrainConfig.from_dict(base)
