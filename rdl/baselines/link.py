"""Baselines for link tasks (`rdl.tasks.LinkTask`): global popularity and past visits.

Both rank destinations for a row (source, seed time ``t``) from the links **observed by
t**: the task's own labels at the earlier seed times ``t - timedelta, t - 2 timedelta,
...`` (back to the database's first timestamp), computed with the task's ``sql`` /
``make_table`` on the database cut at ``t`` (`rdl.Database.upto`). A label row
``(source, t', [destinations])`` covers ``(t', t' + timedelta]``, which closes by ``t``,
so nothing dated after ``t`` is used — the same rows a GNN may sample for that seed. (For
test seeds this includes the links of earlier test windows: they are rows of the database
dated ``<= t``, visible to any model at ``t``.) The observed links are
`rdl.tasks.LinkHistory` (a task concept).

* `global_popularity`: the destinations with the most observed links (ties: the more
  recent last link, then the smaller primary key), the same ranking for every source.
* `past_visits`: the source's own observed destinations, most recent first (ties: more
  links, then popularity), padded with `global_popularity`.

Rankings only name destinations that exist at ``t`` (`LinkTask.candidate_mask`) and are
padded with the remaining ones in table order, so every row has ``eval_k`` distinct ids.

Source: RelBench ``examples/baseline_link.py`` (``global_popularity``, ``past_visit``),
which counts over the train table (train + val for test); rdl counts over the links
observed by each seed time instead, and orders past visits by recency (the most recent visit first).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import cast

import numpy as np
import pandas as pd

from rdl.baselines.registry import RUNNERS, BaselineEntry, baselines_for, register_baseline
from rdl.db.sources import safe_url
from rdl.metrics import METRICS
from rdl.tasks.history import LinkHistory
from rdl.tasks.kinds import LINK, kind_of


def _df(rows) -> pd.DataFrame:
    return getattr(rows, "df", rows)


def _check_rows(task, rows: pd.DataFrame) -> None:
    for col in (task.time_col, task.src_entity_col):
        if col not in rows.columns:
            raise ValueError(
                f"link baseline: rows have no column {col!r} (columns: "
                f"{list(rows.columns)}); pass task.get_table(split)"
            )


def global_popularity(task, rows, history: LinkHistory | None = None) -> np.ndarray:
    """The ``eval_k`` destinations with the most links observed by the row's seed time.

    Args:
        task: a `rdl.tasks.LinkTask`.
        rows: task-table rows (`rdl.Table` or its ``df``) with ``[time_col,
            src_entity_col]``; destination lists are not read.
        history: a shared `LinkHistory` (default: a new one).

    Returns:
        ``[n, eval_k]`` destination primary-key values, best first.
    """
    history = history or LinkHistory(task)
    df = _df(rows)
    _check_rows(task, df)
    k = task.eval_k
    out = np.empty((len(df), k), dtype=object)
    for t, idx in df.groupby(task.time_col, sort=False).indices.items():
        out[idx] = history.popularity(t)[:k]
    return _tidy(out)


def past_visits(task, rows, history: LinkHistory | None = None) -> np.ndarray:
    """The source's own observed destinations, most recent first, then popularity.

    Order per row (source, ``t``): destinations the source linked to in the windows
    observed by ``t``, by the seed time of the last such window (descending), then by
    the number of windows (descending), then by popularity rank; then the rest of
    `global_popularity`'s ranking. Arguments and shape as `global_popularity`.
    """
    history = history or LinkHistory(task)
    df = _df(rows)
    _check_rows(task, df)
    k, src, dstc, tc = task.eval_k, task.src_entity_col, task.dst_entity_col, task.time_col
    out = np.empty((len(df), k), dtype=object)
    for t, idx in df.groupby(tc, sort=False).indices.items():
        pop = history.popularity(t)
        rank = pd.Series(np.arange(len(pop)), index=pop)
        hist = history.at(t)
        hist = hist[hist[src].isin(df[src].iloc[idx]) & hist[dstc].isin(pop)]
        own = hist.groupby([src, dstc]).agg(last=(tc, "max"), n=(tc, "size")).reset_index()
        own["rank"] = own[dstc].map(rank).to_numpy()
        own = own.sort_values(
            [src, "last", "n", "rank"], ascending=[True, False, False, True], kind="stable"
        )
        mine = own.groupby(src)[dstc].agg(list).to_dict()
        for i, s in zip(idx, df[src].iloc[idx]):
            visited = mine.get(s, [])
            if len(visited) >= k:
                out[i] = visited[:k]
                continue
            fill = pop[~np.isin(pop, visited)][: k - len(visited)]
            out[i] = list(visited) + fill.tolist()
    return _tidy(out)


def _tidy(out: np.ndarray) -> np.ndarray:
    """Object array of ids -> a numeric array when every id is a number."""
    try:
        return (
            out.astype(np.int64) if all(isinstance(v, (int, np.integer)) for v in out.flat) else out
        )
    except (TypeError, ValueError):
        return out


register_baseline(
    BaselineEntry(
        "global_popularity",
        (LINK.name,),
        "the destinations with the most links observed by the seed time, for every source",
        global_popularity,
    )
)
register_baseline(
    BaselineEntry(
        "past_visits",
        (LINK.name,),
        "the source's own past destinations, most recent first (padded with global_popularity)",
        past_visits,
    )
)

#: name -> ranking function of the link baselines (from `rdl.baselines.registry`)
LINK_BASELINES: dict[str, Callable] = {
    e.name: cast(Callable, e.fn)  # each has one
    for e in baselines_for(LINK)
}


def run_link_baselines(
    db,
    task,
    *,
    baselines: list[str] | None = None,
    log: Callable[[str], None] | None = None,
    history: LinkHistory | None = None,
    protocol: str = "relbench",
    predictions: list | None = None,
) -> dict:
    """Score the link baselines on a link task's val and test splits.

    Args:
        db: the `rdl.Database` the task runs on.
        task: a `rdl.tasks.LinkTask` built on ``db`` (or its class).
        baselines: names from `LINK_BASELINES` (default: all).
        log: called with one line per baseline.
        history: a `LinkHistory` of ``task`` to reuse (its cache is shared); it must
            observe links in ``task.input_db(protocol)``.
        protocol: ``"relbench"`` (links observed only in the database cut at the test
            timestamp, as every model input) or ``"rolling"`` (`rdl.tasks.PROTOCOLS`).
        predictions: a list to which each split's top-``eval_k`` rankings are appended as
            an `rdl.results.prediction_frame` (see `rdl.baselines.run_baselines`).

    Returns:
        ``{"task", "db", "task_type", "metrics", "eval_k", "protocol", "splits", "baselines":
        {name: {"val": {metric: value}, "test": {...}, "fit_seconds": s,
        "history_seconds": s}}, "total_seconds": s}`` — ``run_baselines``' layout.
        ``history_seconds`` is the time spent computing the observed links (shared by
        the baselines; each entry's ``fit_seconds`` includes what it computed first).

    Raises:
        ValueError: not a link task, another database, or unknown baseline names.
    """
    t_start = time.perf_counter()
    if isinstance(task, type):
        task = task(db)
    if kind_of(task) is not LINK:
        raise ValueError(
            f"run_link_baselines: task {getattr(task, 'name', task)!r} is not a "
            "link task; use rdl.baselines.run_baselines for entity tasks"
        )
    if getattr(task, "db", db) is not db:
        raise ValueError(
            "run_link_baselines: the task was built on a different Database "
            "than `db`; pass the task's own database"
        )
    names = list(LINK_BASELINES) if baselines is None else list(baselines)
    unknown = [n for n in names if n not in LINK_BASELINES]
    if unknown:
        raise ValueError(f"unknown link baseline(s) {unknown}; available: {list(LINK_BASELINES)}")
    say = log or (lambda _msg: None)
    history = history if history is not None else LinkHistory(task, task.input_db(protocol))
    tables = {s: task.get_table(s, mask_input_cols=False).df for s in ("train", "val", "test")}
    result = {
        "task": task.name,
        "db": safe_url(getattr(db, "url", None) or repr(db)),
        "task_type": str(task.task_type),
        "metrics": list(task.metrics),
        "eval_k": task.eval_k,
        "protocol": protocol,
        "splits": {s: len(df) for s, df in tables.items()},
        "baselines": {},
    }
    first = task.metrics[0]
    kept: dict[str, dict[str, np.ndarray]] = {"val": {}, "test": {}}
    for name in names:
        t0, h0 = time.perf_counter(), history.seconds
        entry: dict = {}
        for split in ("val", "test"):
            df = tables[split]
            pred = LINK_BASELINES[name](task, df[[task.time_col, task.src_entity_col]], history)
            kept[split][name] = pred
            entry[split] = {
                m: float(METRICS[m](df[task.dst_entity_col].tolist(), pred, k=task.eval_k))
                for m in task.metrics
            }
        entry["fit_seconds"] = time.perf_counter() - t0
        entry["history_seconds"] = history.seconds - h0
        result["baselines"][name] = entry
        shown = entry["test"][first]
        say(
            f"{name}: test {first} = {'n/a' if math.isnan(shown) else f'{shown:.4f}'} "
            f"({entry['fit_seconds']:.2f} s)"
        )
    if predictions is not None:
        from rdl.results import prediction_frame

        for split in ("val", "test"):
            df = tables[split]
            predictions.append(
                prediction_frame(
                    split,
                    df[task.src_entity_col],
                    df[task.time_col],
                    df[task.dst_entity_col],
                    kept[split],
                )
            )
    result["total_seconds"] = time.perf_counter() - t_start
    return result


def _run_link(
    db,
    task,
    *,
    baselines=None,
    log=None,
    link_history=None,
    protocol: str = "relbench",
    predictions=None,
    **_entity_options,
) -> dict:
    """`rdl.baselines.run_baselines` of the link kind (``seed`` / ``lightgbm_kwargs``
    do not apply)."""
    return run_link_baselines(
        db,
        task,
        baselines=baselines,
        log=log,
        history=link_history,
        protocol=protocol,
        predictions=predictions,
    )


RUNNERS.register(LINK, _run_link)
