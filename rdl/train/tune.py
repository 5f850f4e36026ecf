"""`tune` (``rdl tune``): hyperparameter search for an entity task within a time budget.

Optuna (Akiba et al. 2019, "Optuna: A Next-generation Hyperparameter Optimization
Framework"): a TPE sampler (Bergstra et al. 2011) proposes a configuration per trial;
each trial trains the GNN and reports its validation metric after every epoch to a
median pruner, which stops trials that fall below the median of earlier trials at the
same epoch. Choices are made on the validation split only (with ``stale_val`` in the base
configuration: the stale validation, `rdl.train.stale`); the test split is never
touched.

Budget: no trial starts once the budget is spent (or when less than its longest epoch
so far is left), and a running trial stops at the deadline: the current epoch ends
after its current mini-batch and is validated, its best validation score so far counts
and the trial is marked ``truncated``. So a search overruns its budget by at most one
mini-batch and one validation pass. The database, task tables and graph are loaded
once, before the clock starts.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from rdl.config import OPTIONS
from rdl.metrics import higher_is_better
from rdl.train.config import TrainConfig

#: The search space: name -> (kind, values), from the settings' declarations (``tune=`` in
#: `rdl.config.sections`). ``float-log``: log-uniform between the two values; ``float``:
#: uniform; ``categorical``: one of the values (CLI strings are read like the option's:
#: ``"aggregates,past_labels"``). Parameters that do not apply are left out (`applies`).
SPACE: dict[str, tuple[str, tuple]] = {
    name: opt.tune for name, opt in OPTIONS.items() if opt.tune is not None
}


def applies(name: str, base: TrainConfig) -> bool:
    """Whether searching ``name`` can change anything on top of ``base``: the stale-history
    probability only under ``"relbench"`` (no test seed is stale under ``"rolling"``)."""
    return not (name == "stale_prob" and base.protocol != "relbench")


class _OutOfTime(Exception):
    """Raised by the epoch callback when the budget is spent."""


@dataclass
class TuneResult:
    """The search's outcome: ``best_config`` (the chosen `TrainConfig`), ``best_value``
    (its validation metric), ``metric``, ``trials`` (one row per trial: number, state,
    value, params, epochs, seconds, truncated) and ``seconds`` (search wall time)."""

    best_config: TrainConfig
    best_value: float | None
    metric: str
    trials: pd.DataFrame
    seconds: float


def suggest(trial, base: TrainConfig) -> TrainConfig:
    """The configuration of one trial: `SPACE` sampled by ``trial`` on top of ``base``."""
    values = {}
    for name, (kind, spec) in SPACE.items():
        if not applies(name, base):
            continue
        if kind == "float-log":
            values[name] = trial.suggest_float(name, *spec, log=True)
        elif kind == "float":
            values[name] = trial.suggest_float(name, *spec)
        else:
            value = trial.suggest_categorical(name, list(spec))
            values[name] = OPTIONS[name].parse(value) if isinstance(value, str) else value
    return base.replace(**values)


def tune(
    db,
    task_spec,
    budget_s: float,
    *,
    trials: int | None = None,
    base: TrainConfig | None = None,
    out_dir: str | Path | None = None,
    cache_dir=None,
    seed: int = 0,
    progress: bool = False,
) -> TuneResult:
    """Search `SPACE` for ``budget_s`` seconds (and at most ``trials`` trials).

    Args:
        db, task_spec: as `rdl.train.train_task` (entity tasks).
        budget_s: wall-clock budget in seconds (the loading before it is not counted).
        trials: cap on the number of trials (``None``: until the budget is spent).
        base: the configuration trials start from (default `TrainConfig()`).
        out_dir: write ``best_config.json`` (``rdl train --config FILE``), ``trials.csv``
            and ``study.json`` there.
        seed: seed of the TPE sampler.

    Returns:
        `TuneResult`; ``best_config`` is ``base`` when no trial finished an epoch.

    Raises:
        ValueError: a link-prediction task, or a budget that is not positive.
    """
    import optuna

    from rdl.train.job import make_trainer, open_database, resolve_task, split_tables_and_graph

    if budget_s <= 0:
        raise ValueError(f"budget {budget_s} s: give a positive number of seconds (--budget)")
    base = base or TrainConfig()
    database, _ = open_database(db)
    task, _ = resolve_task(task_spec, database)
    if not task.kind.per_entity:
        raise ValueError(f"task {task.name!r} is a link task; rdl tune searches entity tasks")
    tables, graph, _ = split_tables_and_graph(task, base, cache_dir)
    metric = task.metrics[0]
    direction: Literal["maximize", "minimize"] = (
        "maximize" if higher_is_better(metric) else "minimize"
    )
    t_start = time.perf_counter()
    deadline = t_start + budget_s
    epoch_s: list[float] = []

    def objective(trial):
        cfg = suggest(trial, base)
        trainer = make_trainer(task, graph, cfg, tables["train"])
        seeds = {s: trainer.make_seeds(tables[s]) for s in ("train", "val")}
        best = {"value": None}

        def on_epoch(record):
            value = record["val"][metric]
            epoch_s.append(record["seconds"])
            if best["value"] is None or (
                value > best["value"] if direction == "maximize" else value < best["value"]
            ):
                best["value"] = value
            trial.report(value, record["epoch"])
            if time.perf_counter() >= deadline:
                raise _OutOfTime
            if trial.should_prune():
                raise optuna.TrialPruned

        trial.set_user_attr("config", cfg.to_dict())
        try:
            trainer.fit(
                seeds["train"], seeds["val"], progress=progress, on_epoch=on_epoch, stop_at=deadline
            )
        except _OutOfTime:
            trial.set_user_attr("truncated", True)
            trial.study.stop()
        trial.set_user_attr("epochs", len(trainer.history))
        if best["value"] is None:
            raise optuna.TrialPruned
        return best["value"]

    def stop_when_spent(study, _trial):
        left = deadline - time.perf_counter()
        if left <= 0 or (epoch_s and left < max(epoch_s)):
            study.stop()

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction=direction,
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=2),
    )
    study.optimize(objective, n_trials=trials, timeout=budget_s, callbacks=[stop_when_spent])
    seconds = time.perf_counter() - t_start

    rows = []
    for t in study.trials:
        rows.append(
            {
                "number": t.number,
                "state": t.state.name,
                "value": t.value,
                **{f"param_{k}": v for k, v in t.params.items()},
                "epochs": t.user_attrs.get("epochs"),
                "truncated": bool(t.user_attrs.get("truncated", False)),
                "seconds": (t.datetime_complete - t.datetime_start).total_seconds()
                if t.datetime_complete and t.datetime_start
                else None,
            }
        )
    table = pd.DataFrame(rows)
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if done:
        best_config = TrainConfig.from_dict(study.best_trial.user_attrs["config"])
        best_value = float(study.best_value)
    else:
        best_config, best_value = base, None
    result = TuneResult(best_config, best_value, metric, table, seconds)
    if out_dir is not None:
        write_tune(result, out_dir, budget_s)
    return result


def write_tune(result: TuneResult, out_dir: str | Path, budget_s: float) -> Path:
    """Write ``best_config.json``, ``trials.csv`` and ``study.json`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "best_config.json").write_text(json.dumps(result.best_config.to_dict(), indent=2))
    result.trials.to_csv(out / "trials.csv", index=False)
    (out / "study.json").write_text(
        json.dumps(
            {
                "metric": result.metric,
                "best_value": result.best_value,
                "budget_s": budget_s,
                "seconds": result.seconds,
                "trials": len(result.trials),
            },
            indent=2,
        )
    )
    return out


__all__ = ["SPACE", "TuneResult", "applies", "suggest", "tune", "write_tune"]
