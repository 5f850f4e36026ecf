"""``rdl train``'s settings -> `TrainConfig`: the defaults, a ``--preset`` or a ``--config``
file, with every option given on the command line on top. The options themselves are
generated from the settings' declarations (`rdl.cli.config_options`)."""

from __future__ import annotations

from pathlib import Path

from rdl.cli.config_options import Settings


def parse_fanouts(text: str) -> list[int]:
    """``"128,64"`` -> ``[128, 64]`` (`rdl.config.OPTIONS` ``["num_neighbors"]``).

    Raises:
        ConfigError: not integers >= -1 separated by commas.
    """
    from rdl.config import OPTIONS

    return OPTIONS["num_neighbors"].parse(text)


def config_from_cli(settings: Settings, preset: str | None, config_file: str | None):
    """The `TrainConfig` of an ``rdl train`` call: `TrainConfig`'s defaults, or the
    ``--preset``, or the ``--config`` file (`rdl tune`'s ``best_config.json``, a
    ``results.json``'s ``"config"``), with every option given on the command line on top.

    Raises:
        ConfigError: both ``--preset`` and ``--config``; a file that cannot be read or
            holds unknown settings; a setting out of range.
    """
    import json

    from rdl.config import ConfigError, TrainConfig, preset_config

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
        raise ConfigError(
            "config", f"option --config {config_file!r}: cannot read it ({e.strerror or e})"
        ) from None
    except (ValueError, TypeError, AttributeError) as e:
        flag = f"--preset {preset!r}" if preset else f"--config {config_file!r}"
        raise ConfigError("preset" if preset else "config", f"option {flag}: {e}") from None
    return settings.config(base)
