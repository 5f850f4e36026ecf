"""SQL identifiers in the SQL text rdl writes itself (``SELECT * FROM``, ``INSERT``,
``COPY``, the baselines' DuckDB aggregates), quoted by SQLAlchemy's identifier preparer.

DuckDB, PostgreSQL and SQLite quote alike: ``"name"``, an inner ``"`` doubled. Reserved
words (``order``), mixed case (``Größe``), spaces, dots (``a.b``) and quotes
(``my "col"``) all need the quotes, so rdl always quotes. One difference is not the
database's but the driver's: a dialect whose driver takes ``%s`` parameters (psycopg,
duckdb-engine) has its preparer write ``%`` as ``%%``, which is right only for text the
driver will format. rdl's text goes to the driver unformatted (DuckDB's and sqlite3's
own APIs, psycopg's ``COPY``), so the preparers here are built with ``qmark``
parameters and leave ``%`` alone.
"""

from __future__ import annotations

from functools import cache

#: the dialect names `quote_identifier` accepts
DIALECTS = ("duckdb", "postgresql", "sqlite")


@cache
def text_dialect(dialect: str):
    """The SQLAlchemy dialect ``"duckdb"``, ``"postgresql"`` or ``"sqlite"`` with ``qmark``
    parameters: compiling with it (DDL too) writes ``%`` as ``%``.

    Raises:
        ValueError: an unknown ``dialect``.
    """
    if dialect == "duckdb":
        from duckdb_engine import Dialect

        return Dialect(paramstyle="qmark")
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import dialect as PGDialect

        return PGDialect(paramstyle="qmark")
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import dialect as SQLiteDialect

        return SQLiteDialect(paramstyle="qmark")
    raise ValueError(f"unknown SQL dialect {dialect!r}; known: {list(DIALECTS)}")


def quote_identifier(name: str, dialect: str = "duckdb") -> str:
    """``name`` as a quoted SQL identifier, always quoted.

    Args:
        name: a table or column name, taken literally (``a.b`` is one name, not a
            schema-qualified one).
        dialect: ``"duckdb"``, ``"postgresql"`` or ``"sqlite"``.

    Returns:
        ``name`` in double quotes, inner double quotes doubled: ``order`` ->
        ``"order"``, ``a.b`` -> ``"a.b"``, ``100%`` -> ``"100%"``.

    Raises:
        ValueError: an unknown ``dialect``.

    Source: SQLAlchemy's ``IdentifierPreparer.quote_identifier`` of the dialect
    (duckdb-engine's for DuckDB).
    """
    return text_dialect(dialect).identifier_preparer.quote_identifier(str(name))
