"""Reading a database's catalog and rows, read-only, per backend.

* DuckDB: DuckDB's own Python API with ``read_only=True``; keys from
  ``duckdb_constraints()`` (duckdb-engine cannot reflect keys); rows via DuckDB's native
  Arrow/pandas export.
* SQLite: the file is opened with ``mode=ro`` (URI), so not even a journal is written
  (a WAL-mode file with no pending ``-wal`` log is opened ``immutable=1``, which creates
  no ``-shm``/``-wal`` siblings either); keys from SQLAlchemy ``inspect()``.
* PostgreSQL and any other SQLAlchemy dialect: SQLAlchemy ``inspect()``; PostgreSQL
  sessions run with ``default_transaction_read_only=on``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from rdl.db.errors import SchemaError
from rdl.db.sql import quote_identifier


@dataclass
class ForeignKey:
    columns: list[str]
    ref_table: str
    ref_columns: list[str]


@dataclass
class RawTable:
    """A table as the catalog declares it, before rdl's choices (keys, time, stypes)."""

    name: str
    df: pd.DataFrame
    sql_types: dict[str, str]  # column -> declared SQL type, upper case
    pkey: list[str] = field(default_factory=list)
    fkeys: list[ForeignKey] = field(default_factory=list)


def _keep(name: str, include, exclude) -> bool:
    if include is not None and name not in include:
        return False
    return not (exclude is not None and name in exclude)


def _check_include(found: list[str], include, url: str, exclude=None) -> None:
    for arg, names in (("include", include), ("exclude", exclude)):
        if isinstance(names, str):
            raise SchemaError(f"{arg}= takes a list of table names, not the string {names!r}; "
                              f"pass {arg}=[{names!r}]")
        missing = [t for t in (names or []) if t not in found]
        if missing:
            raise SchemaError(
                f"{arg}= names tables {missing} that {url} does not have; "
                f"its tables are {sorted(found)}. Fix the names (they are case-sensitive)."
            )


def _missing_file(kind: str, path: str) -> FileNotFoundError:
    p = Path(path)
    hint = (f"; a relative path is resolved against the working directory {Path.cwd()} "
            f"(a URL takes three slashes before a relative path, four before an absolute one)"
            if not p.is_absolute() else "")
    return FileNotFoundError(
        f"{kind} file {str(p.resolve())!r} does not exist{hint}. Check the path; rdl only "
        "reads databases, it never creates one."
    )


def read_duckdb(path: str, include=None, exclude=None) -> dict[str, RawTable]:
    import duckdb

    if path not in ("", ":memory:") and not Path(path).exists():
        raise _missing_file("DuckDB", path)
    con = duckdb.connect(path or ":memory:", read_only=path not in ("", ":memory:"))
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                "AND NOT internal ORDER BY table_name"
            ).fetchall()
        ]
        _check_include(names, include, f"duckdb:///{path}", exclude)
        tables = {}
        for name in names:
            if not _keep(name, include, exclude):
                continue
            cols = con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() "
                "WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index",
                [name],
            ).fetchall()
            df = con.sql(f"SELECT * FROM {quote_identifier(name, 'duckdb')}").df()
            tables[name] = RawTable(name, df, {c: t.upper() for c, t in cols})
        rows = con.execute(
            "SELECT table_name, constraint_type, constraint_column_names, "
            "referenced_table, referenced_column_names FROM duckdb_constraints() "
            "WHERE schema_name = 'main' AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')"
        ).fetchall()
    finally:
        con.close()
    for table, ctype, cols, ref_table, ref_cols in rows:
        if table not in tables:
            continue
        if ctype == "PRIMARY KEY":
            tables[table].pkey = list(cols)
        else:
            tables[table].fkeys.append(ForeignKey(list(cols), ref_table, list(ref_cols)))
    return tables


def _read_sqlalchemy(engine: sa.Engine, url: str, include, exclude, read) -> dict[str, RawTable]:
    insp = sa.inspect(engine)
    names = sorted(insp.get_table_names())
    _check_include(names, include, url, exclude)
    tables = {}
    for name in names:
        if not _keep(name, include, exclude):
            continue
        cols = insp.get_columns(name)
        sql_types = {c["name"]: str(c["type"]).upper() for c in cols}
        pk = insp.get_pk_constraint(name).get("constrained_columns") or []
        fks = [
            ForeignKey(fk["constrained_columns"], fk["referred_table"], fk["referred_columns"])
            for fk in insp.get_foreign_keys(name)
        ]
        df = read(name, list(sql_types))
        tables[name] = RawTable(name, df, sql_types, list(pk), fks)
    return tables


def _sqlite_wal_without_log(path: Path) -> bool:
    """A SQLite file in WAL mode (header bytes 18-19 == 2) with no ``-wal`` file beside it."""
    with open(path, "rb") as f:
        header = f.read(20)
    is_wal = header.startswith(b"SQLite format 3\x00") and header[18:20] == b"\x02\x02"
    return is_wal and not Path(str(path) + "-wal").exists()


def read_sqlite(path: str, url: str, include=None, exclude=None) -> dict[str, RawTable]:
    if not Path(path).exists():
        raise _missing_file("SQLite", path)
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    if _sqlite_wal_without_log(Path(path)):
        # A read-only open of a WAL-mode file still creates -wal/-shm siblings; with no
        # -wal log present the file alone is the whole database, so read it as immutable.
        uri += "&immutable=1"

    def creator():
        return sqlite3.connect(uri, uri=True)

    engine = sa.create_engine("sqlite://", creator=creator)
    raw = sqlite3.connect(uri, uri=True)
    try:

        def read(name, columns):
            return pd.read_sql_query(f"SELECT * FROM {quote_identifier(name, 'sqlite')}", raw)

        return _read_sqlalchemy(engine, url, include, exclude, read)
    finally:
        raw.close()
        engine.dispose()


def read_sqlalchemy(url: str, include=None, exclude=None) -> dict[str, RawTable]:
    u = sa.make_url(url)
    kwargs = {}
    if u.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"options": "-c default_transaction_read_only=on"}
    engine = sa.create_engine(u, **kwargs)
    try:
        with engine.connect() as con:

            def read(name, columns):
                # a construct, not text: the dialect quotes the name (and a "%" in it)
                query = sa.select(sa.text("*")).select_from(sa.table(name))
                return pd.read_sql_query(query, con)

            return _read_sqlalchemy(engine, url, include, exclude, read)
    finally:
        engine.dispose()


def read_database(url: str, include=None, exclude=None) -> dict[str, RawTable]:
    """Catalog and rows of every table at ``url`` (filtered by ``include``/``exclude``).

    Raises:
        FileNotFoundError: a file-backed database that does not exist.
        SchemaError: ``include`` names a table the database does not have.
    """
    u = sa.make_url(url)
    backend = u.get_backend_name()
    if backend == "duckdb":
        return read_duckdb(u.database or ":memory:", include, exclude)
    if backend == "sqlite":
        if not u.database:
            raise SchemaError(f"{url}: an in-memory SQLite database has no tables to read")
        return read_sqlite(u.database, url, include, exclude)
    return read_sqlalchemy(url, include, exclude)
