"""`train_task`: the one training job of rdl (``rdl train``) for every task kind.

open the database -> the task's split tables -> the graph -> a trainer for the task kind
(`rdl.train.models.MODELS`: `rdl.train.entity.EntityTrainer`,
`rdl.train.link.TwoTowerTrainer` / `rdl.train.link.IDGNNTrainer` ...) -> fit -> evaluate
on val and test -> baselines -> checkpoint -> ``results.json``.
"""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rdl.db import Database, connect
from rdl.db.sources import safe_url
from rdl.graph import build_graph
from rdl.results import merge_predictions, write_predictions, write_results
from rdl.tasks import notes
from rdl.train.checkpoint import save_checkpoint
from rdl.train.config import TrainConfig
from rdl.train.diagnose import model_warnings
from rdl.train.evidence import add_evidence
from rdl.train.trainer import Trainer


def peak_rss_mb() -> float:
    """Peak resident memory of this process (MB, ``getrusage``)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def open_database(db: str | Database, schema: dict | None = None) -> tuple[Database, str]:
    """``(Database, url)`` for a URL / path (opened with the `rdl.connect` keyword
    arguments ``schema``) or an open `Database`."""
    if isinstance(db, Database):
        return db, getattr(db, "url", None) or "<in-memory>"
    from rdl.db.write import normalize_url

    url = normalize_url(db)
    return connect(url, **(schema or {})), url


def resolve_task(task, db: Database):
    """A task spec (``FILE.py:NAME`` / built-in name), a task class or an instance ->
    ``(instance on db, name used in reports)``."""
    from rdl.tasks import load_task

    if isinstance(task, str):
        return load_task(task, db), task
    if isinstance(task, type):
        inst = task(db)
    else:
        inst = task if task.db is db else task.with_db(db)
    return inst, getattr(inst, "name", type(inst).__name__)


def split_tables_and_graph(task, config: TrainConfig, cache_dir=None, progress: bool = True):
    """The task's train / val / test tables (test targets unmasked, for scoring only) and
    the graph of ``task.input_db(config.protocol)`` — under ``"relbench"`` the database
    cut at the test timestamp, so no row dated after it reaches any model input — with
    column stats computed on rows dated ``<=`` the test timestamp.

    Returns:
        ``(tables, graph, graph_build_s)``; ``graph_build_s`` in seconds (≈ 0 when cached).
    """
    tables = {
        "train": task.get_table("train"),
        "val": task.get_table("val"),
        "test": task.get_table("test", mask_input_cols=False),
    }
    from rdl.tasks.checks import check_label_variety

    check_label_variety(task, tables)  # before the graph and the training
    t0 = time.perf_counter()
    graph = build_graph(
        task.input_db(config.protocol),
        text=config.text,
        stats_until=task.test_timestamp,
        cache_dir=cache_dir,
        progress=progress,
    )
    return tables, graph, time.perf_counter() - t0


def make_trainer(
    task, graph, config: TrainConfig, train_table, model: str | None = None, **options
) -> Trainer:
    """The trainer of ``model`` for ``task``'s kind (`rdl.train.models.make_trainer`: the
    registry `rdl.train.models.MODELS`; default: the kind's first model — ``gnn`` for
    entity kinds, ``two-tower`` for link prediction; ``idgnn`` falls back to
    ``contextgnn`` when its subgraphs reach almost no training link,
    `rdl.train.link.link_trainer`).

    Args:
        options: model options (``shallow``, ``num_negatives``, ``history``).

    Raises:
        ConfigError: a model name that does not fit the task kind.
    """
    from rdl.train.models import make_trainer as from_registry

    return from_registry(task, graph, config, train_table, model, **options)


def add_timing(
    results: dict,
    graph,
    graph_build_s: float,
    train_s: float,
    history: list[dict],
    t_start: float,
    config: TrainConfig,
) -> None:
    """Fill ``results["timing"]`` (``graph_build_s``, ``graph_cached``, ``train_s``,
    ``epoch_s`` — mean seconds per epoch incl. validation —, ``total_s`` since ``t_start``,
    a `time.perf_counter` value), ``results["peak_rss_mb"]`` and ``results["config"]``."""
    results["timing"] = {
        "graph_build_s": graph_build_s,
        "graph_cached": bool(graph.info.get("cached")),
        "train_s": train_s,
        "epoch_s": float(np.mean([h["seconds"] for h in history])) if history else 0.0,
        "total_s": time.perf_counter() - t_start,
    }
    results["peak_rss_mb"] = peak_rss_mb()
    results["config"] = config.to_dict()


@dataclass
class TrainRun:
    """Everything one training run produced, before anything is written.

    Attributes:
        task: the task instance; trainer: the fitted `Trainer` (``trainer.model``).
        tables: split -> task table (test targets unmasked); seeds: split -> seeds.
        predictions: ``"val"`` / ``"test"`` -> the model's predictions, aligned with
            ``tables[split]`` rows (entity tasks: ``[n]`` or ``[n, C]``; link tasks:
            ``[n, eval_k]`` destination keys).
        results: the results dict (`train_task`'s return value).
        frames: the val / test predictions of the model and the baselines as
            `rdl.results.prediction_frame` s (``predictions.parquet``).
    """

    task: Any
    trainer: Trainer
    tables: dict
    seeds: dict
    predictions: dict[str, np.ndarray]
    results: dict
    frames: list = field(default_factory=list)


def run_task(
    db: str | Database,
    task_spec,
    config: TrainConfig | None = None,
    *,
    baselines: bool = True,
    progress: bool = True,
    cache_dir: str | Path | None = None,
    model: str | None = None,
    setup_trainer=None,
    **options,
) -> TrainRun:
    """The training job without its outputs: open -> tables -> graph -> fit -> evaluate ->
    baselines. Arguments as `train_task`, plus ``setup_trainer``: called with the trainer
    before fitting (e.g. `rdl.scale.distributed.make_data_parallel`). Returns a
    `TrainRun` whose trainer holds the plain model on the CPU."""
    t_start = time.perf_counter()
    config = config or TrainConfig()
    from rdl.runtime.device import check_device
    from rdl.runtime.storage import open_for_training

    check_device(config.device)  # before the database is read
    database, url, storage = open_for_training(db, task_spec, config.storage)
    task, name = resolve_task(task_spec, database)
    tables, graph, graph_build_s = split_tables_and_graph(task, config, cache_dir, progress)
    init = None
    if config.init:
        from rdl.train.init import prepare_init

        init, graph = prepare_init(config.init, task, graph, config, cache_dir)
    from rdl.config.models import check_model_settings
    from rdl.train.models import models_for

    check_model_settings(config, model or models_for(task.kind)[0].name)
    trainer = make_trainer(task, graph, config, tables["train"], model, **options)
    if init is not None:  # pretrained weights before the model moves or is wrapped
        init.load_into(trainer.model)
    from rdl.runtime.device import unwrap, use_device

    use_device(trainer, config.device)
    if setup_trainer is not None:
        setup_trainer(trainer)
    seeds = {s: trainer.make_seeds(t) for s, t in tables.items()}

    t0 = time.perf_counter()
    epochs = trainer.fit(seeds["train"], seeds["val"], progress=progress)
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    # the best epoch's validation predictions are the restored model's (seeded sampler)
    pred = {
        "val": trainer.val_predictions
        if trainer.val_predictions is not None
        else trainer.predict(seeds["val"]),
        "test": trainer.predict(seeds["test"]),
    }
    scores = {s: trainer.score(seeds[s], pred[s]) for s in ("val", "test")}
    eval_s = time.perf_counter() - t0
    unwrap(trainer)  # the plain model on the CPU (checkpoints, predict_at)

    results = {
        "task": name,
        "db": safe_url(url),
        "task_type": str(task.task_type),
        "metrics": list(task.metrics),
        "protocol": config.protocol,
        "storage": storage,
        **trainer.run_fields(),
        "splits": {s: len(t.df) for s, t in tables.items()},
        "notes": notes(task),
        "leakage_suspects": list(getattr(database, "leakage", None) or []),
        "baselines": {},
        "models": {
            trainer.name: {
                "val": scores["val"],
                "test": scores["test"],
                "fit_seconds": train_s,
                "eval_seconds": eval_s,
                "epochs_run": len(epochs),
                "history": epochs,
                "batch_size": trainer.batch_size,
                "prior_loss": trainer.prior_loss(),
                **trainer.result_fields(),
            }
        },
    }
    trainer.extra_results(tables, seeds, pred, results["models"])
    frames = trainer.prediction_frames(seeds, pred)  # the model's and its extras' (blend)
    if baselines:
        from rdl.baselines import run_baselines

        results["baselines"] = run_baselines(
            database,
            task,
            **trainer.baseline_inputs(),
            protocol=config.protocol,
            predictions=frames,
        )["baselines"]
    evidence = add_evidence(
        results,
        merge_predictions(frames),
        seed=config.seed,
        selection_split="val_stale" if config.stale_val else "val",
    )
    results["warnings"] = list(trainer.warnings) + model_warnings(results) + evidence
    add_timing(results, graph, graph_build_s, train_s, epochs, t_start, trainer.config)
    from rdl.config.resolve import resolved

    results["resolved"] = resolved(config, **trainer.resolved)
    return TrainRun(task, trainer, tables, seeds, pred, results, frames)


def train_task(
    db: str | Database,
    task_spec,
    config: TrainConfig | None = None,
    out_dir: str | Path | None = None,
    *,
    baselines: bool = True,
    progress: bool = True,
    cache_dir: str | Path | None = None,
    model: str | None = None,
    **options,
) -> dict:
    """Train and evaluate a model on one task, beside the task's baselines, and write
    ``out_dir/results.json`` and ``out_dir/model.pt``.

    Every model input comes from ``task.input_db(config.protocol)``: by default the
    database cut at the task's test timestamp (RelBench's protocol); test labels come
    from the full database.

    Args:
        db: a database URL / path, or a `Database`.
        task_spec: ``FILE.py:NAME`` or a built-in name (``rel-f1/driver-dnf``), or a task
            class or instance (entity or link task).
        config: `TrainConfig` (defaults: RelBench's, see its docstring).
        out_dir: where ``results.json`` and ``model.pt`` go (``None``: nothing written).
        baselines: also run `rdl.baselines.run_baselines` (same report, same protocol).
        cache_dir: graph / text-embedding cache (default ``$RDL_CACHE_DIR`` or
            ``~/.cache/rdl``).
        model: see `make_trainer` (entity: ``"gnn"``; link: ``"two-tower"`` / ``"idgnn"``).
        options: link models' options (``shallow``, ``num_negatives``).

    Returns:
        the results dict written to ``results.json``: ``task``, ``db``, ``task_type``,
        ``metrics``, ``protocol`` (``config.protocol``), ``splits``, ``notes``
        (`rdl.tasks.notes`), ``leakage_suspects`` (`rdl.db.audit`), ``baselines``,
        ``models`` (``{name: {"val", "test",
        "fit_seconds", "eval_seconds", "epochs_run", "history", ...}}``; link models add
        ``num_hops`` and the results add ``eval_k``; every model gives its training
        ``batch_size`` and ``prior_loss``, `rdl.train.diagnose.label_prior_loss`),
        ``warnings`` (one paragraph per problem: the trainer's own, e.g. a link model
        that fell back, and `rdl.train.diagnose.model_warnings`), ``timing``
        (``graph_build_s``, ``graph_cached``, ``train_s``, ``epoch_s``, ``total_s``),
        ``peak_rss_mb``, ``config``. With ``out_dir``, the val and test predictions of the
        model and the baselines also go to ``out_dir/predictions.parquet`` (`rdl.results`).

    Raises:
        ValueError: a model that does not fit the task kind; see `make_trainer`.
        rdl.tasks.TaskError: an unknown protocol.
        FileNotFoundError / rdl.train.init.InitError: ``config.init`` names no usable
            backbone (`rdl.train.init.prepare_init`).
    """
    run = run_task(
        db,
        task_spec,
        config,
        baselines=baselines,
        progress=progress,
        cache_dir=cache_dir,
        model=model,
        **options,
    )
    if out_dir is not None:
        save_checkpoint(
            out_dir,
            run.trainer,
            task_spec=run.results["task"],
            db_url=run.results["db"],
            schema=getattr(run.task.db, "schema", None),
        )
        write_results(run.results, out_dir)
        write_predictions(merge_predictions(run.frames), out_dir)
    return run.results


__all__ = [
    "TrainRun",
    "add_timing",
    "make_trainer",
    "open_database",
    "peak_rss_mb",
    "resolve_task",
    "run_task",
    "split_tables_and_graph",
    "train_task",
]
