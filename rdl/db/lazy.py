"""`open_lazy(url)`: a DuckDB file as an out-of-core `LazyDatabase` — its schema (keys,
time columns, stypes) without its rows in memory.

What needs every value is streamed later: the graph build (`rdl.graph.stream`) reads
the tables as Arrow record batches, task SQL (`rdl.tasks.sql.run_sql`) reads them
through DuckDB views, and time cuts (`upto`) are SQL conditions (see
`rdl.db.lazy_table`). The schema decisions follow `rdl.connect` wherever they can be
made without reading every row:

* primary and foreign keys from DuckDB's catalog (``duckdb_constraints()``) plus the
  ``primary_keys`` / ``foreign_keys`` overrides; a composite primary key becomes the
  surrogate ``_rdl_key`` (0..n-1 in key order) and a composite foreign key a
  ``_rdl_fkey_<parent>`` column, named as `rdl.connect` names them. No key is
  *inferred* (that needs every value): declare it, or pass ``primary_keys=`` /
  ``foreign_keys=``;
* time columns from ``time_cols``, else rdl's rule (`rdl.db.timecols.choose_time_col`)
  on the DATE / TIMESTAMP columns; text columns are not parsed as timestamps;
* stypes by `rdl.db.infer_stypes` on a sample of ``sample_rows`` rows — the whole table
  when it is that small, so a small database gets exactly `rdl.connect`'s stypes. For
  a larger table a string column is then categorical or text by its distinct count over
  the whole table in DuckDB (exact up to 5 M rows, HyperLogLog beyond: the rule
  ``distinct <= max(20, non-null / 2)`` of `rdl.db.stypes` only flips within ~2 % of
  its threshold);
* values as `rdl.connect` holds them: DECIMAL as DOUBLE, DATE / TIMESTAMP as naive
  ``TIMESTAMP`` (UTC for ``TIMESTAMP WITH TIME ZONE``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from rdl.db import hints
from rdl.db.errors import SchemaError
from rdl.db.lazy_table import (
    MAX_ROWS_IN_MEMORY,
    FKey,
    LazyDatabase,
    LazyTable,
    TableMeta,
    _plain,
)
from rdl.db.sql import quote_identifier as q
from rdl.db.stypes import IGNORE, infer_stypes
from rdl.db.timecols import choose_time_col, database_span
from rdl.db.validate import ValidationReport

SAMPLE_ROWS = 100_000
EXACT_DISTINCT_ROWS = 5_000_000

__all__ = ["LazyDatabase", "LazyTable", "is_lazy", "open_lazy"]


def is_lazy(db) -> bool:
    """Whether ``db`` is an out-of-core `LazyDatabase`."""
    return bool(getattr(db, "is_lazy", False))


@dataclass
class _Catalog:
    names: list
    columns: dict = field(default_factory=dict)
    pkeys: dict = field(default_factory=dict)
    fkeys: dict = field(default_factory=dict)


def _catalog(con, path: str, include, exclude) -> _Catalog:
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal "
            "ORDER BY table_name"
        ).fetchall()
    ]
    for arg, given in (("include", include), ("exclude", exclude)):
        if isinstance(given, str):
            raise SchemaError(f"{arg}= takes a list of table names, not {given!r}")
        missing = [t for t in (given or []) if t not in names]
        if missing:
            raise SchemaError(
                f"{arg}= names tables {missing} that duckdb:///{path} does "
                f"not have; its tables are {names}"
            )
    names = [
        n for n in names if (include is None or n in include) and not (exclude and n in exclude)
    ]
    cat = _Catalog(names)
    for n in names:
        cat.columns[n] = {
            c: t.upper()
            for c, t in con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' "
                "AND table_name = ? ORDER BY column_index",
                [n],
            ).fetchall()
        }
        cat.fkeys[n] = []
    for table, ctype, cols, ref, ref_cols in con.execute(
        "SELECT table_name, constraint_type, constraint_column_names, referenced_table, "
        "referenced_column_names FROM duckdb_constraints() WHERE schema_name = 'main' "
        "AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')"
    ).fetchall():
        if table not in cat.columns:
            continue
        if ctype == "PRIMARY KEY":
            cat.pkeys[table] = tuple(cols)
        elif ref in cat.columns:
            cat.fkeys[table].append((tuple(cols), ref, tuple(ref_cols)))
    return cat


def _need(cat: _Catalog, table: str, col: str, arg: str) -> None:
    if col not in cat.columns[table]:
        raise SchemaError(
            f"{arg}: table {table!r} has no column {col!r}; its columns: {list(cat.columns[table])}"
        )


def _foreign_keys(cat, name, pkeys, extra, report) -> tuple[FKey, ...]:
    """The table's foreign keys in `rdl.connect`'s order: columns in table order, then
    the composite keys' surrogate columns in catalog order."""
    single: dict[str, FKey] = {}
    composite: list[FKey] = []
    for cols, parent, ref in cat.fkeys[name]:
        if len(cols) == 1:
            single[cols[0]] = FKey(cols[0], cols, parent, pkeys[parent] or ref)
        elif len(pkeys[parent]) > 1:
            col = f"_rdl_fkey_{parent}"
            if col in [f.col for f in composite]:
                col = f"_rdl_fkey_{parent}_" + "_".join(cols)
            composite.append(FKey(col, cols, parent, pkeys[parent]))
            report.add(
                "note", name, col, f"composite foreign key {list(cols)} -> {parent} mapped to {col}"
            )
        else:
            report.add(
                "warning",
                name,
                ",".join(cols),
                f"composite foreign key to {parent!r}, whose primary key is not composite; ignored",
            )
    for spec, parent in extra.items():  # "col" or "a,b" (composite) -> parent table
        cols = tuple(c.strip() for c in spec.split(","))
        for c in cols:
            _need(cat, name, c, "foreign_keys")
        if parent not in cat.columns:
            raise SchemaError(
                f"foreign_keys: {name}.{spec} -> {parent!r}, which is not a "
                f"loaded table (tables: {cat.names})"
            )
        if len(cols) == 1:
            single[cols[0]] = FKey(cols[0], cols, parent, pkeys[parent])
        elif cols not in [f.source_cols for f in composite]:
            if len(pkeys[parent]) != len(cols):
                raise SchemaError(
                    f"foreign_keys: {name}.{spec} has {len(cols)} columns but "
                    f"{parent!r}'s primary key {list(pkeys[parent])} has "
                    f"{len(pkeys[parent])}"
                )
            col = f"_rdl_fkey_{parent}"
            if col in [f.col for f in composite]:
                col = f"_rdl_fkey_{parent}_" + "_".join(cols)
            composite.append(FKey(col, cols, parent, pkeys[parent]))
    ordered = [single[c] for c in cat.columns[name] if c in single]
    return tuple(ordered + composite)


def _sample(table: LazyTable, n: int) -> pd.DataFrame:
    rows = len(table)
    con = table.connect()
    try:
        sql = table.select_sql(order=True)
        if rows > n:
            sql = (
                f"SELECT * FROM ({table.select_sql()}) "
                f"USING SAMPLE reservoir({int(n)} ROWS) REPEATABLE (0)"
            )
        return _plain(con.sql(sql).df())
    finally:
        con.close()


def _string_stypes(table: LazyTable, stypes: dict, overrides: dict) -> dict:
    """Categorical or text for the string columns of a table larger than its sample, by
    their distinct count over the whole table (`rdl.db.stypes`' rule)."""
    cols = [
        c
        for c, st in stypes.items()
        if st in ("categorical", "text_embedded")
        and c not in overrides
        and table.meta.sql_types[c] == "VARCHAR"
    ]
    if not cols:
        return stypes
    fn = "count(DISTINCT {})" if len(table) <= EXACT_DISTINCT_ROWS else "approx_count_distinct({})"
    exprs = ", ".join(f"{fn.format(q(c))}, count({q(c)})" for c in cols)
    row = table.scalar(f"SELECT {exprs} {table.from_sql()}")
    out = dict(stypes)
    for i, c in enumerate(cols):
        distinct, nonnull = row[2 * i], row[2 * i + 1]
        out[c] = "categorical" if distinct <= max(20, 0.5 * nonnull) else "text_embedded"
    return out


def open_lazy(
    url: str,
    *,
    time_cols: dict[str, str | None] | None = None,
    primary_keys: dict[str, str | list[str] | None] | None = None,
    foreign_keys: dict[str, dict[str, str]] | None = None,
    stypes: dict[str, str] | None = None,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    sample_rows: int = SAMPLE_ROWS,
    max_rows_in_memory: int = MAX_ROWS_IN_MEMORY,
) -> LazyDatabase:
    """Open a DuckDB file out of core (see the module docstring), read-only.

    Args:
        url: ``duckdb:///path.duckdb`` or a path to a DuckDB file.
        time_cols, primary_keys, foreign_keys, stypes, include, exclude: as `rdl.connect`;
            a composite foreign key is written ``{"lineitem": {"l_partkey,l_suppkey":
            "partsupp"}}``.
        sample_rows: rows per table that stype inference reads.
        max_rows_in_memory: the largest table whose ``df`` may be loaded into memory.

    Returns:
        `LazyDatabase` with ``report`` (the choices made, as `rdl.connect`'s).

    Raises:
        FileNotFoundError: no such file.
        SchemaError: an override names an unknown table or column; a URL that is not a
            DuckDB file (out-of-core mode reads DuckDB only: copy other databases into
            DuckDB first, e.g. with DuckDB's ``sqlite_scanner`` / ``postgres_scanner``).
    """
    import duckdb

    path = url[len("duckdb:///") :] if url.startswith("duckdb:///") else url
    if "://" in path or not path:
        raise SchemaError(
            f"{url}: out-of-core mode ({hints.storage('disk')}) reads DuckDB "
            "files only; copy the database into DuckDB first or use "
            f"{hints.storage('memory')}"
        )
    if not Path(path).exists():
        raise FileNotFoundError(f"DuckDB file {str(Path(path).resolve())!r} does not exist")
    time_cols, primary_keys = dict(time_cols or {}), dict(primary_keys or {})
    foreign_keys = {t: dict(m) for t, m in (foreign_keys or {}).items()}
    overrides: dict[str, dict[str, str]] = {}
    for key, stype in (stypes or {}).items():
        if "." not in key:
            raise SchemaError(f"stypes key {key!r} must be 'table.column'")
        t, c = key.split(".", 1)
        overrides.setdefault(t, {})[c] = stype
    con = duckdb.connect(path, read_only=True)
    try:
        cat = _catalog(con, path, include, exclude)
    finally:
        con.close()
    for arg, mapping in [
        ("time_cols", list(time_cols)),
        ("primary_keys", list(primary_keys)),
        ("foreign_keys", list(foreign_keys)),
        ("stypes", list(overrides)),
    ]:
        for t in mapping:
            if t not in cat.columns:
                raise SchemaError(
                    f"{arg} names table {t!r}, which {url} does not have (or "
                    f"it was excluded); tables: {cat.names}"
                )
    report = ValidationReport()
    pkeys = {}
    for n in cat.names:
        pk = primary_keys[n] if n in primary_keys else cat.pkeys.get(n, ())
        pk = (pk,) if isinstance(pk, str) else tuple(pk or ())
        for c in pk:
            _need(cat, n, c, "primary_keys")
        pkeys[n] = pk
        if len(pk) > 1:
            report.add(
                "note",
                n,
                "_rdl_key",
                f"composite primary key {list(pk)} mapped to surrogate key _rdl_key",
            )
        elif not pk:
            report.add(
                "note",
                n,
                None,
                "no primary key declared (out-of-core mode infers "
                f"none); pass {hints.pkey(n)} to give one",
            )
    tables = {}
    for n in cat.names:
        fkeys = _foreign_keys(cat, n, pkeys, foreign_keys.get(n, {}), report)
        dates = [c for c, t in cat.columns[n].items() if t.startswith(("DATE", "TIMESTAMP"))]
        meta = TableMeta(n, cat.columns[n], pkeys[n], fkeys, None, {})
        table = LazyTable(path, meta, max_rows_in_memory)
        sample = _sample(table, sample_rows)
        if n in time_cols:
            tc = time_cols[n]
            if tc is not None:
                _need(cat, n, tc, "time_cols")
                report.add("note", n, tc, "time column chosen by " + hints.time_col(n, tc))
        else:
            # the audit-column rule compares with the span of this table's sample (the
            # in-memory path uses the whole database's)
            tc = choose_time_col(n, sample, dates, database_span({n: sample}, {n: dates}), report)
        keys = list(pkeys[n]) + [c for f in fkeys for c in f.source_cols]
        ov = overrides.get(n, {})
        st = infer_stypes(
            sample.drop(columns=[c for c, s in ov.items() if s == IGNORE]),
            table=n,
            exclude=keys,
            overrides={c: s for c, s in ov.items() if s != IGNORE},
            sql_types=cat.columns[n],
        )
        if len(table) > len(sample):
            st = _string_stypes(table, st, ov)
        tables[n] = LazyTable(
            path, TableMeta(n, cat.columns[n], pkeys[n], fkeys, tc, st), max_rows_in_memory
        )
    db = LazyDatabase(tables, path)
    db.report = report
    return db
