"""`TrainConfig`: every setting of a training run, composed of the sections of
`rdl.config.sections` and read flat."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from dataclasses import dataclass, field

from rdl.config.option import ConfigError, Option, declared
from rdl.config.sections import (
    SECTIONS,
    InputConfig,
    ModelConfig,
    OptimConfig,
    RuntimeConfig,
    SamplingConfig,
    SelectionConfig,
)

#: setting name -> its declaration (`rdl.config.option.Option`), in section order
OPTIONS: dict[str, Option] = {n: o for cls in SECTIONS for n, o in declared(cls).items()}
_SECTION_OF = {n: o.section for n, o in OPTIONS.items()}


@dataclass(init=False)
class TrainConfig:
    """Training settings, by concern: ``model`` (`ModelConfig`), ``optim``
    (`OptimConfig`), ``sampling`` (`SamplingConfig`), ``inputs`` (`InputConfig`),
    ``selection`` (`SelectionConfig`), ``runtime`` (`RuntimeConfig`). Every setting is
    also read and written flat (``config.channels``, ``config.stale_prob = 0``) and given
    flat to the constructor (``TrainConfig(epochs=1, channels=16)``); a section may be
    given whole (``TrainConfig(model=ModelConfig(channels=16))``), flat settings on top.

    Each setting is declared once, with its help, range and choices, in
    `rdl.config.sections` (`OPTIONS` lists them). rdl's defaults differ from RelBench's
    example in two speed settings measured to keep accuracy on rel-f1
    (``batch_order="entity"``, ``precision="auto"``), and the seed gets tabular inputs of
    its own (``seed_features``) with a GNN + LightGBM blend reported (``blend``);
    ``preset_config("relbench-2024")`` is rdl's GNN without those levers.

    What the machine decides from the settings (``precision="auto"`` -> bf16 or fp32, the
    threads, the device) is not written back: `rdl.config.resolve.resolved` reports it
    (``results["resolved"]``).

    Raises:
        ConfigError: a setting out of its range (its ``field`` names it), or an unknown
            keyword (``field`` is the keyword).
    """

    model: ModelConfig = field(default_factory=ModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    inputs: InputConfig = field(default_factory=InputConfig)
    selection: SelectionConfig = field(default_factory=SelectionConfig)
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)

    def __init__(
        self,
        model: ModelConfig | None = None,
        optim: OptimConfig | None = None,
        sampling: SamplingConfig | None = None,
        inputs: InputConfig | None = None,
        selection: SelectionConfig | None = None,
        runtime: RuntimeConfig | None = None,
        **settings,
    ):
        given = dict(
            model=model,
            optim=optim,
            sampling=sampling,
            inputs=inputs,
            selection=selection,
            runtime=runtime,
        )
        for f in dataclasses.fields(self):
            section = given[f.name]
            object.__setattr__(
                self,
                f.name,
                dataclasses.replace(section)
                if section is not None
                else typing.cast(Callable[[], object], f.default_factory)(),
            )
        unknown = sorted(set(settings) - set(OPTIONS))
        if unknown:
            raise ConfigError(
                unknown[0], f"unknown setting(s) {unknown}; TrainConfig has {sorted(OPTIONS)}"
            )
        for name, value in settings.items():
            setattr(self, name, value)
        self.validate()

    def __getattr__(self, name: str):
        section = _SECTION_OF.get(name)
        if section is None:
            raise AttributeError(f"'TrainConfig' object has no attribute {name!r}")
        return getattr(object.__getattribute__(self, section), name)

    def __setattr__(self, name: str, value) -> None:
        section = _SECTION_OF.get(name)
        if section is None:
            object.__setattr__(self, name, value)
        else:
            setattr(object.__getattribute__(self, section), name, value)

    def validate(self) -> None:
        """Check (and normalise) every setting against its declaration, then the rules
        between settings (one fanout per GNN layer).

        Raises:
            ConfigError: the first setting out of range; its ``field`` names it.
        """
        for name, opt in OPTIONS.items():
            setattr(self, name, opt.check(getattr(self, name)))
        if len(self.num_neighbors) != self.num_layers:
            raise ConfigError(
                "num_neighbors",
                f"num_neighbors {self.num_neighbors} must give "
                f"one fanout per GNN layer (num_layers={self.num_layers})",
            )

    def autocast(self):
        """The autocast context of the effective precision (`rdl.config.resolve`; a no-op
        for fp32)."""
        from rdl.config.resolve import autocast

        return autocast(self)

    def to_dict(self) -> dict:
        """Every setting, flat (``results.json``'s ``"config"``)."""
        return {name: _copy(getattr(self, name)) for name in OPTIONS}

    def replace(self, **settings) -> TrainConfig:
        """A copy with ``settings`` changed (flat names)."""
        return TrainConfig(**{**self.to_dict(), **settings})

    @classmethod
    def from_dict(cls, values: dict, where: str = "config") -> TrainConfig:
        """A config from ``to_dict()``'s output (``results.json``'s ``"config"``, `rdl
        tune`'s ``best_config.json``, old ones included).

        Raises:
            ValueError: a key that is not a setting (the message lists them).
            ConfigError: a value out of range.
        """
        unknown = sorted(set(values) - set(OPTIONS))
        if unknown:
            raise ValueError(
                f"{where}: unknown setting(s) {unknown}; TrainConfig has {sorted(OPTIONS)}"
            )
        return cls(**values)


def _copy(value):
    return list(value) if isinstance(value, list) else value


#: Named configurations (``rdl train --preset NAME``). ``relbench-2024``: rdl's GNN without
#: the stale-history, seed-feature and blend levers (RelBench's example settings plus rdl's
#: two speed settings), kept so its figures stay reproducible.
PRESETS: dict[str, dict] = {
    "relbench-2024": dict(
        epochs=10,
        lr=0.005,
        batch_size=512,
        channels=128,
        num_layers=2,
        num_neighbors=[128, 64],
        temporal_strategy="uniform",
        aggr="sum",
        pooling="seed",
        encoder_layers=4,
        patience=None,
        max_steps_per_epoch=2000,
        text=True,
        precision="auto",
        batch_order="entity",
        entity_group_size=8,
        stale_prob=0.0,
        time_reference="seed",
        stale_val=False,
        seed_features=[],
        blend=False,
        min_steps_per_epoch=0,
        gnn="sage",
    ),
}


def preset_config(name: str, **overrides) -> TrainConfig:
    """`TrainConfig` of the preset ``name`` (`PRESETS`) with ``overrides`` on top.

    Raises:
        ValueError: an unknown preset name (the message lists the known ones).
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; known presets: {sorted(PRESETS)}")
    return TrainConfig.from_dict({**PRESETS[name], **overrides}, f"preset {name!r}")


__all__ = ["OPTIONS", "PRESETS", "TrainConfig", "preset_config"]
