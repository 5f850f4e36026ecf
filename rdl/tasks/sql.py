"""Run a task's label SQL in DuckDB over a `Database` plus ``timestamp_df(timestamp)``."""

from __future__ import annotations

import duckdb
import pandas as pd

from rdl.db import Database
from rdl.tasks.types import TaskError

#: Placeholder in a task's ``sql`` replaced by the task's timedelta as a DuckDB interval.
TIMEDELTA_PLACEHOLDER = "{timedelta}"
TIMESTAMP_TABLE = "timestamp_df"


def interval_literal(timedelta: pd.Timedelta) -> str:
    """``timedelta`` as an exact DuckDB interval literal, e.g.
    ``INTERVAL '2592000000000 microseconds'`` for 30 days (no month arithmetic)."""
    us = pd.Timedelta(timedelta) // pd.Timedelta(microseconds=1)
    return f"INTERVAL '{us} microseconds'"


def run_sql(
    sql: str,
    db: Database,
    timestamps: pd.Series | pd.DatetimeIndex,
    timedelta: pd.Timedelta | None = None,
    who: str = "task",
) -> pd.DataFrame:
    """Run ``sql`` in an in-memory DuckDB and return the result as a DataFrame.

    Every table of ``db`` is visible under its own name (a name that is an SQL keyword,
    such as ``type`` or ``order``, must be double-quoted in the SQL: ``"type"``), and
    ``timestamp_df`` holds one column ``timestamp`` with the seed times. The text
    ``{timedelta}`` in ``sql`` is replaced by `interval_literal` of ``timedelta``, so a
    window reads ``x.date > t.timestamp AND x.date <= t.timestamp + {timedelta}``.
    (RelBench's tasks run the same kind of DuckDB SQL over ``timestamp_df``.)

    Returned timestamp columns are ``datetime64[ns]`` as in rdl's tables.

    Raises:
        TaskError: a table is called ``timestamp_df``, or DuckDB rejects the SQL (the
            message carries DuckDB's error and lists the tables).
    """
    if TIMESTAMP_TABLE in db:
        raise TaskError(
            f"{who}: the database has a table named {TIMESTAMP_TABLE!r}, which clashes with "
            "the seed-time table of task SQL. Exclude or rename that table."
        )
    if timedelta is not None:
        sql = sql.replace(TIMEDELTA_PLACEHOLDER, interval_literal(timedelta))
    ts = pd.DataFrame({"timestamp": pd.Series(timestamps).astype("datetime64[ns]").to_numpy()})
    con = duckdb.connect()
    try:
        try:  # label SQL > 2 s would flood stderr; in Jupyter DuckDB may refuse the setting
            con.execute("SET enable_progress_bar = false")
        except duckdb.InvalidInputException:
            pass
        for name, table in db.items():
            if hasattr(table, "register"):  # an out-of-core table (rdl.db.lazy): a view
                table.register(con, name)
            else:
                con.register(name, table.df)
        con.register(TIMESTAMP_TABLE, ts)
        try:
            df = con.sql(sql).df()
        except duckdb.Error as e:
            hint = _unread_hint(db, str(e))
            raise TaskError(
                f"{who}: DuckDB could not run the task's sql: {e}{hint}\nTables available: "
                f"{sorted(db)} and {TIMESTAMP_TABLE}(timestamp); double-quote table names "
                f'that are SQL keywords ("type"). SQL:\n{sql}'
            ) from None
    finally:
        con.close()
    if df is None:
        raise TaskError(f"{who}: the task's sql returned no result set (is it a SELECT?).")
    for col in df.columns:
        if (
            pd.api.types.is_datetime64_any_dtype(df[col])
            and getattr(df[col].dt, "tz", None) is None
        ):
            df[col] = df[col].astype("datetime64[ns]")
    return df


def _unread_hint(db, message: str) -> str:
    """For "Table with name X does not exist": X is a view or a table of another schema the
    database holds but rdl did not read (they are read only when included)."""
    import re

    from rdl.db import hints

    m = re.search(r"Table with name (\S+) does not exist", message)
    if not m:
        return ""
    name = m.group(1).strip('"').lower()
    unread = [v for v in getattr(db, "unread", None) or [] if v.lower().split(".")[-1] == name]
    if not unread:
        return ""
    return (
        f" {unread[0]!r} is a view (or a table of another schema) of the database that "
        f"rdl reads only when asked: pass {hints.include(unread[0])}."
    )
