"""`TrainConfig` and its errors, as `rdl.train.config` has always exported them; declared
in `rdl.config` (one declaration per setting)."""

from __future__ import annotations

from rdl.config import OPTIONS, PRESETS, ConfigError, TrainConfig, preset_config
from rdl.config.resolve import effective_precision, resolved

AGGRS = OPTIONS["aggr"].names
PRECISIONS = OPTIONS["precision"].names
BATCH_ORDERS = tuple(reversed(OPTIONS["batch_order"].names))  # ("random", "entity")
SEED_FEATURES = OPTIONS["seed_features"].names

__all__ = [
    "AGGRS",
    "BATCH_ORDERS",
    "OPTIONS",
    "PRECISIONS",
    "PRESETS",
    "SEED_FEATURES",
    "ConfigError",
    "TrainConfig",
    "effective_precision",
    "preset_config",
    "resolved",
]
