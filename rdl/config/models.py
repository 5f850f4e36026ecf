"""Settings that only some models use (``models=`` in their declaration): a value given
for a model that would ignore it is refused, with the reason, instead of dropped."""

from __future__ import annotations

from rdl.config.option import ConfigError
from rdl.config.train import OPTIONS


def check_model_settings(config, model: str | None, given=None) -> None:
    """Refuse settings ``model`` does not use.

    Args:
        config: the `TrainConfig`.
        model: the model that will train (``"gnn"``, ``"two-tower"``, ...); ``None``
            (not known yet: the task decides) checks nothing.
        given: the settings the caller set (the CLI's given options); default: every
            setting that differs from its declared default.

    Raises:
        ConfigError: its ``field`` names the first such setting; the message says which
            models use it.
    """
    if model is None:
        return
    for name, opt in OPTIONS.items():
        if not opt.models or model in opt.models:
            continue
        value = getattr(config, name)
        was_set = name in given if given is not None else value != opt.default
        if was_set:
            raise ConfigError(
                name,
                f"{name}={value!r} is a setting of the "
                f"{' / '.join(opt.models)} model; model {model!r} does not use "
                f"it (leave it at {opt.default!r} or train "
                f"{' or '.join(opt.models)})",
            )


__all__ = ["check_model_settings"]
