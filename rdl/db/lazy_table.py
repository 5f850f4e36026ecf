"""`LazyTable` / `LazyDatabase`: the tables of a DuckDB file, described (keys, time
columns, stypes) without reading their rows into memory; opened by `rdl.db.lazy.open_lazy`.

A `LazyTable` holds a table's schema (`TableMeta`) and, after a time cut, SQL conditions
(``upto(t)`` adds ``WHERE time <= t``; nothing is copied). Its rows are read when asked
for: ``len``, ``min_timestamp``, views for task SQL (`LazyTable.register`), queries for
the streaming graph build (`LazyTable.select_sql`), and ``df`` — the whole table in
pandas, as `rdl.connect` would hold it — for tables up to ``max_rows`` rows, so code
written for in-memory tables (entity filtering of task tables, link candidates) keeps
working on the small tables of a large database.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from rdl.db import hints
from rdl.db.database import Database
from rdl.db.errors import SchemaError, arg
from rdl.db.schema import SURROGATE_PKEY
from rdl.db.sql import quote_identifier as q
from rdl.db.validate import ValidationReport

MAX_ROWS_IN_MEMORY = 20_000_000
SOURCE = "rdl_src"  # the alias under which views attach the file
#: DuckDB's memory limit on rdl's out-of-core connections (DuckDB spills to disk past it;
#: its own default is 80 % of the machine's memory). Set ``RDL_DUCKDB_MEMORY`` to change.
DUCKDB_MEMORY = "4GB"


def configure(con) -> None:
    """rdl's settings on a DuckDB connection that reads an out-of-core database: no
    progress bar, and the memory limit (``RDL_DUCKDB_MEMORY``, default `DUCKDB_MEMORY`)."""
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = '{os.environ.get('RDL_DUCKDB_MEMORY', DUCKDB_MEMORY)}'")


_DATE = ("DATE", "TIMESTAMP")


@dataclass(frozen=True)
class FKey:
    """A foreign key: ``col`` (a column of the table, or the ``_rdl_fkey_<parent>``
    surrogate of a composite key over ``source_cols``) references ``parent``'s primary
    key (``parent_cols`` are the parent's key columns)."""

    col: str
    source_cols: tuple[str, ...]
    parent: str
    parent_cols: tuple[str, ...]


@dataclass(frozen=True)
class TableMeta:
    """What rdl knows of a table without its rows."""

    name: str
    sql_types: dict  # column -> DuckDB type, upper case, in column order
    pkey_cols: tuple[str, ...]
    fkeys: tuple[FKey, ...]
    time_col: str | None
    stypes: dict
    where: tuple[str, ...] = ()  # SQL conditions (time cuts)

    @property
    def pkey_col(self) -> str | None:
        if len(self.pkey_cols) > 1:
            return SURROGATE_PKEY
        return self.pkey_cols[0] if self.pkey_cols else None


def select_expr(col: str, sql_type: str) -> str:
    """The SELECT expression that reads ``col`` as `rdl.connect` holds it."""
    c = q(col)
    if sql_type.startswith("DECIMAL"):
        return f"CAST({c} AS DOUBLE) AS {c}"
    if sql_type == "TIMESTAMP WITH TIME ZONE":
        return f"CAST(timezone('UTC', {c}) AS TIMESTAMP) AS {c}"
    if sql_type.startswith(_DATE) and "INTERVAL" not in sql_type:
        return f"CAST({c} AS TIMESTAMP) AS {c}"
    return c


class LazyTable:
    """A table of a DuckDB file, read on demand (the attributes of `rdl.db.Table`).

    Attributes:
        pkey_col, fkey_col_to_pkey_table, time_col, stypes: as `rdl.db.Table`.
        meta: `TableMeta` (source types, key columns, the time cut's SQL conditions).
        path: the DuckDB file.
    """

    def __init__(self, path: str, meta: TableMeta, max_rows: int = MAX_ROWS_IN_MEMORY):
        self.path, self.meta, self.max_rows = path, meta, max_rows
        self.pkey_col = meta.pkey_col
        self.fkey_col_to_pkey_table = {fk.col: fk.parent for fk in meta.fkeys}
        self.time_col = meta.time_col
        self.stypes = dict(meta.stypes)
        self._len: int | None = None
        self._df: pd.DataFrame | None = None
        self._minmax = None
        # the LazyDatabase holding it (set by LazyDatabase); Any: its tables are LazyTables,
        # which `Database` types as `Table`
        self.database: Any = None

    # ---- SQL ------------------------------------------------------------------------
    def connect(self):
        """A read-only DuckDB connection to the file."""
        import duckdb

        con = duckdb.connect(self.path, read_only=True)
        configure(con)
        return con

    def from_sql(self, source: str | None = None) -> str:
        """``FROM <table> [WHERE <time cut>]`` (``source``: the catalog prefix)."""
        table = (f"{source}.main." if source else "") + q(self.meta.name)
        where = f" WHERE {' AND '.join(self.meta.where)}" if self.meta.where else ""
        return f"FROM {table}{where}"

    def select_sql(
        self, columns: list[str] | None = None, source: str | None = None, order: bool = False
    ) -> str:
        """A query of ``columns`` (default: every source column) read as `rdl.connect`
        reads them, in key order if ``order``."""
        types = self.meta.sql_types
        cols = list(types) if columns is None else columns
        sql = f"SELECT {', '.join(select_expr(c, types[c]) for c in cols)} {self.from_sql(source)}"
        by = self.meta.pkey_cols or tuple(types)
        if order:
            sql += " ORDER BY " + ", ".join(f"{q(c)} NULLS LAST" for c in by)
        return sql

    def register(self, con, name: str) -> None:
        """Make the table visible in DuckDB connection ``con`` as view ``name`` (the file
        attached read-only as ``rdl_src``): task SQL reads it without a pandas copy. The
        view holds the source columns (not rdl's surrogate key columns)."""
        configure(con)
        con.execute(f"ATTACH IF NOT EXISTS '{self.path}' AS {SOURCE} (READ_ONLY)")
        con.execute(f"CREATE OR REPLACE TEMP VIEW {q(name)} AS {self.select_sql(source=SOURCE)}")

    def scalar(self, sql: str):
        con = self.connect()
        try:
            return con.execute(sql).fetchone()
        finally:
            con.close()

    # ---- Table interface --------------------------------------------------------------
    def __len__(self) -> int:
        if self._len is None:
            self._len = int(self.scalar(f"SELECT count(*) {self.from_sql()}")[0])
        return self._len

    @property
    def key_cols(self) -> list[str]:
        keys = [self.pkey_col] if self.pkey_col else []
        return keys + list(self.fkey_col_to_pkey_table)

    def _time_range(self):
        if self._minmax is None:
            tc = select_expr(self.time_col, self.meta.sql_types[self.time_col])
            expr = tc.rsplit(" AS ", 1)[0]
            self._minmax = self.scalar(f"SELECT min({expr}), max({expr}) {self.from_sql()}")
        return self._minmax

    @property
    def min_timestamp(self) -> pd.Timestamp | None:
        if self.time_col is None or self._time_range()[0] is None:
            return None
        return pd.Timestamp(self._time_range()[0])

    @property
    def max_timestamp(self) -> pd.Timestamp | None:
        if self.time_col is None or self._time_range()[1] is None:
            return None
        return pd.Timestamp(self._time_range()[1])

    def _cut(self, op: str, timestamp) -> LazyTable:
        if self.time_col is None:
            return self
        ts = pd.Timestamp(timestamp)
        expr = select_expr(self.time_col, self.meta.sql_types[self.time_col]).rsplit(" AS ", 1)[0]
        cond = f"{expr} {op} TIMESTAMP '{ts.isoformat(sep=' ')}'"
        return LazyTable(
            self.path, replace(self.meta, where=self.meta.where + (cond,)), self.max_rows
        )

    def upto(self, timestamp) -> LazyTable:
        """Rows with time ``<= timestamp`` (a SQL condition; nothing is read)."""
        return self._cut("<=", timestamp)

    def from_(self, timestamp) -> LazyTable:
        """Rows with time ``>= timestamp``."""
        return self._cut(">=", timestamp)

    @property
    def df(self) -> pd.DataFrame:
        """The rows as `rdl.connect` would hold them (key order, surrogate key columns
        included), loaded on first use.

        Raises:
            SchemaError: the table has more than ``max_rows`` rows (the message names it).
        """
        if self._df is None:
            n = len(self)
            if n > self.max_rows:
                raise SchemaError(
                    f"table {self.meta.name!r} has {n:,} rows, more than the {self.max_rows:,} "
                    "rdl loads into memory from an out-of-core database; this step needs "
                    f"the whole table. Use {hints.storage('memory')} on a machine with "
                    "enough memory, or leave this step out (e.g. "
                    f"{arg('baselines', 'False', cli='')})."
                )
            con = self.connect()
            try:
                df = con.sql(self.select_sql(order=True)).df()
            finally:
                con.close()
            df = _plain(df)
            if len(self.meta.pkey_cols) > 1:
                df.insert(0, SURROGATE_PKEY, range(len(df)))
            for fk in self.meta.fkeys:
                if len(fk.source_cols) == 1:  # dangling values -> null, as rdl.connect
                    parent = self.database[fk.parent]
                    con = parent.connect()
                    try:
                        keys = (
                            con.sql(f"SELECT {q(fk.parent_cols[0])} FROM {q(parent.meta.name)}")
                            .df()
                            .iloc[:, 0]
                        )
                    finally:
                        con.close()
                    col = df[fk.col]
                    bad = col.notna() & ~col.isin(keys)
                    if bad.any():
                        new = (
                            col.astype("float64")
                            if pd.api.types.is_integer_dtype(col)
                            else col.copy()
                        )
                        new[bad] = None
                        df[fk.col] = new
                else:  # composite: the parent's surrogate key
                    parent = self.database[fk.parent].df
                    lookup = parent[[*fk.parent_cols, SURROGATE_PKEY]].rename(
                        columns=dict(zip(fk.parent_cols, fk.source_cols))
                    )
                    df[fk.col] = (
                        df[list(fk.source_cols)]
                        .merge(lookup, how="left")[SURROGATE_PKEY]
                        .to_numpy()
                    )
            self._df = df
        return self._df

    def __repr__(self) -> str:
        return (
            f"LazyTable({self.meta.name!r}, {self.path!r}, pkey_col={self.pkey_col!r}, "
            f"time_col={self.time_col!r}, where={list(self.meta.where)})"
        )


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Nullable integer / float columns as ``int64`` (no nulls) or ``float64``, as
    `rdl.connect` holds them."""
    for col in df.columns:
        s = df[col]
        if isinstance(s.dtype, pd.api.extensions.ExtensionDtype) and (
            pd.api.types.is_integer_dtype(s) or pd.api.types.is_float_dtype(s)
        ):
            int_ok = pd.api.types.is_integer_dtype(s) and not s.isna().any()
            df[col] = s.astype("int64" if int_ok else "float64")
        elif pd.api.types.is_datetime64_any_dtype(s) and getattr(s.dt, "tz", None) is None:
            df[col] = s.astype("datetime64[ns]")
    return df


class LazyDatabase(Database):
    """A `Database` of `LazyTable`\\ s over one DuckDB file (see the module docstring).

    ``upto`` / ``from_`` return `LazyDatabase`\\ s (time cuts as SQL conditions);
    ``is_lazy`` tells rdl's graph build to stream it (`rdl.graph.stream`).
    """

    is_lazy = True
    table_dict: dict[str, Any]  # LazyTables, used where rdl takes a `Table`

    def __init__(self, tables: dict, path: str):
        super().__init__(tables)
        for t in self.table_dict.values():
            t.database = self
        self.path = path
        self.report = ValidationReport()
        self.url = f"duckdb:///{path}"

    def upto(self, timestamp) -> LazyDatabase:
        return self._derived({n: t.upto(timestamp) for n, t in self.table_dict.items()})

    def from_(self, timestamp) -> LazyDatabase:
        return self._derived({n: t.from_(timestamp) for n, t in self.table_dict.items()})

    def _derived(self, tables) -> LazyDatabase:
        out = LazyDatabase(tables, self.path)
        out.report, out.url = self.report, self.url
        return out

    def fingerprint(self) -> str:
        """A hex SHA-256 of the file's identity (resolved path, size, modification time
        in ns) and of the schema and time cuts — not of every value (that would read
        the whole file); rewriting the file changes its size or time."""
        st = os.stat(self.path)
        meta = {
            "path": str(Path(self.path).resolve()),
            "size": st.st_size,
            "mtime_ns": st.st_mtime_ns,
            "tables": {
                n: [
                    t.meta.pkey_cols,
                    [tuple(f.__dict__.values()) for f in t.meta.fkeys],
                    t.meta.time_col,
                    sorted(t.meta.stypes.items()),
                    list(t.meta.sql_types.items()),
                    list(t.meta.where),
                ]
                for n, t in sorted(self.table_dict.items())
            },
        }
        return hashlib.sha256(json.dumps(meta, default=str).encode()).hexdigest()
