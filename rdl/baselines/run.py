"""Run every baseline on an entity task and collect a results dict (``results.json``)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from rdl.baselines import simple as _simple  # noqa: F401  (registers the simple baselines)
from rdl.baselines.lgbm import LightGBMBaseline
from rdl.baselines.registry import RUNNERS, BaselineEntry, baselines_for, register_baseline
from rdl.baselines.targets import ENTITY_KINDS, MULTICLASS, MULTILABEL, label_matrix, task_type
from rdl.db.sources import safe_url
from rdl.metrics import METRICS
from rdl.tasks import check_protocol

_ENTITY = tuple(k.name for k in ENTITY_KINDS)
register_baseline(
    BaselineEntry(
        "lightgbm_entity",
        _ENTITY,
        "LightGBM on the entity's own columns at the seed time",
        learned=True,
    )
)
register_baseline(
    BaselineEntry(
        "lightgbm_aggregated",
        _ENTITY,
        "LightGBM on the entity's columns and time-bounded aggregates of related rows",
        learned=True,
    )
)
LIGHTGBM_BASELINES = ("lightgbm_entity", "lightgbm_aggregated")


def _metric_names(task) -> list[str]:
    names = [getattr(m, "__name__", m) for m in task.metrics]
    unknown = [m for m in names if m not in METRICS]
    if unknown:
        raise ValueError(
            f"task {task.name!r} lists metric(s) {unknown} that rdl.metrics.METRICS "
            f"does not know; known: {sorted(METRICS)}"
        )
    return names


def true_labels(task, labels: pd.Series) -> np.ndarray:
    """Task-table labels in the form `rdl.metrics` expects: ``[n]`` 0/1 or reals, ``[n]``
    class indices (multiclass) or an ``[n, L]`` 0/1 matrix (multilabel)."""
    kind = task_type(task)
    labels = labels.reset_index(drop=True)
    if kind == MULTILABEL:
        return label_matrix(task, labels).astype(np.int64)
    if kind == MULTICLASS:
        return labels.to_numpy(dtype=np.int64)
    return labels.to_numpy(dtype=np.float64)


def score(
    task, labels: pd.Series, pred: np.ndarray
) -> tuple[dict[str, float | None], dict[str, str]]:
    """Every metric of ``task.metrics`` on ``(labels, pred)``.

    Returns:
        ``({metric: value}, {metric: error message})``; a metric that is undefined on
        these rows (e.g. AUROC with one class present) gets ``None`` and its message.
    """
    y = true_labels(task, labels)
    values: dict[str, float | None] = {}
    errors: dict[str, str] = {}
    for name in _metric_names(task):
        try:
            values[name] = float(METRICS[name](y, pred))
        except ValueError as e:
            values[name], errors[name] = None, str(e)
    return values, errors


def run_baselines(
    db,
    task,
    *,
    baselines: list[str] | None = None,
    seed: int = 0,
    lightgbm_kwargs: dict | None = None,
    log: Callable[[str], None] | None = None,
    link_history=None,
    protocol: str = "relbench",
    predictions: list | None = None,
) -> dict:
    """Fit and score every baseline of an entity task on its val and test splits.

    Baselines (`rdl.baselines.simple`, `rdl.baselines.lgbm`): ``random``, ``majority``
    (classification), ``global_mean`` and ``global_median`` (regression), ``entity_mean``,
    ``lightgbm_entity`` and ``lightgbm_aggregated``. As in RelBench's
    ``examples/baseline_node.py``, the simple baselines learn from the train table for val
    predictions and from train + val for test predictions; the LightGBM models train on
    the train table with early stopping on val. Test targets are read (with
    ``get_table("test", mask_input_cols=False)``) only to score.

    Args:
        db: the `rdl.Database` the task runs on.
        task: an `rdl.tasks.EntityTask` instance built on ``db``, or an EntityTask class
            (instantiated with ``db``).
        baselines: names to run (default: all that fit the task type).
        seed: seed of the random baseline and of LightGBM.
        lightgbm_kwargs: passed to `LightGBMBaseline` (``grid``, ``plan_kwargs``, ...).
        log: called with one progress line per baseline (e.g. ``print``).
        link_history: link tasks: a `LinkHistory` of ``task`` to reuse (its cache is
            shared with a link model's popularity fill).
        protocol: where every baseline input comes from (`rdl.tasks.PROTOCOLS`):
            ``"relbench"`` (default) — LightGBM features and vocabularies, entity and
            aggregate columns, link histories, all from the database cut at the test
            timestamp (``task.input_db("relbench")``), as RelBench; ``"rolling"`` — the
            full database, each seed seeing rows dated ``<=`` its seed time. The simple
            baselines learn from task-table labels only (train, and train + val for test
            predictions, whose labels come from the cut database under both protocols).
        predictions: a list to which the val and test predictions of every baseline are
            appended, one `rdl.results.prediction_frame` per split (``entity``,
            ``seed_time``, ``label``, one column per baseline); ``rdl baseline --out``
            writes them to ``predictions.parquet``.

    Returns:
        ``{"task", "db", "task_type", "metrics", "splits": {"train", "val", "test": rows},
        "baselines": {name: {"val": {metric: value}, "test": {metric: value},
        "fit_seconds": s, ...}}, "total_seconds": s}``. ``fit_seconds`` is the wall time of
        everything a baseline does (simple ones: fitting and predicting both splits;
        LightGBM: features of all splits, the grid search with early stopping). LightGBM
        entries add ``num_features``, ``feature_seconds`` (part of ``fit_seconds``),
        ``best_iteration`` and ``params``; a metric undefined on a split is ``None`` with
        the reason under ``"errors"``.

    Link-prediction tasks go to `rdl.baselines.link.run_link_baselines` (same layout).

    Raises:
        ValueError: a task built on another database, unknown baseline names or metrics,
            or test rows whose masked and unmasked tables differ.
    """
    if isinstance(task, type):
        task = task(db)
    runner = RUNNERS.find(task)
    if runner is None:  # a kind without baselines
        return {
            "task": getattr(task, "name", type(task).__name__),
            "db": getattr(db, "url", None) or repr(db),
            "task_type": str(task.task_type),
            "metrics": list(task.metrics),
            "protocol": check_protocol(protocol),
            "baselines": {},
        }
    return runner(
        db,
        task,
        baselines=baselines,
        seed=seed,
        lightgbm_kwargs=lightgbm_kwargs,
        log=log,
        link_history=link_history,
        protocol=protocol,
        predictions=predictions,
    )


def run_entity_baselines(
    db,
    task,
    *,
    baselines=None,
    seed: int = 0,
    lightgbm_kwargs=None,
    log=None,
    link_history=None,
    protocol: str = "relbench",
    predictions: list | None = None,
) -> dict:
    """`run_baselines` of the entity kinds (arguments and result as there): the simple
    baselines and LightGBM that `rdl.baselines.registry.baselines_for` the task's kind."""
    t_start = time.perf_counter()
    if getattr(task, "db", db) is not db:
        raise ValueError(
            "run_baselines: the task was built on a different Database than "
            "`db`; pass the task's own database"
        )
    kind = task_type(task)
    metrics = _metric_names(task)
    entries = baselines_for(kind)
    available = [e.name for e in entries]
    names = available if baselines is None else list(baselines)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ValueError(f"unknown baseline(s) {unknown} for a {kind} task; available: {available}")
    say = log or (lambda _msg: None)

    keys = [task.time_col, task.entity_col]

    def rows(split, **kw) -> pd.DataFrame:
        # sorted by (time, entity) so that results do not depend on the row order of the
        # label SQL (LightGBM's bagging and the random baseline depend on it)
        return (
            task.get_table(split, **kw).df.sort_values(keys, kind="stable").reset_index(drop=True)
        )

    train, val = rows("train"), rows("val")
    test_in, test_full = rows("test"), rows("test", mask_input_cols=False)
    if len(test_in) != len(test_full) or not test_in[keys].equals(test_full[keys]):
        raise ValueError(
            "the masked and unmasked test tables hold different rows; "
            "get_table('test') must only hide the target column"
        )
    y_val = val[task.target_col]
    y_test = test_full[task.target_col]
    trainval = pd.concat([train, val], ignore_index=True)

    result = {
        "task": getattr(task, "name", type(task).__name__),
        "db": safe_url(getattr(db, "url", None) or repr(db)),
        "task_type": str(kind),
        "metrics": metrics,
        "protocol": check_protocol(protocol),
        "splits": {"train": len(train), "val": len(val), "test": len(test_full)},
        "baselines": {},
    }

    kept: dict[str, dict[str, np.ndarray]] = {"val": {}, "test": {}}

    def record(name, pred_val, pred_test, extra):
        kept["val"][name], kept["test"][name] = pred_val, pred_test
        entry = {}
        errors = {}
        for split, labels, pred in [("val", y_val, pred_val), ("test", y_test, pred_test)]:
            entry[split], errs = score(task, labels, pred)
            errors.update({f"{split}/{m}": e for m, e in errs.items()})
        entry.update(extra)
        if errors:
            entry["errors"] = errors
        result["baselines"][name] = entry
        first = metrics[0]
        shown = entry["test"][first]
        say(
            f"{name}: test {first} = "
            f"{'n/a' if shown is None or math.isnan(shown) else f'{shown:.4f}'} "
            f"({extra['fit_seconds']:.2f} s)"
        )

    for entry in entries:
        if entry.name not in names or entry.fn is None:
            continue
        t0 = time.perf_counter()
        kwargs = {"seed": seed} if entry.takes_seed else {}
        pred_val = entry.fn(task, train, val, **kwargs)
        pred_test = entry.fn(task, trainval, test_in, **kwargs)
        record(entry.name, pred_val, pred_test, {"fit_seconds": time.perf_counter() - t0})

    for name in [e.name for e in entries if e.fn is None]:  # LightGBM
        if name not in names:
            continue
        t0 = time.perf_counter()
        model = LightGBMBaseline(
            name.removeprefix("lightgbm_"), seed=seed, protocol=protocol, **(lightgbm_kwargs or {})
        )
        X_train, X_val, X_test = model.make_features(task, train, val, test_in)
        t_feat = time.perf_counter() - t0
        model.fit(task, X_train, train[task.target_col], X_val, y_val)
        fit_seconds = time.perf_counter() - t0
        record(
            name,
            model.predict(X_val),
            model.predict(X_test),
            {
                "fit_seconds": fit_seconds,
                "feature_seconds": t_feat,
                "num_features": model.num_features,
                "best_iteration": model.best_iteration,
                "params": model.best_params,
            },
        )
    if predictions is not None:
        from rdl.results import prediction_frame

        for split, df, labels in [("val", val, y_val), ("test", test_full, y_test)]:
            predictions.append(
                prediction_frame(
                    split,
                    df[task.entity_col],
                    df[task.time_col],
                    true_labels(task, labels),
                    kept[split],
                )
            )
    result["total_seconds"] = time.perf_counter() - t_start
    return result


for _kind in ENTITY_KINDS:
    RUNNERS.register(_kind, run_entity_baselines)
