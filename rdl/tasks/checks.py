"""Checks shared by entity and link tasks (`rdl.tasks.EntityTask`, `rdl.tasks.LinkTask`):

* of a task's definition — required attributes set, task type, timedelta, metrics, split
  dates (`check_definition`, `check_metrics`);
* of its tables — exactly the task's columns, every row at one of the split's seed times
  (`check_columns`, `frame_at_seed_times`).

Errors (`TaskError`) name the task, the attribute or split, the columns and a few rows,
and say what to change."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rdl.db import Table
from rdl.tasks.kinds import KINDS, kind_of, task_type_value
from rdl.tasks.types import TaskError

_MAX_SHOWN = 5


def check_definition(task: Any, has_labels: bool) -> None:
    """Check a task's class attributes and normalise them in place (``task_type`` to a
    `TaskType`, or the name of a kind registered in `rdl.tasks.kinds`; ``timedelta`` to a
    ``pd.Timedelta``, ``metrics`` to names — unset: the kind's defaults —, split dates to
    ``pd.Timestamp``).

    Args:
        task: the `rdl.tasks.BaseTask` being built.
        has_labels: the task defines ``sql`` or overrides ``make_table``.

    Raises:
        TaskError: a required attribute (``task.REQUIRED``) is unset; an unknown task type
            or metric; a timedelta that is not a positive duration; ``num_eval_timestamps``
            not an int >= 1; neither ``sql`` nor ``make_table``; a split date that is not
            a timestamp.
    """
    who = task._who
    missing = [a for a in task.REQUIRED if getattr(task, a, None) is None]
    if missing:
        raise TaskError(
            f"{who} ({type(task).__name__}): class attribute(s) {missing} not set; "
            "set them on the class (see rdl.tasks.EntityTask)."
        )
    try:
        kind = kind_of(task.task_type)
        task.task_type = task_type_value(kind)
    except TaskError:
        raise TaskError(
            f"{who}: task_type {task.task_type!r} is not one of {list(KINDS)} "
            "(a new kind: rdl.tasks.kinds.register_kind)."
        ) from None
    try:
        task.timedelta = pd.Timedelta(task.timedelta)
    except (TypeError, ValueError):
        raise TaskError(
            f"{who}: timedelta {task.timedelta!r} is not a duration; use pd.Timedelta(days=30)."
        ) from None
    if not task.timedelta > pd.Timedelta(0):
        raise TaskError(f"{who}: timedelta must be positive (got {task.timedelta}).")
    if not isinstance(task.num_eval_timestamps, int) or task.num_eval_timestamps < 1:
        raise TaskError(
            f"{who}: num_eval_timestamps must be an int >= 1 (got {task.num_eval_timestamps!r})."
        )
    task.metrics = check_metrics(list(kind.metrics) if task.metrics is None else task.metrics, who)
    if not has_labels:
        raise TaskError(
            f"{who} ({type(task).__name__}) defines neither `sql` nor `make_table`: "
            "set `sql` to a DuckDB query or override make_table(db, timestamps)."
        )
    for attr in ("val_timestamp", "test_timestamp"):
        value = getattr(task, attr)
        if value is not None:
            try:
                setattr(task, attr, pd.Timestamp(value))
            except (TypeError, ValueError):
                raise TaskError(
                    f"{who}: {attr} {value!r} is not a timestamp; use pd.Timestamp('2005-01-01')."
                ) from None


def check_metrics(metrics: Any, who: str) -> list[str]:
    """``metrics`` (names, or functions of `rdl.metrics.METRICS`) as names.

    Raises:
        TaskError: not a non-empty list, or an unknown metric.
    """
    from rdl.metrics import METRICS

    if isinstance(metrics, str) or not metrics:
        raise TaskError(
            f"{who}: metrics must be a non-empty list of names from "
            f"rdl.metrics.METRICS (got {metrics!r})."
        )
    names = []
    for m in metrics:
        if callable(m):
            match = [n for n, f in METRICS.items() if f is m]
            m = match[0] if match else getattr(m, "__name__", repr(m))
        if m not in METRICS:
            raise TaskError(f"{who}: unknown metric {m!r}; known: {sorted(METRICS)}.")
        names.append(m)
    return names


def rows_text(df: pd.DataFrame, mask) -> str:
    """A few offending rows of ``df`` (where ``mask``) as text, for error messages."""
    return df[np.asarray(mask)].head(_MAX_SHOWN).to_string(index=False)


def check_columns(df: pd.DataFrame, columns: list[str], roles: str, who: str) -> None:
    """Raise unless ``df`` has exactly ``columns`` (any order).

    Args:
        df: the task table's frame.
        columns: the task's columns, e.g. ``[time_col, entity_col, target_col]``.
        roles: the attributes naming them, for the message (``"time_col, entity_col,
            target_col"``).
        who: the message prefix (``"task 'x', train split"``).

    Raises:
        TaskError: missing or unexpected columns, both listed.
    """
    got = [str(c) for c in df.columns]
    missing = [c for c in columns if c not in got]
    extra = [c for c in got if c not in columns]
    if missing or extra:
        raise TaskError(
            f"{who}: the task table must have exactly the columns {columns} "
            f"({roles}); got {got}"
            + (f", missing {missing}" if missing else "")
            + (f", unexpected {extra}" if extra else "")
            + ". Rename them in the SQL (AS ...) or set the task's column attributes."
        )


def frame_at_seed_times(
    table: Any,
    columns: list[str],
    roles: str,
    time_col: str,
    timestamps: pd.DatetimeIndex,
    who: str,
) -> pd.DataFrame:
    """``make_table``'s output as a frame with exactly ``columns`` (in that order), the
    time column as ``datetime64[ns]`` and every row at one of the split's seed times.

    Args:
        table: what ``make_table`` returned (`rdl.Table` or ``pd.DataFrame``).
        columns, roles: as `check_columns`.
        time_col: the column holding the seed time ``t``.
        timestamps: the split's seed times.
        who: the message prefix (task and split).

    Returns:
        a new frame (index ``0..n-1``).

    Raises:
        TaskError: not a Table/DataFrame; missing or extra columns; a time column that
            is not timestamps; rows at times other than ``timestamps``.
    """
    if isinstance(table, Table):
        df = table.df
    elif isinstance(table, pd.DataFrame):
        df = table
    else:
        raise TaskError(
            f"{who}: make_table returned a {type(table).__name__}; return an rdl.Table or "
            f"a pandas DataFrame with columns {columns}."
        )
    check_columns(df, columns, roles, who)
    df = df[columns].reset_index(drop=True)
    t = df[time_col]
    if not pd.api.types.is_datetime64_any_dtype(t):
        try:
            t = pd.to_datetime(t)
        except (TypeError, ValueError):
            raise TaskError(
                f"{who}: time_col {time_col!r} holds {t.dtype} values, not seed times."
            ) from None
    df[time_col] = t.astype("datetime64[ns]")
    off = ~df[time_col].isin(timestamps)
    if off.any():
        raise TaskError(
            f"{who}: {int(off.sum())} row(s) have a {time_col!r} that is not one of "
            f"the split's seed times (select t.timestamp from timestamp_df as "
            f"{time_col!r}); e.g.\n{rows_text(df, off)}"
        )
    return df


def check_label_variety(task: Any, tables: dict) -> None:
    """Refuse, before any training, a classification task whose labels are all the same
    in a split: nothing can be learned from one class (train), and AUROC, AP and F1 are
    undefined on one (val, test) — so the run would fail only after training.

    Raises:
        TaskError: names the split, the label value and the seed times, and what to
            change (the split timestamps or the label SQL).
    """
    kind = getattr(task, "kind", None)
    if kind is None or kind.name not in ("binary_classification", "multiclass_classification"):
        return
    target = getattr(task, "target_col", None)
    for split, table in tables.items():
        df = getattr(table, "df", table)
        if target not in df.columns or len(df) == 0:
            continue
        values = pd.unique(df[target])
        if len(values) == 1:
            times = sorted(pd.unique(df[task.time_col]))
            shown = [str(pd.Timestamp(t).date()) for t in times[:4]]
            shown_value = values[0].item() if hasattr(values[0], "item") else values[0]
            raise TaskError(
                f"task {getattr(task, 'name', type(task).__name__)!r}: every {split} label is "
                f"{shown_value!r} ({len(df):,} rows at seed time(s) {shown}"
                f"{' ...' if len(times) > 4 else ''}): "
                + (
                    "a model cannot learn from one class"
                    if split == "train"
                    else f"the {split} metrics are undefined on one class"
                )
                + ". Choose split timestamps where both classes occur (val_timestamp / "
                "test_timestamp, num_eval_timestamps) or check the label SQL."
            )
