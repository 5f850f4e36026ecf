"""One declaration per setting: `option` metadata on a config dataclass field.

A field of a config section (`rdl.config.sections`) says everything about itself once::

    stale_prob: float = field(default=0.5, metadata=option(
        "probability that a training seed is sampled at an earlier cut-off",
        panel=PROTOCOL, low=0, high=1, tune=("float", (0.0, 0.8))))

From that declaration come the check of the value (`Option.check`: its type, range and
choices; a bad value raises `ConfigError` naming the field), the ``rdl train`` /
``rdl pretrain`` / ``rdl tune`` options and their ``--help`` panel (`rdl.cli.config_options`),
the ``python -m rdl.train`` parser (`rdl.scale.launch`), the field -> flag map of the CLI's
messages (`rdl.cli.errors.OPTION`) and ``rdl tune``'s search space (`rdl.train.tune.SPACE`).

This module imports nothing heavy: registries named by ``registry="module:NAME"`` (the GNN
layers, the poolings, the sampler's strategies) are imported only when a value is checked.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import typing
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

from rdl.db.errors import RdlError

#: the panels of ``--help``, in the order they are shown
TASK, MODEL, TRAINING = "Task", "Model", "Training"
PROTOCOL, DATA, SCALE = "Protocol and selection", "Data and schema", "Scale and device"
PANELS = (TASK, MODEL, TRAINING, PROTOCOL, DATA, SCALE)

#: the commands a setting may be an option of (``launch``: ``python -m rdl.train``, which
#: takes every setting)
COMMANDS = ("train", "pretrain", "tune")

_KEY = "rdl_option"


class ConfigError(RdlError, ValueError):
    """A config value out of its range. ``field`` names the attribute (the CLI maps it to
    its option, e.g. ``epochs`` -> ``--epochs``; `rdl.cli.errors.OPTION`)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Option:
    """The declaration of one setting (see the module docstring).

    Attributes:
        help: one sentence for ``--help`` (the choices and default are added to it).
        panel: its ``--help`` panel (`PANELS`).
        flag: the CLI spelling (default ``--`` + the name with dashes).
        low, high: the smallest / largest value allowed (``low_open``: ``low`` itself not).
        choices: the allowed values: a tuple or a ``Literal[...]``.
        registry: ``"module:NAME"`` of the registry the value must be in (checked lazily;
            ``choices`` then lists its names for ``--help``; a test keeps them equal).
        none_flag: the CLI value that means ``None`` (``0`` for "no limit"); the CLI then
            takes a plain value instead of an optional one; ``none_means`` says what.
        parse_hint: what a CLI string must look like (the message of `parse`).
        aliases: extra boolean flags that set a value (``{"--no-text": "none"}``).
        tune: ``rdl tune``'s search space for it (``("float-log", (lo, hi))``,
            ``("float", (lo, hi))``, ``("categorical", values)``; CLI strings are parsed
            like the option's) or ``None``.
        commands: the commands that show it as an option (`COMMANDS`).
        normalize: ``value -> value`` applied before the check (may raise ``ValueError``).
        check_fn: ``value -> message | None``: a rule the generic checks cannot express.
        cli_hidden: ``True`` for a setting another option sets (``num_layers``).
        implies: ``value -> {setting: value}``: what giving this option on the command
            line also sets (``--num-neighbors 128,64`` -> ``num_layers=2``).
        models: the ``--model`` s that use it (empty: every model); another model refuses
            a value other than the default (`rdl.config.models.check_model_settings`).
        name, section, kind, nullable, default: filled in from the dataclass field.
    """

    help: str
    panel: str
    flag: str | None = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: Any = None
    registry: str | None = None
    none_flag: Any = None
    none_means: str = ""
    parse_hint: str = ""
    aliases: dict = dataclasses.field(default_factory=dict)
    tune: tuple | None = None
    commands: tuple = ("train",)
    normalize: Callable | None = None
    check_fn: Callable | None = None
    cli_hidden: bool = False
    implies: Callable | None = None
    models: tuple = ()
    name: str = ""
    section: str = ""
    kind: Any = None
    nullable: bool = False
    default: Any = None

    # ---- what the declaration says --------------------------------------------------
    @property
    def cli_flag(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def names(self) -> tuple:
        """The allowed values for ``--help`` (empty when any value of the type goes)."""
        c = self.choices
        if c is None:
            return ()
        return tuple(typing.get_args(c)) if typing.get_origin(c) is typing.Literal else tuple(c)

    def allowed(self) -> tuple:
        """The allowed values for the check: the registry's, else `names`."""
        if self.registry:
            module, _, attr = self.registry.partition(":")
            return tuple(getattr(importlib.import_module(module), attr))
        return self.names

    # ---- the check --------------------------------------------------------------------
    def check(self, value):
        """``value`` normalised and checked against the declaration.

        Raises:
            ConfigError: a value of the wrong type, out of range or not a choice; the
                message names the field and what it accepts.
        """
        name = self.name
        if self.normalize is not None:
            try:
                value = self.normalize(value)
            except ValueError as e:
                raise ConfigError(name, str(e)) from None
        if value is None:
            if self.nullable:
                return None
            raise ConfigError(name, f"{name} must be set (got None)")
        kind = self.kind
        if kind in (int, float):
            ok = not isinstance(value, bool) and isinstance(
                value, Integral if kind is int else Real
            )
            if kind is float and ok and not math.isfinite(value):
                ok = False
            if not ok:
                raise ConfigError(name, f"{name} must be {self._rule()} (got {value!r})")
            if (
                self.low is not None and (value < self.low or (self.low_open and value == self.low))
            ) or (self.high is not None and value > self.high):
                raise ConfigError(name, f"{name} must be {self._rule()} (got {value!r})")
            value = int(value) if kind is int else float(value)
        elif kind is bool:
            if not isinstance(value, bool):
                raise ConfigError(name, f"{name} must be True or False (got {value!r})")
        elif kind is str:
            if not isinstance(value, str):
                raise ConfigError(name, f"{name} must be a string (got {value!r})")
        elif typing.get_origin(kind) is list:
            value = self._check_list(value)
        allowed = self.allowed()
        if allowed and typing.get_origin(kind) is not list and value not in allowed:
            raise ConfigError(name, f"{name} {value!r} is not one of {list(allowed)}")
        if self.check_fn is not None:
            message = self.check_fn(value)
            if message:
                raise ConfigError(name, f"{name} {message} (got {value!r})")
        return value

    def _rule(self) -> str:
        what = "an integer" if self.kind is int else "a finite number"
        if self.low is not None and self.high is not None:
            rule = f"{what} in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}]"
        elif self.low is not None:
            rule = f"{what} {'>' if self.low_open else '>='} {self.low:g}"
        else:
            rule = what
        return rule + (" or None" if self.nullable else "")

    def _check_list(self, value) -> list:
        (item,) = typing.get_args(self.kind)
        if isinstance(value, str) and item is str:
            value = [p for p in value.split(",") if p and p != "none"]
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
            raise ConfigError(self.name, f"{self.name} must be a list (got {value!r})")
        value = list(value)
        allowed = self.allowed()
        for v in value:
            bad = (
                (
                    isinstance(v, bool)
                    or not isinstance(v, Integral)
                    or (self.low is not None and v < self.low)
                )
                if item is int
                else (allowed and v not in allowed)
            )
            if bad:
                what = (
                    f"a list of integers >= {self.low:g}"
                    if item is int
                    else f"any of {list(allowed)}"
                )
                raise ConfigError(self.name, f"{self.name} must be {what} (got {value!r})")
        return [int(v) for v in value] if item is int else value

    # ---- the command line -------------------------------------------------------------
    def parse(self, text: str):
        """A CLI string -> the value (``"128,64"`` -> ``[128, 64]``, ``"none"`` -> ``None``
        for an optional setting or ``[]`` for a list, ``none_flag`` -> ``None``).

        Raises:
            ConfigError: a string the setting's type cannot read.
        """
        if isinstance(text, str) and text.strip().lower() in ("none", "") and self.nullable:
            return None
        kind = self.kind
        try:
            if typing.get_origin(kind) is list:
                (item,) = typing.get_args(kind)
                parts = [p.strip() for p in str(text).split(",") if p.strip()]
                if item is str:
                    return [p for p in parts if p != "none"]
                values = [int(p) for p in parts]
                if not values or (self.low is not None and min(values) < self.low):
                    raise ValueError(text)
                return values
            if kind is bool:
                return str(text).lower() in ("1", "true", "yes", "on")
            value = kind(text) if kind in (int, float) else text
        except ValueError:
            example = "128,64" if typing.get_origin(kind) is list else "1"
            hint = self.parse_hint or self.describe_type()
            raise ConfigError(
                self.name,
                f"option {self.cli_flag} {text!r}: write {hint}, e.g. {self.cli_flag} {example}",
            ) from None
        return self.from_cli(value)

    def from_cli(self, value):
        """A value as the CLI parsed it -> the setting's (``none_flag`` -> ``None``).

        Raises:
            ConfigError: a value below ``none_flag`` (the CLI's range starts there).
        """
        if self.none_flag is not None and value is not None:
            if value == self.none_flag:
                return None
            if isinstance(value, (int, float)) and value < self.none_flag:
                raise ConfigError(
                    self.name,
                    f"option {self.cli_flag} must be >= "
                    f"{self.none_flag} ({self.none_flag}: {self.none_means}; "
                    f"got {value})",
                )
        return value

    def to_cli(self, value) -> list[str]:
        """The value as arguments of ``python -m rdl.train`` (`parse` reads them back)."""
        flag = self.cli_flag
        if self.kind is bool:
            return [flag if value else "--no-" + flag[2:]]
        if isinstance(value, list):
            return [flag, ",".join(map(str, value)) if value else "none"]
        return [flag, "none" if value is None else str(value)]

    def describe_type(self) -> str:
        kind = self.kind
        if typing.get_origin(kind) is list:
            (item,) = typing.get_args(kind)
            return "integers separated by commas" if item is int else "names separated by commas"
        return {int: "an integer", float: "a number", bool: "true or false"}.get(kind, "a name")

    def help_text(self) -> str:
        """``help`` with the choices appended (``--help``)."""
        if not self.names or typing.get_origin(self.kind) is list:
            return self.help
        return f"{self.help}; one of: {' | '.join(map(str, self.names))}"


def option(help: str, *, panel: str, **kwargs) -> dict:
    """The ``metadata`` of a config field: ``field(default=..., metadata=option(...))``
    (keywords: `Option`'s attributes)."""
    return {_KEY: Option(help=help, panel=panel, **kwargs)}


def declared(cls) -> dict[str, Option]:
    """name -> `Option` of every declared field of the dataclass ``cls``, with its name,
    section (``cls``'s ``SECTION``), type and default filled in."""
    hints = typing.get_type_hints(cls)
    out = {}
    for f in dataclasses.fields(cls):
        opt = f.metadata.get(_KEY)
        if opt is None:
            continue
        hint = hints[f.name]
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        nullable = type(None) in typing.get_args(hint)
        kind = (
            hint
            if typing.get_origin(hint) is list or not args
            else next((a for a in args if a in (int, float, str)), args[0])
        )
        default = f.default if f.default_factory is dataclasses.MISSING else f.default_factory()
        out[f.name] = dataclasses.replace(
            opt,
            name=f.name,
            section=getattr(cls, "SECTION", ""),
            kind=kind,
            nullable=nullable,
            default=default,
        )
    return out


__all__ = ["COMMANDS", "PANELS", "ConfigError", "Option", "declared", "option"]
