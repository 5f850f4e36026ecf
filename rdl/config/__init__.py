"""The settings of a run, one declaration each: the sections (`sections`), their
composition `TrainConfig` (`train`), the declaration machinery (`option`) and what the
machine decides from them (`resolve`). Light to import (the CLI builds its options from
it at start-up)."""

from rdl.config.option import PANELS, ConfigError, Option, option
from rdl.config.sections import (
    InputConfig,
    ModelConfig,
    OptimConfig,
    RuntimeConfig,
    SamplingConfig,
    SelectionConfig,
)
from rdl.config.train import OPTIONS, PRESETS, TrainConfig, preset_config

__all__ = [
    "OPTIONS",
    "PANELS",
    "PRESETS",
    "ConfigError",
    "InputConfig",
    "ModelConfig",
    "OptimConfig",
    "Option",
    "RuntimeConfig",
    "SamplingConfig",
    "SelectionConfig",
    "TrainConfig",
    "option",
    "preset_config",
]
