"""Reading a database's catalog and rows, read-only, per backend.

* DuckDB: DuckDB's own Python API with ``read_only=True``; keys and UNIQUE constraints
  from ``duckdb_constraints()`` (duckdb-engine cannot reflect keys); rows via DuckDB's
  native pandas export.
* SQLite: the file is opened with ``mode=ro`` (URI), so not even a journal is written
  (a WAL-mode file with no pending ``-wal`` log is opened ``immutable=1``, which creates
  no ``-shm``/``-wal`` siblings either); keys from SQLAlchemy ``inspect()``.
* PostgreSQL and any other SQLAlchemy dialect: SQLAlchemy ``inspect()``; PostgreSQL
  sessions run with ``default_transaction_read_only=on``.

Base tables of the default schema (``main``, ``public``) are read; views and tables of
other schemas are listed (`Catalog.views`, `Catalog.other_schemas`) and read when
``include`` names them (``"my_view"``, ``"archive.orders"``). Failing to open the database
(a missing driver, a locked or foreign file, an unreachable server) is a `SourceError`
(`rdl.db.sources`) that says what to do.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from rdl.db import hints
from rdl.db.errors import SchemaError, arg
from rdl.db.sources import missing_file, opening
from rdl.db.sql import quote_identifier

SYSTEM_SCHEMAS = {"information_schema", "pg_catalog", "pg_toast", "main", "temp"}


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
    unique: list[list[str]] = field(default_factory=list)  # UNIQUE constraints / indexes
    kind: str = "table"  # "table" | "view"


@dataclass
class Catalog:
    """What `read_database` read: the tables (name -> `RawTable`) and what it left out."""

    tables: dict[str, RawTable]
    views: list[str] = field(default_factory=list)  # not read (include to read)
    other_schemas: list[str] = field(default_factory=list)  # "schema.table", not read


def _check_names(base: list[str], extra: list[str], include, exclude, url: str) -> None:
    found = base + extra
    for name, names in (("include", include), ("exclude", exclude)):
        if isinstance(names, str):
            raise SchemaError(
                f"{name}= takes a list of table names, not the string {names!r}; "
                f"pass {name}=[{names!r}]"
            )
        missing = [t for t in (names or []) if t not in found]
        if missing:
            also = f"; views and tables of other schemas: {sorted(extra)}" if extra else ""
            raise SchemaError(
                f"{arg(name)} names tables {missing} that {url} does not have; "
                f"its tables are {sorted(base)}{also}. Fix the names (they are case-sensitive)."
            )
    if not base and not include:
        listed = (
            f" It has views or tables in other schemas: {sorted(extra)}; read them "
            f"with {hints.include(sorted(extra)[0])}."
            if extra
            else ""
        )
        raise SchemaError(f"{url} has no tables: there is nothing to learn from.{listed}")
    kept = [t for t in base + list(include or []) if _keep(t, include, exclude)]
    if not kept:
        raise SchemaError(
            f"every table of {url} is left out by {arg('include')} / {arg('exclude')} "
            f"(tables: {sorted(base)}): there is nothing to learn from. Keep at "
            "least one table."
        )


def _keep(name: str, include, exclude) -> bool:
    if include is not None and name not in include:
        return False
    return not (exclude is not None and name in exclude)


def _wanted(base: list[str], extra: list[str], include, exclude) -> list[str]:
    """Base tables kept by include/exclude, then the views / other-schema tables that
    ``include`` names."""
    return [t for t in base if _keep(t, include, exclude)] + [
        t for t in extra if include is not None and t in include and _keep(t, include, exclude)
    ]


def read_duckdb(path: str, url: str, include=None, exclude=None) -> Catalog:
    import duckdb

    if path not in ("", ":memory:") and not Path(path).exists():
        raise missing_file("DuckDB", path)
    with opening(url, "DuckDB", path):
        con = duckdb.connect(path or ":memory:", read_only=path not in ("", ":memory:"))
        try:
            return _read_duckdb(con, url, include, exclude)
        finally:
            con.close()


def _duck_name(schema: str, name: str) -> str:
    return name if schema == "main" else f"{schema}.{name}"


def _read_duckdb(con, url, include, exclude) -> Catalog:
    db = "current_database()"
    rows = con.execute(
        f"SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT internal AND "
        f"database_name = {db} ORDER BY schema_name, table_name"
    ).fetchall()
    views = con.execute(
        f"SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal AND NOT "
        f"temporary AND database_name = {db} ORDER BY schema_name, view_name"
    ).fetchall()
    where = {_duck_name(s, t): (s, t) for s, t in rows + views}
    base = [t for s, t in rows if s == "main"]
    view_names = [_duck_name(s, t) for s, t in views]
    other = [_duck_name(s, t) for s, t in rows if s != "main"]
    _check_names(base, view_names + other, include, exclude, url)
    tables = {}
    for name in _wanted(base, view_names + other, include, exclude):
        schema, table = where[name]
        qualified = f"{quote_identifier(schema, 'duckdb')}.{quote_identifier(table, 'duckdb')}"
        cols = con.execute(f"DESCRIBE {qualified}").fetchall()
        df = con.sql(f"SELECT * FROM {qualified}").df()
        tables[name] = RawTable(
            name,
            df,
            {c[0]: str(c[1]).upper() for c in cols},
            kind="view" if name in view_names else "table",
        )
    cons = con.execute(
        f"SELECT schema_name, table_name, constraint_type, constraint_column_names, "
        f"referenced_table, referenced_column_names FROM duckdb_constraints() WHERE "
        f"database_name = {db} AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY', 'UNIQUE')"
    ).fetchall()
    for schema, table, ctype, cols, ref_table, ref_cols in cons:
        name = _duck_name(schema, table)
        if name not in tables:
            continue
        if ctype == "PRIMARY KEY":
            tables[name].pkey = list(cols)
        elif ctype == "UNIQUE":
            tables[name].unique.append(list(cols))
        else:
            tables[name].fkeys.append(
                ForeignKey(list(cols), _duck_name(schema, ref_table), list(ref_cols))
            )
    return Catalog(
        tables, [v for v in view_names if v not in tables], [o for o in other if o not in tables]
    )


def _read_sqlalchemy(engine: sa.Engine, url: str, include, exclude, read) -> Catalog:
    insp = sa.inspect(engine)
    default = insp.default_schema_name
    base = sorted(insp.get_table_names())
    views = sorted(insp.get_view_names())
    where: dict[str, tuple[str | None, str]] = {t: (None, t) for t in base + views}
    other = []
    schema: str | None  # a schema's name; None: the default schema
    for schema in insp.get_schema_names():
        if schema == default or schema in SYSTEM_SCHEMAS or schema.startswith("pg_"):
            continue
        for t in sorted(insp.get_table_names(schema=schema)) + sorted(
            insp.get_view_names(schema=schema)
        ):
            where[f"{schema}.{t}"] = (schema, t)
            other.append(f"{schema}.{t}")
    _check_names(base, views + other, include, exclude, url)
    tables = {}
    for name in _wanted(base, views + other, include, exclude):
        schema, table = where[name]
        cols = insp.get_columns(table, schema=schema)
        sql_types = {c["name"]: str(c["type"]).upper() for c in cols}
        is_view = name in views or table in insp.get_view_names(schema=schema)
        pk, fks, unique = [], [], []
        if not is_view:
            pk = insp.get_pk_constraint(table, schema=schema).get("constrained_columns") or []
            for fk in insp.get_foreign_keys(table, schema=schema):
                ref_schema = fk.get("referred_schema")
                ref = (
                    fk["referred_table"]
                    if ref_schema in (None, default)
                    else f"{ref_schema}.{fk['referred_table']}"
                )
                fks.append(ForeignKey(fk["constrained_columns"], ref, fk["referred_columns"]))
            unique = [u["column_names"] for u in insp.get_unique_constraints(table, schema=schema)]
            unique += [
                [c for c in ix["column_names"] if c is not None]  # None: an expression
                for ix in insp.get_indexes(table, schema=schema)
                if ix.get("unique") and None not in ix["column_names"]
            ]
        df = read(schema, table)
        tables[name] = RawTable(
            name, df, sql_types, list(pk), fks, unique, "view" if is_view else "table"
        )
    return Catalog(
        tables, [v for v in views if v not in tables], [o for o in other if o not in tables]
    )


def _sqlite_wal_without_log(path: Path) -> bool:
    """A SQLite file in WAL mode (header bytes 18-19 == 2) with no ``-wal`` file beside it."""
    with open(path, "rb") as f:
        header = f.read(20)
    is_wal = header.startswith(b"SQLite format 3\x00") and header[18:20] == b"\x02\x02"
    return is_wal and not Path(str(path) + "-wal").exists()


def read_sqlite(path: str, url: str, include=None, exclude=None) -> Catalog:
    if not Path(path).exists():
        raise missing_file("SQLite", path)
    with opening(url, "SQLite", path):
        if Path(path).is_dir():
            raise sqlite3.OperationalError("unable to open database file (a directory)")
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        if _sqlite_wal_without_log(Path(path)):
            # A read-only open of a WAL-mode file still creates -wal/-shm siblings; with no
            # -wal log present the file alone is the whole database: read it as immutable.
            uri += "&immutable=1"

        def creator():
            return sqlite3.connect(uri, uri=True)

        engine = sa.create_engine("sqlite://", creator=creator)
        raw = sqlite3.connect(uri, uri=True)
        try:

            def read(schema, name):
                return pd.read_sql_query(f"SELECT * FROM {quote_identifier(name, 'sqlite')}", raw)

            return _read_sqlalchemy(engine, url, include, exclude, read)
        finally:
            raw.close()
            engine.dispose()


def read_sqlalchemy(url: str, include=None, exclude=None) -> Catalog:
    with opening(url, "database"):
        u = sa.make_url(url)
        kwargs = {}
        if u.get_backend_name() == "postgresql":
            kwargs["connect_args"] = {"options": "-c default_transaction_read_only=on"}
        engine = sa.create_engine(u, **kwargs)
        try:
            with engine.connect() as con:

                def read(schema, name):
                    # a construct, not text: the dialect quotes the name (and a "%" in it)
                    query = sa.select(sa.text("*")).select_from(sa.table(name, schema=schema))
                    return pd.read_sql_query(query, con)

                return _read_sqlalchemy(engine, url, include, exclude, read)
        finally:
            engine.dispose()


def read_database(url: str, include=None, exclude=None) -> Catalog:
    """Catalog and rows of every table at ``url`` (filtered by ``include``/``exclude``).

    Raises:
        FileNotFoundError: a file-backed database that does not exist.
        SchemaError: ``include``/``exclude`` names a table the database does not have; the
            database has no tables, or every table is left out.
        SourceError: the database cannot be opened (driver missing, locked, not a
            database file, server unreachable); the message says what to do.
    """
    with opening(url, "database"):
        u = sa.make_url(url)
        backend = u.get_backend_name()
    if backend == "duckdb":
        return read_duckdb(u.database or ":memory:", url, include, exclude)
    if backend == "sqlite":
        if not u.database:
            raise SchemaError(f"{url}: an in-memory SQLite database has no tables to read")
        return read_sqlite(u.database, url, include, exclude)
    return read_sqlalchemy(url, include, exclude)
