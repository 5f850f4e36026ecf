"""Split timestamps: RelBench's temporal protocol, and a default when a task sets no dates.

Source: RelBench ``relbench/base/task_base.py`` (``BaseTask._get_table``), reproduced
exactly:

* A task at seed time ``t`` predicts over the window ``(t, t + timedelta]``.
* **train**: ``pd.date_range(val_timestamp - timedelta, min_timestamp, freq=-timedelta)``,
  i.e. step back by ``timedelta`` from ``val_timestamp - timedelta`` while the seed time is
  ``>= min_timestamp`` (the first timestamp of the database cut at ``test_timestamp``).
  At least 3 are required.
* **val**: ``val_timestamp, val_timestamp + timedelta, ...``, ``num_eval_timestamps`` of
  them, but none after ``test_timestamp - timedelta`` (so every val window closes by
  ``test_timestamp``). ``val_timestamp + timedelta`` must not pass the last timestamp of the
  cut database.
* **test**: ``test_timestamp, test_timestamp + timedelta, ...``, ``num_eval_timestamps`` of
  them, but none after ``max_timestamp - timedelta`` of the full database (so every test
  window closes inside the data). ``test_timestamp + timedelta`` must not pass the full
  database's last timestamp.

All functions return ascending `pandas.DatetimeIndex` es (RelBench builds the train range
in descending order; the set is the same).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rdl.db import Database, hints
from rdl.tasks.types import TaskError

SPLITS = ("train", "val", "test")
#: RelBench refuses fewer training seed times than this.
MIN_TRAIN_TIMESTAMPS = 3
#: Default split dates (when a task sets none): these quantiles of all event times.
DEFAULT_VAL_QUANTILE = 0.70
DEFAULT_TEST_QUANTILE = 0.85


def check_split(split: str, who: str = "task") -> str:
    """Return ``split`` if it is one of ``train``/``val``/``test``.

    Raises:
        TaskError: any other value (the message names it).
    """
    if split not in SPLITS:
        raise TaskError(f"{who}: unknown split {split!r}; use one of {list(SPLITS)}.")
    return split


def event_times(db: Database) -> pd.Series:
    """All non-null values of every time column of ``db``, pooled (``datetime64[ns]``).

    Raises:
        TaskError: no table has a time column, or all of them are empty.
    """
    parts = [
        t.df[t.time_col].dropna().astype("datetime64[ns]")
        for t in db.values()
        if t.time_col is not None
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        raise TaskError(
            "the database has no timestamped rows (no table has a time column, or they are "
            "all empty): a temporal task needs at least one time column. Declare one with "
            f"{hints.time_col('TABLE')}."
        )
    return pd.Series(np.concatenate([p.to_numpy() for p in parts]), name="time")


def default_split_timestamps(
    db: Database,
    val_quantile: float = DEFAULT_VAL_QUANTILE,
    test_quantile: float = DEFAULT_TEST_QUANTILE,
) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """rdl's default split dates for a database with no natural ones.

    ``val_timestamp`` and ``test_timestamp`` are the ``val_quantile`` (70 %) and
    ``test_quantile`` (85 %) quantiles of all event times (every non-null value of every
    time column, pooled), floored to midnight. So about 70 % of the events can feed
    training, the next 15 % validation and the last 15 % test, whatever the growth of the
    data over time. (RelBench sets these dates by hand per dataset; this is rdl's rule.)

    Returns:
        ``(val_timestamp, test_timestamp, note)``, ``note`` a one-line account of the
        choice for printing.

    Raises:
        TaskError: no timestamped rows, or the two quantiles fall on the same day.
    """
    times = event_times(db)
    val = pd.Timestamp(times.quantile(val_quantile)).floor("D")
    test = pd.Timestamp(times.quantile(test_quantile)).floor("D")
    if not val < test:
        raise TaskError(
            f"default split dates collapse: the {val_quantile:.0%} and {test_quantile:.0%} "
            f"quantiles of the event times both fall on {val.date()} (events span "
            f"{times.min()} .. {times.max()}). Set val_timestamp and test_timestamp on the task."
        )
    note = (
        f"the {val_quantile:.0%} / {test_quantile:.0%} quantiles of the {len(times):,} event "
        f"times ({times.min()} .. {times.max()}, all time columns), floored to the day"
    )
    return val, test, note


def train_timestamps(
    val_timestamp: pd.Timestamp,
    timedelta: pd.Timedelta,
    min_timestamp: pd.Timestamp,
    who: str = "task",
) -> pd.DatetimeIndex:
    """Train seed times: from ``val_timestamp - timedelta`` back by ``timedelta`` to
    ``min_timestamp`` (inclusive), ascending. RelBench's rule.

    Raises:
        TaskError: fewer than `MIN_TRAIN_TIMESTAMPS` (3) seed times; the message says
            what to change.
    """
    ts = pd.date_range(start=val_timestamp - timedelta, end=min_timestamp, freq=-timedelta)
    if len(ts) < MIN_TRAIN_TIMESTAMPS:
        raise TaskError(
            f"{who}: only {len(ts)} training timestamp(s), at least {MIN_TRAIN_TIMESTAMPS} "
            f"are required: stepping back by timedelta={timedelta} from val_timestamp - "
            f"timedelta = {val_timestamp - timedelta} reaches the database's first timestamp "
            f"{min_timestamp} after {len(ts)} step(s). Move val_timestamp later (at least "
            f"{min_timestamp + MIN_TRAIN_TIMESTAMPS * timedelta}) or shorten timedelta."
        )
    return ts.sort_values()


def val_timestamps(
    val_timestamp: pd.Timestamp,
    test_timestamp: pd.Timestamp,
    timedelta: pd.Timedelta,
    num_eval_timestamps: int,
    max_timestamp: pd.Timestamp,
    who: str = "task",
) -> pd.DatetimeIndex:
    """Val seed times: ``num_eval_timestamps`` steps of ``timedelta`` from
    ``val_timestamp``, none after ``test_timestamp - timedelta``. RelBench's rule.

    Args:
        max_timestamp: last timestamp of the database cut at ``test_timestamp``.

    Raises:
        TaskError: ``val_timestamp + timedelta > max_timestamp`` (val labels would be
            computed over an incomplete window).
    """
    if val_timestamp + timedelta > max_timestamp:
        raise TaskError(
            f"{who}: val_timestamp + timedelta = {val_timestamp + timedelta} is after the "
            f"last timestamp {max_timestamp} of the database cut at test_timestamp "
            f"({test_timestamp}): the val labels would be computed over an incomplete window. "
            "Move val_timestamp earlier or shorten timedelta."
        )
    end = min(val_timestamp + timedelta * (num_eval_timestamps - 1), test_timestamp - timedelta)
    return pd.date_range(start=val_timestamp, end=end, freq=timedelta)


def test_timestamps(
    test_timestamp: pd.Timestamp,
    timedelta: pd.Timedelta,
    num_eval_timestamps: int,
    max_timestamp: pd.Timestamp,
    who: str = "task",
) -> pd.DatetimeIndex:
    """Test seed times: ``num_eval_timestamps`` steps of ``timedelta`` from
    ``test_timestamp``, none after ``max_timestamp - timedelta``. RelBench's rule.

    Args:
        max_timestamp: last timestamp of the full database.

    Raises:
        TaskError: ``test_timestamp + timedelta > max_timestamp``.
    """
    if test_timestamp + timedelta > max_timestamp:
        raise TaskError(
            f"{who}: test_timestamp + timedelta = {test_timestamp + timedelta} is after the "
            f"database's last timestamp {max_timestamp}: the test labels would be computed "
            f"over an incomplete window. Move test_timestamp earlier (at most "
            f"{max_timestamp - timedelta}) or shorten timedelta."
        )
    end = min(test_timestamp + timedelta * (num_eval_timestamps - 1), max_timestamp - timedelta)
    return pd.date_range(start=test_timestamp, end=end, freq=timedelta)


def root_causes(db) -> str:
    """What in ``db`` can make the split windows run past the data — empty tables, and
    tables whose time-like column was not read (all NULL, unrecognised formats: the
    database report's warnings) — as a sentence to append to a split error; ``""``
    when nothing is found. A moved timestamp fixes none of these."""
    empty = sorted(n for n, t in db.items() if len(t.df) == 0)
    report = getattr(db, "report", None)
    unread = []
    for prob in getattr(report, "problems", None) or []:
        text = str(getattr(prob, "message", ""))
        if getattr(prob, "level", "") == "warning" and (
            "no time column" in text or "not read as timestamps" in text
        ):
            unread.append(f"{prob.table}.{prob.column}" if prob.column else str(prob.table))
    parts = []
    if empty:
        parts.append(f"table(s) {empty} hold no rows")
    if unread:
        parts.append(
            f"{sorted(set(unread))} gave no time column (see the warnings of `rdl inspect`)"
        )
    if not parts:
        return ""
    return " Check this first, as moving the timestamps will not help: " + "; ".join(parts) + "."
