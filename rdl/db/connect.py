"""`connect(url)`: a SQL database -> a validated in-memory `Database`."""

from __future__ import annotations

import pandas as pd

from rdl.db.backends import RawTable, read_database
from rdl.db.database import Database
from rdl.db.errors import SchemaError
from rdl.db.schema import (
    SURROGATE_PKEY,
    TIME_NAME,
    choose_time_col,
    coerce_column,
    infer_foreign_keys as find_foreign_keys,
    infer_primary_key,
    plain_scalar,
    is_date_sql_type,
    to_utc_naive,
)
from rdl.db.stypes import IGNORE, infer_stypes
from rdl.db.table import Table
from rdl.db.validate import ValidationReport


def connect(
    url: str,
    *,
    time_cols: dict[str, str | None] | None = None,
    primary_keys: dict[str, str | list[str] | None] | None = None,
    foreign_keys: dict[str, dict[str, str]] | None = None,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    infer_foreign_keys: bool = True,
    stypes: dict[str, str] | None = None,
) -> Database:
    """Read the database at ``url`` into a validated `Database`, read-only.

    Args:
        url: a SQLAlchemy URL: ``sqlite:///file.db``, ``duckdb:///file.duckdb``,
            ``postgresql+psycopg://user@host:port/db``; other dialects SQLAlchemy reflects
            work too. rdl never writes to it.
        time_cols: table -> time column (``None`` for "this table has none"). Tables not
            named get the single datetime column whose name looks like a date/time/
            created/timestamp, if any; the choice is reported in ``db.report``.
        primary_keys: table -> column (or list of columns) overriding the catalog;
            ``None`` for "no primary key". Composite keys get a single surrogate key column
            ``_rdl_key`` (0..n-1 in key order) and foreign keys referencing them are mapped
            to a ``_rdl_fkey_<table>`` column (rows whose key matches no row: null, with a
            warning). Tables the catalog gives no primary key get one inferred (a unique,
            non-null, key-named column; see `rdl.db.schema.infer_primary_key`), reported
            as a note; tables with none stay event tables (``pkey_col=None``).
        foreign_keys: table -> {column: referenced table}, added to the catalog's.
        include / exclude: lists of table names to keep / drop; a name the database does
            not have is an error (typos would otherwise pass silently).
        infer_foreign_keys: apply foreign keys inferred where the catalog declares none
            (see `rdl.db.schema.infer_foreign_keys`). They are listed in
            ``db.inferred_fkeys`` with evidence either way.
        stypes: ``"table.column"`` -> stype (or ``"ignore"``), overriding inference. An
            ``"ignore"``d column is kept as read (not even parsed as a timestamp).

    Returns:
        `Database` whose tables are sorted by primary key (all columns when there is none),
        with ``db.report`` (`ValidationReport`: choices and problems) and
        ``db.inferred_fkeys``. Times are naive UTC ``datetime64[ns]`` (time-zone-aware
        values converted, with a note); dangling foreign keys are set to null and counted
        (RelBench); foreign keys are listed in column order.

    Raises:
        SchemaError: unknown table/column in an argument, a type rdl cannot encode, or an
            include/override that does not fit the database.
        DataError: null or duplicate primary keys, unparseable or mixed-zone timestamps.
        FileNotFoundError: a file-backed database that does not exist.
    """
    time_cols = dict(time_cols or {})
    primary_keys = dict(primary_keys or {})
    foreign_keys = {t: dict(m) for t, m in (foreign_keys or {}).items()}
    stype_overrides: dict[str, dict[str, str]] = {}
    for key, st in (stypes or {}).items():
        if "." not in key:
            raise SchemaError(
                f"stypes key {key!r} must be 'table.column', e.g. "
                f"stypes={{'users.{key}': {st!r}}}"
            )
        t, c = key.split(".", 1)
        stype_overrides.setdefault(t, {})[c] = st

    raw = read_database(url, include=include, exclude=exclude)
    for arg, mapping in [("time_cols", time_cols), ("primary_keys", primary_keys),
                         ("foreign_keys", foreign_keys), ("stypes", stype_overrides)]:
        for t in mapping:
            if t not in raw:
                raise SchemaError(
                    f"{arg} names table {t!r}, which {url} does not have (or it was "
                    f"excluded); tables: {sorted(raw)}"
                )
    report = ValidationReport()

    # 1. column types: decimals -> float, declared date types and time columns -> datetime
    parsed_dates: dict[str, list[str]] = {}
    for name, rt in raw.items():
        parsed_dates[name] = []
        ignored = {c for c, st in stype_overrides.get(name, {}).items() if st == IGNORE}
        pk = primary_keys[name] if name in primary_keys else rt.pkey
        pk = [pk] if isinstance(pk, str) else list(pk or [])
        row_ids = rt.df[pk[0]] if len(pk) == 1 and pk[0] in rt.df.columns else None
        for col in rt.df.columns:
            rt.df[col] = coerce_column(rt.df[col])
            wanted = time_cols.get(name) == col
            if col in ignored and not wanted:
                continue  # the user left it out: keep it as read, unparsed
            declared = is_date_sql_type(rt.sql_types.get(col, ""))
            looks = (rt.df[col].dtype == object or pd.api.types.is_string_dtype(rt.df[col])) \
                and TIME_NAME.search(str(col)) and name not in time_cols
            if wanted or declared or pd.api.types.is_datetime64_any_dtype(rt.df[col]):
                rt.df[col] = to_utc_naive(rt.df[col], name, report, row_ids)
                parsed_dates[name].append(col)
            elif looks:
                try:
                    parsed = to_utc_naive(rt.df[col], name, ValidationReport())
                except Exception:
                    continue
                rt.df[col] = parsed
                parsed_dates[name].append(col)
                report.add("note", name, col, "text column parsed as timestamps")

    # 2. primary keys (composite -> surrogate)
    pkeys: dict[str, str | None] = {}
    composite: dict[str, list[str]] = {}
    referenced: dict[str, set[str]] = {}
    for rt in raw.values():
        for fk in rt.fkeys:
            if len(fk.ref_columns) == 1:
                referenced.setdefault(fk.ref_table, set()).add(fk.ref_columns[0])
    for name, rt in raw.items():
        pk = primary_keys[name] if name in primary_keys else rt.pkey
        if name not in primary_keys and not pk:
            col, why = infer_primary_key(name, rt.df, list(raw), referenced.get(name, set()))
            if col is not None:
                pk = col
                report.add("note", name, col,
                           f"no primary key declared; chosen as primary key ({why}). Pass "
                           f"primary_keys={{'{name}': None}} (or another column) to override")
            elif why:
                report.add("note", name, None,
                           f"no primary key declared and {why}; none chosen. Pass "
                           f"primary_keys={{'{name}': COLUMN}} to choose one")
        if isinstance(pk, str):
            pk = [pk]
        pk = list(pk or [])
        for c in pk:
            _need_col(rt, c, "primary_keys")
        if len(pk) == 1:
            pkeys[name] = pk[0]
        elif len(pk) > 1:
            composite[name] = pk
            rt.df = rt.df.sort_values(pk, kind="stable").reset_index(drop=True)
            rt.df.insert(0, SURROGATE_PKEY, range(len(rt.df)))
            pkeys[name] = SURROGATE_PKEY
            report.add("note", name, SURROGATE_PKEY,
                       f"composite primary key {pk} mapped to surrogate key {SURROGATE_PKEY}")
        else:
            pkeys[name] = None

    # 3. declared foreign keys (composite ones mapped to the surrogate key)
    fkeys: dict[str, dict[str, str]] = {name: {} for name in raw}
    extra_key_cols: dict[str, list[str]] = {name: list(composite.get(name, [])) for name in raw}
    for name, rt in raw.items():
        for fk in rt.fkeys:
            if fk.ref_table not in raw:
                report.add("warning", name, ",".join(fk.columns),
                           f"foreign key to table {fk.ref_table!r}, which is not loaded "
                           f"(include=/exclude=); ignored. Load {fk.ref_table!r} to keep "
                           "this link")
                continue
            if len(fk.columns) == 1:
                fkeys[name][fk.columns[0]] = fk.ref_table
                continue
            col = f"_rdl_fkey_{fk.ref_table}"
            if col in rt.df.columns:  # a second composite key to the same table
                col = f"_rdl_fkey_{fk.ref_table}_" + "_".join(fk.columns)
            lookup = raw[fk.ref_table].df[[*fk.ref_columns, SURROGATE_PKEY]].rename(
                columns=dict(zip(fk.ref_columns, fk.columns))
            ) if fk.ref_table in composite else None
            if lookup is None:
                report.add("warning", name, ",".join(fk.columns),
                           f"composite foreign key to {fk.ref_table!r}, whose primary key is "
                           "not composite; ignored")
                continue
            merged = rt.df[fk.columns].merge(lookup, how="left", on=fk.columns)
            rt.df[col] = merged[SURROGATE_PKEY].to_numpy()
            dangling = rt.df[fk.columns].notna().all(axis=1) & rt.df[col].isna()
            if dangling.any():
                ex = [tuple(plain_scalar(v) for v in r) for r in
                      rt.df.loc[dangling, fk.columns].drop_duplicates().head(5).itertuples(
                          index=False, name=None)]
                report.add(
                    "warning", name, ",".join(fk.columns),
                    f"{int(dangling.sum())} rows reference no row of {fk.ref_table} "
                    f"{fk.ref_columns} (examples: {ex}); {col} set to null, as RelBench "
                    f"does. To keep these links, add the missing {fk.ref_table} rows in "
                    "the source",
                    int(dangling.sum()), ex,
                )
            fkeys[name][col] = fk.ref_table
            extra_key_cols[name].extend(fk.columns)
            report.add("note", name, col,
                       f"composite foreign key {fk.columns} -> {fk.ref_table} mapped to {col}")
        for col, target in foreign_keys.get(name, {}).items():
            _need_col(rt, col, "foreign_keys")
            if target not in raw:
                raise SchemaError(
                    f"foreign_keys: {name}.{col} -> {target!r}, which is not a loaded table "
                    f"(tables: {sorted(raw)})"
                )
            fkeys[name][col] = target

    # 4. sort rows deterministically
    for name, rt in raw.items():
        if name in composite:
            continue
        by = [pkeys[name]] if pkeys[name] else list(rt.df.columns)
        try:
            rt.df = rt.df.sort_values(by, kind="stable", na_position="last").reset_index(drop=True)
        except TypeError:
            rt.df = rt.df.reset_index(drop=True)

    # 5. foreign-key inference (evidence always listed, applied on request)
    holders = {n: _Holder(rt.df, pkeys[n]) for n, rt in raw.items()}
    inferred = find_foreign_keys(holders, fkeys)
    for ev in inferred:
        ev["applied"] = infer_foreign_keys
        if infer_foreign_keys:
            fkeys[ev["table"]][ev["column"]] = ev["target"]

    # 6. time columns, stypes, tables
    tables = {}
    for name, rt in raw.items():
        if name in time_cols:
            tc = time_cols[name]
            if tc is not None:
                _need_col(rt, tc, "time_cols")
                report.add("note", name, tc, "time column chosen by time_cols=")
        else:
            tc = choose_time_col(name, rt.df, parsed_dates[name], report)
        # foreign keys in column order, whatever order the catalog lists them in
        fkeys[name] = {c: fkeys[name][c] for c in rt.df.columns if c in fkeys[name]}
        keys = ([pkeys[name]] if pkeys[name] else []) + list(fkeys[name]) + extra_key_cols[name]
        st = infer_stypes(rt.df, table=name, exclude=keys,
                          overrides=stype_overrides.get(name), sql_types=rt.sql_types)
        tables[name] = Table(rt.df, fkeys[name], pkeys[name], tc, st)

    db = Database(tables)
    report.extend(db.validate(fix=True))
    report.raise_if_errors()
    db.report = report
    db.inferred_fkeys = inferred
    db.url = url
    return db


class _Holder:
    def __init__(self, df, pkey_col):
        self.df, self.pkey_col = df, pkey_col


def _need_col(rt: RawTable, col: str, arg: str) -> None:
    if col not in rt.df.columns:
        raise SchemaError(
            f"{arg}: table {rt.name!r} has no column {col!r}; name one of its columns "
            f"{list(rt.df.columns)}"
        )
