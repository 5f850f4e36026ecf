"""The `TrainConfig` settings as options of a command, generated from their declarations
(`rdl.config.sections`): flag, type, default, help, ``--help`` panel.

A command decorates itself with `config_options` and takes ``settings: Settings = None``::

    @app.command()
    @config_options("train")
    def train(db: str = typer.Option(..., "--db"), settings: Settings = None):
        config = settings.config()

It then has every setting whose declaration names the command (``commands=``), each
checked by the declaration (`rdl.config.option.Option.check`) when the config is built.
"""

from __future__ import annotations

import functools
import inspect
import typing
from dataclasses import dataclass, field
from typing import Optional

import typer

from rdl.config import OPTIONS, PANELS, Option
from rdl.config.option import declared

_GIVEN = ("COMMANDLINE", "ENVIRONMENT")
_CTX = "config_options_context"  # the click context typer passes (which options were given)


@dataclass
class Settings:
    """The settings of one command call.

    Attributes:
        given: setting -> value, for the options given on the command line (and what they
            imply: ``--num-neighbors`` sets ``num_layers``).
        values: setting -> value of every option the command has (given or its default).
    """

    given: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)

    def config(self, base: dict | None = None, everything: bool = False):
        """`TrainConfig` of ``base`` (flat settings; default `TrainConfig`'s) with the
        given options on top (``everything``: every option of the command, defaults too).

        Raises:
            ConfigError: a setting out of range (its ``field`` names it).
        """
        from rdl.config import TrainConfig

        chosen = self.values if everything else self.given
        return TrainConfig(**{**(base or {}), **{k: v for k, v in chosen.items() if k in OPTIONS}})

    def build(self, cls):
        """An instance of another declared config class (``extra=`` of `config_options`,
        e.g. `rdl.config.pretrain.PretrainConfig`) from this command's options.

        Raises:
            ConfigError: a setting out of range.
        """
        names = declared(cls)
        return cls(**{k: v for k, v in self.values.items() if k in names})


def _annotation(opt: Option):
    kind = opt.kind
    if typing.get_origin(kind) is list:
        return str
    if opt.nullable and opt.none_flag is None:
        return Optional[kind]  # noqa: UP045  (a type built at run time, for typer)
    return kind


def _default(opt: Option, default):
    if typing.get_origin(opt.kind) is list:
        return ",".join(map(str, default)) if default else "none"
    if default is None and opt.none_flag is not None:
        return opt.none_flag
    return default


def _parameters(command: str, options: dict, defaults: dict, helps: dict) -> tuple[list, dict]:
    """The typer parameters of ``command``'s settings and parameter -> (setting, alias
    value or None)."""
    params, names = [], {}
    for name, opt in options.items():
        if opt.cli_hidden or command not in opt.commands:
            continue
        default = defaults.get(name, opt.default)
        flag = opt.cli_flag
        decls = [f"{flag}/--no-{flag[2:]}"] if opt.kind is bool else [flag]
        info = typer.Option(
            _default(opt, default),
            *decls,
            rich_help_panel=opt.panel,
            help=helps.get(name, opt.help_text()),
        )
        params.append(
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, annotation=_annotation(opt), default=info
            )
        )
        names[name] = (name, None)
        for alias, value in opt.aliases.items():
            pname = alias[2:].replace("-", "_")
            params.append(
                inspect.Parameter(
                    pname,
                    inspect.Parameter.KEYWORD_ONLY,
                    annotation=bool,
                    default=typer.Option(
                        False, alias, rich_help_panel=opt.panel, help=f"same as {flag} {value}"
                    ),
                )
            )
            names[pname] = (name, value)
    return params, names


def by_panel(params: list) -> list:
    """``params`` ordered by their ``--help`` panel (`rdl.config.option.PANELS`; options
    of no panel first), keeping the order within a panel."""
    order = {p: i + 1 for i, p in enumerate(PANELS)}

    def rank(p):
        panel = getattr(p.default, "rich_help_panel", None)
        return order.get(panel, 0 if panel is None else len(order) + 1)

    return [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in sorted(params, key=rank)]


def config_options(
    command: str, *, defaults: dict | None = None, helps: dict | None = None, extra: tuple = ()
):
    """Decorator: add the options of the settings declared for ``command`` to a typer
    command whose function takes ``settings`` (receives a `Settings`), every option
    sorted into its ``--help`` panel. Put it above `rdl.cli.schema_options.schema_options`
    so that the schema options sort into "Data and schema" too.

    Args:
        command: ``"train"``, ``"pretrain"`` or ``"tune"`` (`rdl.config.option.COMMANDS`).
        defaults: setting -> this command's default, where it differs from `TrainConfig`'s.
        helps: setting -> this command's help text, where it says more.
        extra: other declared config classes whose settings are options too
            (`Settings.build` makes them).

    Raises:
        ConfigError (when called): a CLI value the setting cannot read.
    """
    defaults, helps = defaults or {}, helps or {}
    options = dict(OPTIONS)
    for cls in extra:
        options.update(declared(cls))

    def decorate(fn):
        sig = inspect.signature(fn)
        own = [p for p in sig.parameters.values() if p.name != "settings"]
        generated, names = _parameters(command, options, defaults, helps)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            ctx = kwargs.pop(_CTX, None)
            given, values = {}, {}
            for pname, (name, alias) in names.items():
                raw = kwargs.pop(pname)
                source = ctx.get_parameter_source(pname) if ctx is not None else None
                was_given = getattr(source, "name", None) in _GIVEN
                opt = options[name]
                if alias is not None:
                    if raw:
                        given[name] = values[name] = opt.parse(alias)
                    continue
                if typing.get_origin(opt.kind) is list:
                    value = opt.parse(raw)
                else:
                    value = opt.from_cli(raw)
                values.setdefault(name, value)
                if was_given and name not in given:
                    given[name] = value
            for name in list(given):
                implies = options[name].implies
                if implies is not None:
                    for k, v in implies(given[name]).items():
                        given.setdefault(k, v)
            for name in list(values):
                implies = options[name].implies
                if implies is not None:
                    for k, v in implies(values[name]).items():
                        values.setdefault(k, v)
            kwargs["settings"] = Settings(given, values)
            return fn(*args, **kwargs)

        ctx_param = inspect.Parameter(
            _CTX, inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context
        )
        wrapper.__signature__ = sig.replace(parameters=[ctx_param] + by_panel(own + generated))
        return wrapper

    return decorate


__all__ = ["Settings", "config_options"]
