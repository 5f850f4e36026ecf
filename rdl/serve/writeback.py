"""Predictions written back (``rdl predict --out``): to a table of a database, or to a
``.parquet`` / ``.csv`` file.

Two rules keep a user's data safe:

* rdl never writes into the database it reads from unless asked
  (``allow_write_source=True``, ``--allow-write-source``). "The same database" is
  decided by `same_database`: the same file (paths resolved, symbolic links followed)
  for DuckDB and SQLite, the same server and database name for PostgreSQL and other
  server databases (``localhost``, ``127.0.0.1``, ``::1`` and a Unix socket all count as
  this machine);
* an existing table (or file) is never overwritten unless asked (``replace=True``,
  ``--replace``).

Writing goes through `rdl.db.write.to_url` (DuckDB, SQLite, PostgreSQL).
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pandas as pd

from rdl.db.errors import RdlError, arg
from rdl.db.sources import safe_url

FILE_SUFFIXES = (".parquet", ".csv")
DEFAULT_TABLE = "predictions"
_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306, "mssql": 1433, "oracle": 1521}


class WriteBackError(RdlError, ValueError):
    """Predictions cannot be written where asked; the message says which flag to pass."""


def with_provenance(
    df: pd.DataFrame, model: str, created_at: pd.Timestamp | None = None
) -> pd.DataFrame:
    """``df`` plus the columns ``model`` (which model made the rows) and ``created_at``
    (when, UTC, without time zone)."""
    out = df.copy()
    out["model"] = model
    now = created_at if created_at is not None else pd.Timestamp.now(tz="UTC").tz_localize(None)
    out["created_at"] = pd.Timestamp(now).floor("us")
    return out


def _file_of(url) -> str | None:
    """The database file of a DuckDB / SQLite URL (``None`` for servers, ``""`` for an
    in-memory database)."""
    if url.get_backend_name() not in ("duckdb", "sqlite"):
        return None
    path = url.database or ""
    if path.startswith("file:"):  # sqlite URI filenames
        path = path[5:].split("?", 1)[0]
    return "" if path in ("", ":memory:") else path


def _local(host: str | None) -> bool:
    if not host or host.startswith("/"):
        return True  # Unix socket (default or explicit directory)
    try:
        addrs = {str(a[4][0]) for a in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    mine = {"127.0.0.1", "::1"}
    try:
        mine |= {str(a[4][0]) for a in socket.getaddrinfo(socket.gethostname(), None)}
    except OSError:
        pass
    return any(a.startswith("127.") or a in mine for a in addrs)


def _server(url) -> tuple[str, str | None, int | None, str | None]:
    backend = url.get_backend_name()
    host = url.host or url.query.get("host")
    port = url.port or url.query.get("port") or _PORTS.get(backend)
    database = url.database or url.query.get("dbname") or url.username
    return backend, host, int(port) if port else None, database


def same_database(a: str, b: str) -> bool:
    """Whether two database URLs (or ``.duckdb`` / ``.sqlite`` / ``.db`` paths) name the
    same database: for files, the same file after resolving paths and symbolic links
    (an in-memory database is never the same as anything); for servers, the same backend,
    host (every name of this machine is one host), port (the backend's default when
    unset) and database name."""
    import sqlalchemy as sa

    from rdl.db.write import normalize_url

    ua, ub = sa.make_url(normalize_url(a)), sa.make_url(normalize_url(b))
    fa, fb = _file_of(ua), _file_of(ub)
    if fa is not None or fb is not None:
        if not fa or not fb:
            return False
        pa, pb = Path(fa).expanduser(), Path(fb).expanduser()
        if pa.exists() and pb.exists():
            return os.path.samefile(pa, pb)
        return os.path.realpath(pa) == os.path.realpath(pb)
    (ka, ha, pa_, da), (kb, hb, pb_, db_) = _server(ua), _server(ub)
    if ka != kb or pa_ != pb_ or da != db_:
        return False
    if ha == hb:
        return True
    return (_local(ha) and _local(hb)) or _resolves_alike(ha, hb)


def _resolves_alike(a: str | None, b: str | None) -> bool:
    try:
        return bool(
            {x[4][0] for x in socket.getaddrinfo(a, None)}
            & {x[4][0] for x in socket.getaddrinfo(b, None)}
        )
    except (OSError, UnicodeError):
        return False


def _for_text(df: pd.DataFrame) -> pd.DataFrame:
    """List-valued cells (class probabilities) as JSON text, for SQL tables and CSV."""

    def is_list(v) -> bool:
        return isinstance(v, (list, tuple)) or getattr(v, "ndim", 0) == 1

    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object and out[col].map(is_list).any():
            out[col] = out[col].map(lambda v: json.dumps(list(getattr(v, "tolist", lambda: v)())))
    return out


def _table_exists(url: str, table: str) -> bool:
    """Whether the database at ``url`` has table ``table`` (a missing database file has
    none, and is not created)."""
    import sqlalchemy as sa

    u = sa.make_url(url)
    path = _file_of(u)
    if path is not None and (not path or not Path(path).exists()):
        return False
    if u.get_backend_name() == "duckdb":
        import duckdb

        con = duckdb.connect(path or ":memory:", read_only=True)
        try:
            names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        finally:
            con.close()
        return table in names
    engine = sa.create_engine(url)
    try:
        return sa.inspect(engine).has_table(table)
    finally:
        engine.dispose()


def check_target(
    out: str,
    *,
    source_url: str | None,
    table: str = DEFAULT_TABLE,
    replace: bool = False,
    allow_write_source: bool = False,
) -> str | None:
    """Check, before any work, that predictions may be written to ``out`` (see
    `write_predictions_to`).

    Returns:
        the database URL of ``out``, or ``None`` when ``out`` is a file.

    Raises:
        WriteBackError: as `write_predictions_to`.
    """
    from rdl.db.write import normalize_url

    if "://" not in out and Path(out).suffix.lower() in FILE_SUFFIXES:
        if Path(out).exists() and not replace:
            raise WriteBackError(
                f"{out} exists; pass {arg('replace', 'True', cli='')} to "
                f"overwrite it, or choose another {arg('out')}"
            )
        return None
    url = normalize_url(out)
    if source_url and same_database(url, source_url) and not allow_write_source:
        raise WriteBackError(
            f"{arg('out', repr(safe_url(out)), cli=safe_url(out))} is the database the "
            "predictions are read from "
            f"({safe_url(source_url)}); rdl never writes into a source database unless asked: pass "
            f"{arg('allow_write_source', 'True', cli='')} "
            f"to write table {table!r} into it, or write to another database or a .parquet "
            "/ .csv file"
        )
    if not replace and _table_exists(url, table):
        raise WriteBackError(
            f"{safe_url(url)} already has a table {table!r}; pass "
            f"{arg('replace', 'True', cli='')} to overwrite it, or "
            f"{arg('table', repr('NAME'), cli='NAME')} to write another table"
        )
    return url


def write_predictions_to(
    df: pd.DataFrame,
    out: str,
    *,
    source_url: str | None,
    table: str = DEFAULT_TABLE,
    replace: bool = False,
    allow_write_source: bool = False,
) -> str:
    """Write ``df`` to ``out``: a ``.parquet`` / ``.csv`` file, or table ``table`` of the
    database at ``out`` (a SQLAlchemy URL or a ``.duckdb`` / ``.sqlite`` / ``.db`` path).
    List-valued cells (class probabilities) become JSON text in tables and CSV files.

    Args:
        df: the predictions (e.g. `with_provenance` of `rdl.train.predict_at`).
        out: where to write.
        source_url: the database the predictions were computed from.
        table: the table name in a database target.
        replace: overwrite an existing table / file.
        allow_write_source: allow ``out`` to be the source database.

    Returns:
        a one-line description of what was written.

    Raises:
        WriteBackError: ``out`` is the source database without ``allow_write_source``,
            or the table / file exists without ``replace``.
    """
    url = check_target(
        out,
        source_url=source_url,
        table=table,
        replace=replace,
        allow_write_source=allow_write_source,
    )
    if url is None:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() == ".parquet":
            df.to_parquet(path, index=False)
        else:
            _for_text(df).to_csv(path, index=False)
        return f"{len(df):,} rows written to {path}"
    from rdl.db import Database, Table
    from rdl.db.write import to_url

    db = Database(
        {table: Table(df=_for_text(df), fkey_col_to_pkey_table={}, pkey_col=None, time_col=None)}
    )
    to_url(db, url, constraints=False, replace=replace)
    return f"{len(df):,} rows written to table {table!r} of {safe_url(url)}"


__all__ = [
    "DEFAULT_TABLE",
    "WriteBackError",
    "check_target",
    "same_database",
    "with_provenance",
    "write_predictions_to",
]
