"""Task-table checks shared by entity and link tasks (`rdl.tasks.EntityTask`,
`rdl.tasks.LinkTask`): the table has exactly the task's columns, and every row sits at one
of the split's seed times. Errors name the task, the split, the columns and a few rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rdl.db import Table
from rdl.tasks.types import TaskError

_MAX_SHOWN = 5


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


def frame_at_seed_times(table: Any, columns: list[str], roles: str, time_col: str,
                        timestamps: pd.DatetimeIndex, who: str) -> pd.DataFrame:
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
