"""`pretrain` (``rdl pretrain``): self-supervised relational pretraining of the backbone on
the unlabeled database, written as ``backbone.pt`` for ``rdl train --init`` and
``rdl embed``.

open the database -> its input cut (a task's, or ``cut``) -> the graph -> seeds (entity
rows on a time grid up to ``until``) -> `PretrainTrainer.fit` -> ``backbone.pt`` +
``pretrain.json``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from rdl.db import Database, RdlError
from rdl.db.errors import arg
from rdl.db.sources import safe_url
from rdl.graph import build_graph
from rdl.pretrain.config import PretrainConfig
from rdl.pretrain.seeds import (
    SECONDS_PER_DAY,
    first_time,
    grid_times,
    pretrain_seeds,
    split_by_entity,
)
from rdl.pretrain.trainer import PretrainTrainer
from rdl.train.config import TrainConfig
from rdl.train.init import save_backbone
from rdl.train.job import open_database, peak_rss_mb, resolve_task
from rdl.train.seeds import to_seconds

RESULTS = "pretrain.json"


class PretrainError(RdlError, ValueError):
    """Pretraining cannot run as asked (unknown table, dates that would leak, no seeds).
    The message says what to type instead."""


def _inputs(database: Database, task, until, cut, protocol: str):
    """``(input database, stats_until, until, every default in days, task name)``."""
    if task is not None:
        val, test = pd.Timestamp(task.val_timestamp), pd.Timestamp(task.test_timestamp)
        until = val if until is None else pd.Timestamp(until)
        if until > val:
            raise PretrainError(
                f"{arg('until', repr(str(until)), cli=until)} is after task {task.name!r}'s val "
                f"timestamp {val}: the backbone would see rows of the validation/test label "
                f"windows, and training with {arg('init')} refuses it. Drop {arg('until')} "
                f"(default: {val}) or pass an earlier one."
            )
        if cut is not None:
            raise PretrainError(
                f"{arg('cut')} and {arg('task')} both set the input cut: with a "
                "task the database is cut at the task's test timestamp; drop "
                f"{arg('cut')}."
            )
        return task.input_db(protocol), test, until, pd.Timedelta(task.timedelta).days, task.name
    if cut is not None:
        cut = pd.Timestamp(cut)
        database = database.upto(cut)
    stats_until = cut if cut is not None else database.max_timestamp
    if until is None:
        until = stats_until
    elif stats_until is not None and pd.Timestamp(until) > stats_until:
        raise PretrainError(
            f"{arg('until', repr(str(pd.Timestamp(until))), cli=until)} is after "
            f"the input cut {stats_until}; pass {arg('until')} <= {arg('cut')}."
        )
    return database, cut, (None if until is None else pd.Timestamp(until)), None, None


def pretrain(
    db,
    entity_table: str | None = None,
    config: TrainConfig | None = None,
    options: PretrainConfig | None = None,
    out_dir: str | Path | None = None,
    *,
    task=None,
    until=None,
    cut=None,
    cache_dir=None,
    progress: bool = True,
) -> dict:
    """Pretrain the relational backbone on ``entity_table`` with self-supervised relational
    reasoning (`rdl.pretrain.objective`) and write ``out_dir/backbone.pt`` and
    ``out_dir/pretrain.json``.

    Seeds are the entity table's rows on a grid of times ``until, until - every, ...``
    back to the database's first timestamp (`rdl.pretrain.seeds`); every view of a seed
    ``(entity, t)`` holds only rows dated ``<= t`` (`rdl.pretrain.views`). No label is
    used.

    Args:
        db: a database URL / path or a `Database`.
        entity_table: the table whose rows are the seeds (default: the task's).
        config: `TrainConfig` (epochs, lr, channels, fanouts, batch size = seeds per step,
            steps per epoch, text, seed, threads, precision, protocol). Default: `TrainConfig`
            with ``lr=0.001`` (the paper's Adam rate).
        options: `PretrainConfig`.
        task: a task (spec, class or instance): the graph is then the one ``rdl train``
            builds for it (``task.input_db(config.protocol)``, column stats up to its test
            timestamp) and seeds run up to its val timestamp — the backbone fits every
            task with those split dates. Without it, the whole database (or ``cut``).
        until: the last seed time (default: the task's val timestamp, else ``cut``, else
            the database's last timestamp).
        cut: without a task: use only rows dated ``<= cut`` (graph, column statistics).
        cache_dir: graph / text-embedding cache.

    Returns:
        the results written to ``pretrain.json``: ``entity_table``, ``db``, ``task``,
        ``seeds`` (train / val counts, grid), ``history`` (per epoch: relation loss,
        held-out ``log_loss`` / ``accuracy`` / ``roc_auc``), ``best`` (held-out scores of
        the restored epoch), ``timing``, ``peak_rss_mb``, ``config``, ``pretrain``.

    Raises:
        PretrainError: unknown entity table, ``until`` after the task's val timestamp or
            the cut, or no seeds.
    """
    t_start = time.perf_counter()
    config = config or TrainConfig(lr=0.001)
    options = options or PretrainConfig()
    database, url = open_database(db)
    if task is not None:
        task, _ = resolve_task(task, database)
        entity_table = entity_table or task.entity_table
    if entity_table is None or entity_table not in database:
        raise PretrainError(
            f"entity table {entity_table!r} is not a table of {url} (tables: "
            f"{sorted(database)}); pass {arg('entity_table')} with one of them."
        )
    input_db, stats_until, until, every_days, task_name = _inputs(
        database, task, until, cut, config.protocol
    )
    t0 = time.perf_counter()
    graph = build_graph(input_db, text=config.text, stats_until=stats_until, cache_dir=cache_dir)
    graph_s = time.perf_counter() - t0

    first = first_time(graph)
    until_s = int(to_seconds([until])[0]) if until is not None else 0
    span = max(until_s - (first if first is not None else until_s), 0)
    every_days = options.every_days or every_days or max(span / SECONDS_PER_DAY / 50, 1.0)
    times = grid_times(
        first if first is not None else until_s, until_s, max(int(every_days * SECONDS_PER_DAY), 1)
    )
    active = (
        None
        if options.active_within_days is None
        else int(options.active_within_days * SECONDS_PER_DAY)
    )
    seeds = pretrain_seeds(graph, entity_table, times, active)
    try:
        train, val = split_by_entity(seeds, options.val_fraction, config.seed)
    except ValueError as e:
        raise PretrainError(
            f"table {entity_table!r}: {e} ({len(seeds)} seeds on {len(times)} grid times "
            f"up to {until}). Widen the grid ({arg('every_days')}), keep inactive rows "
            f"({arg('active_within_days', 'None', cli='0')}) or pick a larger "
            f"{arg('entity_table')}."
        ) from None

    trainer = PretrainTrainer(entity_table, graph, config, options)
    t0 = time.perf_counter()
    history = trainer.fit(train, val, progress=progress)
    train_s = time.perf_counter() - t0
    best = min(history, key=lambda h: h["val"]["log_loss"])["val"] if history else {}
    stats_until = stats_until if stats_until is not None else input_db.max_timestamp
    results = {
        "entity_table": entity_table,
        "db": safe_url(url),
        "task": task_name,
        "seed_until": str(until),
        "stats_until": str(stats_until),
        "seeds": {
            "train": len(train),
            "val": len(val),
            "grid_times": len(times),
            "every_days": float(every_days),
            "first": str(pd.Timestamp(times[0], unit="s")),
        },
        "history": history,
        "best": best,
        "timing": {
            "graph_build_s": graph_s,
            "train_s": train_s,
            "epoch_s": train_s / max(len(history), 1),
            "total_s": time.perf_counter() - t_start,
        },
        "peak_rss_mb": peak_rss_mb(),
        "config": config.to_dict(),
        "pretrain": options.to_dict(),
    }
    if out_dir is not None:
        save_backbone(
            out_dir,
            trainer.model.backbone,
            trainer.kwargs,
            seed_until=until if until is not None else pd.Timestamp(0),
            stats_until=stats_until if stats_until is not None else pd.Timestamp(0),
            entity_table=entity_table,
            db=url,
            task=task_name,
            config=config.to_dict(),
            pretrain=options.to_dict(),
            history=history,
            text_encoders=graph.text_encoders,
        )
        (Path(out_dir) / RESULTS).write_text(json.dumps(results, indent=2, default=str))
    return results


__all__ = ["RESULTS", "PretrainError", "pretrain"]
