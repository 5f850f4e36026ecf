"""Model names of ``rdl bench --models`` and where each one's figures come from.

A bench *run* (one cell) is one of:

* the default trained run (``rdl train``'s model: the entity GNN, the two-tower link
  model), `rdl.train.train_task` without baselines — its ``results.json`` ``models``
  hold ``gnn`` (link: ``two-tower``), and for entity tasks ``lightgbm_cutoff`` and
  ``blend``;
* another link model (``idgnn``, ``contextgnn``): ``train_task(model=...)``;
* ``baselines``: `rdl.baselines.run_baselines` with the bench seed, every baseline of
  the task's kind. It always runs: the best baseline is what every model is compared with.

Names: ``pick`` (see `pick`), ``gnn`` (the default trained model of the task's kind),
``blend``, ``lightgbm_cutoff``, the link models, and every baseline name. A name that does
not fit a task (``contextgnn`` on an entity task, ``majority`` on a regression) is "n/a"
there, not an error.
"""

from __future__ import annotations

import math
from typing import cast

PICK = "pick"
DEFAULT_UNIT = {"entity": "gnn", "link": "two-tower"}
BASELINES_UNIT = "baselines"
#: names read from the default trained run
FROM_DEFAULT = ("gnn", "blend", "lightgbm_cutoff")
LINK_MODELS = ("two-tower", "idgnn", "contextgnn")


def baseline_names() -> list[str]:
    """Every baseline rdl knows (entity kinds and link tasks)."""
    from rdl.baselines.link import LINK_BASELINES
    from rdl.baselines.run import LIGHTGBM_BASELINES
    from rdl.baselines.simple import SIMPLE_BASELINES

    names = [n for kind in SIMPLE_BASELINES.values() for n in kind]
    names += list(LIGHTGBM_BASELINES) + list(LINK_BASELINES)
    return list(dict.fromkeys(names))


def known_models() -> list[str]:
    return [PICK, *FROM_DEFAULT, *LINK_MODELS, *baseline_names()]


def check_models(models: list[str]) -> list[str]:
    """The ``--models`` names, checked (order kept, duplicates dropped).

    Raises:
        ConfigError: an unknown name (the message lists the known ones) or none given.
    """
    from rdl.db.errors import arg
    from rdl.train.config import ConfigError

    models = list(dict.fromkeys(m.strip() for m in models if m.strip()))
    example = "pick,gnn,lightgbm_aggregated"
    if not models:
        raise ConfigError(
            "models",
            f"{arg('models')} names no model; e.g. " + arg("models", repr(example), cli=example),
        )
    known = known_models()
    bad = [m for m in models if m not in known]
    if bad:
        raise ConfigError("models", f"{arg('models')}: unknown model(s) {bad}; known: {known}")
    return models


def units_for(models: list[str], kind: str) -> list[str]:
    """The runs a task of ``kind`` (``"entity"`` / ``"link"``) needs for ``models``: the
    baselines first, then the default trained run, then other link models."""
    units = [BASELINES_UNIT]
    default = DEFAULT_UNIT[kind]
    if any(m in (PICK, *FROM_DEFAULT) or m == default for m in models):
        units.append(default)
    if kind == "link":
        units += [m for m in models if m in LINK_MODELS and m not in units]
    return units


def _valid(v) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def metric_higher(metric: str) -> bool:
    from rdl.metrics import higher_is_better

    try:
        return higher_is_better(metric)
    except ValueError:
        return True


def pick(default: dict | None, baselines: dict | None, metric: str) -> str | None:
    """The entry rdl reports best on validation in one run: among the ``models`` of the
    default trained run's ``results.json`` and the ``baselines`` of the baselines run (same
    task, protocol and seed), the one with the best validation ``metric`` (the task's
    first); a tie goes to the first listed (models before baselines). ``None``: no entry
    has a validation value."""
    best, best_v = None, None
    higher = metric_higher(metric)
    pool = [
        *((default or {}).get("models") or {}).items(),
        *((baselines or {}).get("baselines") or {}).items(),
    ]
    for name, entry in pool:
        v = (entry.get("val") or {}).get(metric)
        if _valid(v) and (best_v is None or (v > best_v if higher else v < best_v)):
            best, best_v = name, v
    return best


def entry_for(model: str, kind: str, runs: dict[str, dict]) -> tuple[str | None, dict | None]:
    """``(name in results.json, entry)`` of ``model`` among one (task, protocol, seed)'s
    runs (unit -> results dict); ``(None, None)`` where the model does not apply or its
    run is missing."""
    default = runs.get(DEFAULT_UNIT[kind])
    base = runs.get(BASELINES_UNIT)
    if model == PICK:  # needs the default trained run (what rdl train reports)
        if default is None:
            return None, None
        metric = _metric(default)
        name = pick(default, base, metric) if metric else None
        if name is None:
            return None, None
        found = ((default or {}).get("models") or {}).get(name)
        return name, found if found is not None else cast(dict, base)["baselines"][name]
    if model in FROM_DEFAULT or model in LINK_MODELS:
        unit = DEFAULT_UNIT[kind] if model in FROM_DEFAULT else model
        if kind == "entity" and model in LINK_MODELS:
            return None, None
        res = runs.get(unit)
        if res is None:
            return None, None
        models = res.get("models") or {}
        if model in ("gnn", *LINK_MODELS):  # the trained model: the run's first entry
            name = next(iter(models), None)
        else:
            name = model if model in models else None
        return (name, models[name]) if name is not None else (None, None)
    entry = ((base or {}).get("baselines") or {}).get(model)
    return (model, entry) if entry is not None else (None, None)


def _metric(results: dict | None) -> str | None:
    metrics = (results or {}).get("metrics") or []
    return metrics[0] if metrics else None


__all__ = [
    "BASELINES_UNIT",
    "DEFAULT_UNIT",
    "PICK",
    "baseline_names",
    "check_models",
    "entry_for",
    "known_models",
    "metric_higher",
    "pick",
    "units_for",
]
