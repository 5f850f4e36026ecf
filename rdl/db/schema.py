"""Schema decisions rdl makes on top of the catalog: timestamp parsing, time-column choice,
composite keys, and foreign-key inference (with evidence)."""

from __future__ import annotations

import re
import uuid
import warnings
from datetime import datetime
from decimal import Decimal

import numpy as np
import pandas as pd

from rdl.db.errors import DataError
from rdl.db.validate import ValidationReport

TIME_NAME = re.compile(r"(date|time|timestamp|created|updated|modified|_at$|^ts$)", re.I)
DATE_SQL_TYPE = re.compile(r"(DATE|TIMESTAMP)", re.I)  # DATETIME too; plain TIME is time of day
# a UTC offset after a clock time: "10:00Z", "10:00:00+02", "10:00:00.5 -05:30"
TZ_SUFFIX = r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$"
SURROGATE_PKEY = "_rdl_key"
FKEY_COVERAGE = 0.99


def to_utc_naive(
    series: pd.Series,
    table: str,
    report: ValidationReport,
    row_ids: pd.Series | None = None,
) -> pd.Series:
    """Parse ``series`` into ``datetime64[ns]``, naive, in UTC.

    Strings are parsed as ISO 8601 (any precision), falling back to pandas' mixed parser.
    Time-zone-aware values (PostgreSQL ``timestamptz``, strings with ``Z``/``+02:00``
    offsets) are converted to UTC and a note is added to ``report``.

    Args:
        series: the column (its ``name`` is used in messages).
        table: table name, for messages.
        report: receives the normalisation notes.
        row_ids: the table's primary-key values aligned with ``series``; error messages
            name the culprit rows by them (by row position when ``None``).

    Raises:
        DataError: values that do not parse (naming table, column, rows and example
            values), or a column mixing time-zone-aware and naive values (ambiguous: which
            zone is a naive value in?).
    """
    col = series.name
    if pd.api.types.is_datetime64_any_dtype(series):
        if getattr(series.dt, "tz", None) is not None:
            report.add("note", table, col,
                       f"time-zone-aware timestamps ({series.dt.tz}) stored as naive UTC")
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return series.astype("datetime64[ns]")
    values = series.astype("object")
    nonnull = values.notna()
    if nonnull.sum() and all(isinstance(v, (pd.Timestamp, datetime)) for v in values[nonnull]):
        aware = values.map(lambda v: v is not None and not pd.isna(v) and v.tzinfo is not None)
        if aware.any() and not aware[nonnull].all():
            raise DataError(_mixed_tz_message(table, col, values, aware, nonnull, row_ids))
        out = pd.to_datetime(values, utc=True)
        if aware.any():
            report.add("note", table, col,
                       "time-zone-aware timestamps normalised to UTC and stored naive")
        return out.dt.tz_localize(None).astype("datetime64[ns]")
    strings = values.where(~nonnull, values.astype(str))
    uniq = pd.Series(pd.unique(strings[nonnull]), dtype=object)  # dates repeat: scan once
    offset = strings.map(dict(zip(uniq, uniq.str.extract(TZ_SUFFIX)[0])))
    has_tz = nonnull & offset.notna()
    if has_tz.any() and not has_tz[nonnull].all():
        raise DataError(_mixed_tz_message(table, col, values, has_tz, nonnull, row_ids))
    parsed = None
    for fmt in ("ISO8601", "mixed"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parsed = pd.to_datetime(values, errors="coerce", utc=True, format=fmt)
        except (ValueError, TypeError):
            continue
        if not (parsed.isna() & nonnull).any():
            break
    bad = nonnull if parsed is None else (parsed.isna() & nonnull)
    if bad.any():
        examples = list(values[bad].astype(str).unique()[:5])
        raise DataError(
            f"table {table!r}, column {col!r}: {int(bad.sum())} values are not timestamps "
            f"(examples: {examples}; {_rows(bad, row_ids)}). Fix or null them in the "
            f"source, or pass stypes={{'{table}.{col}': 'ignore'}} (and time_cols="
            f"{{'{table}': None}} or another column) to load the table without parsing "
            "this column."
        )
    if has_tz.any():
        offsets = offset[has_tz].unique()
        report.add(
            "note", table, col,
            f"timestamps carry time zones {sorted(map(str, offsets))[:5]}; normalised to "
            "UTC and stored naive",
        )
    return parsed.dt.tz_localize(None).astype("datetime64[ns]")


def _rows(mask: pd.Series, row_ids: pd.Series | None, n: int = 5) -> str:
    """'rows with <pkey> [..]' or 'row positions [..]' for the first ``n`` rows of ``mask``."""
    pos = np.flatnonzero(mask.to_numpy())[:n]
    if row_ids is not None:
        ids = [plain_scalar(v) for v in row_ids.iloc[pos]]
        return f"rows with {row_ids.name} {ids}"
    return f"row positions {list(map(int, pos))}"


def plain_scalar(v):
    """A numpy scalar as a Python one; integral floats (int keys read with nulls) as int."""
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _mixed_tz_message(table, col, values, aware, nonnull, row_ids) -> str:
    naive = nonnull & ~aware
    ex_aware = str(values[aware].iloc[0])
    ex_naive = str(values[naive].iloc[0])
    return (
        f"table {table!r}, column {col!r}: mixes {int(naive.sum())} timestamps without a "
        f"time zone (e.g. {ex_naive!r}; {_rows(naive, row_ids)}) and {int(aware.sum())} "
        f"with one (e.g. {ex_aware!r}; {_rows(aware, row_ids)}), so their order is "
        "ambiguous. Store all of them in UTC (or all with an offset) in the source, or "
        f"pass stypes={{'{table}.{col}': 'ignore'}} to leave the column out."
    )


def coerce_column(series: pd.Series) -> pd.Series:
    """One in-memory representation whatever the backend returned.

    * pandas nullable integers (``Int64``, DuckDB's integers with NULLs) -> ``int64``
      without nulls, ``float64`` with NaN otherwise (what SQLite/PostgreSQL reads give, and
      what RelBench's frames hold); nullable ``Float64`` -> ``float64``;
    * Decimal objects (PostgreSQL ``NUMERIC``) -> ``float64``;
    * UUID objects (PostgreSQL ``uuid``) -> str, so they work as keys and categories.
    """
    if isinstance(series.dtype, pd.api.extensions.ExtensionDtype) and (
        pd.api.types.is_integer_dtype(series) or pd.api.types.is_float_dtype(series)
    ):
        if pd.api.types.is_integer_dtype(series) and not series.isna().any():
            return series.astype("int64")
        return series.astype("float64")
    if series.dtype == object:
        nonnull = series.dropna()
        head = nonnull.iloc[:1000]
        if len(nonnull) and all(isinstance(v, Decimal) for v in head):
            return series.astype("float64")
        if len(nonnull) and all(isinstance(v, uuid.UUID) for v in head):
            return series.map(lambda v: None if v is None else str(v), na_action="ignore")
    return series


def is_date_sql_type(sql_type: str) -> bool:
    return bool(DATE_SQL_TYPE.search(sql_type)) and "INTERVAL" not in sql_type


def choose_time_col(
    table: str, df: pd.DataFrame, candidates_parsed: list[str], report: ValidationReport
) -> str | None:
    """The table's time column when the user named none.

    A datetime column whose name looks like a date/time/created/timestamp. With several
    such columns, one whose name says ``created`` wins; otherwise none is chosen and a note
    names the candidates and the ``time_cols=`` override.
    """
    cands = [
        c for c in df.columns
        if c in candidates_parsed and TIME_NAME.search(str(c))
        and pd.api.types.is_datetime64_any_dtype(df[c])
    ]
    if len(cands) > 1:
        created = [c for c in cands if "creat" in str(c).lower()]
        if len(created) == 1:
            cands = created
    if len(cands) == 1:
        report.add("note", table, cands[0], "chosen as time column (name and datetime type)")
        return cands[0]
    if len(cands) > 1:
        report.add(
            "note", table, None,
            f"several time-like columns {cands}; none chosen. Pass "
            f"time_cols={{'{table}': COLUMN}} to choose one.",
        )
    return None


_KEY_NAME = re.compile(r"(^id$|_id$|[a-z0-9]Id$|ID$)")


def infer_primary_key(
    table: str, df: pd.DataFrame, tables: list[str], referenced: set[str] = frozenset()
) -> tuple[str | None, str]:
    """A primary key for a table whose catalog declares none (a CSV import, a database
    created without constraints).

    Candidates are integer or string columns without nulls or duplicates that are
    referenced by a declared foreign key, or are named like a key (``id``, ``*_id``,
    ``*Id``) without being named after *another* table (``user_id`` in ``orders`` looks
    like a foreign key to ``users``). A column referenced by a declared foreign key wins;
    otherwise the single candidate, else ``id``, else the one named after the table
    itself (``race_id``/``raceId`` in ``races``). Anything else is ambiguous: none.

    Args:
        table: the table's name; df: its rows; tables: every table name of the database;
        referenced: columns of ``table`` that declared foreign keys reference.

    Returns:
        ``(column, reason)``, or ``(None, reason)`` naming the ambiguous candidates (or
        ``""`` when there is no candidate at all).
    """
    if len(df) == 0:
        return None, ""

    def unique_key(c) -> bool:
        s = df[c]
        ok_type = pd.api.types.is_integer_dtype(s) or pd.api.types.is_string_dtype(s) \
            or (s.dtype == object and s.map(type).eq(str).all())
        return bool(ok_type and s.notna().all() and s.is_unique)

    ref = [c for c in df.columns if c in referenced and unique_key(c)]
    if len(ref) == 1:
        return ref[0], "referenced by a declared foreign key; unique and non-null"
    others = [t for t in tables if t != table]
    cands = [
        c for c in df.columns
        if _KEY_NAME.search(str(c)) and unique_key(c)
        and not any(_name_rule(str(c), t, "\0") for t in others)
    ]
    why = "named like a key, unique and non-null"
    if len(cands) == 1:
        return cands[0], why
    if not cands:
        return None, ""
    for pick in ([c for c in cands if str(c).lower() == "id"],
                 [c for c in cands if _name_rule(str(c), table, "\0")]):
        if len(pick) == 1:
            return pick[0], why
    return None, f"several columns could be the primary key: {list(map(str, cands))}"


def _singular(name: str) -> list[str]:
    n = name.lower()
    out = [n]
    if n.endswith("ies"):
        out.append(n[:-3] + "y")
    if n.endswith("es"):
        out.append(n[:-2])
    if n.endswith("s"):
        out.append(n[:-1])
    return out


def _name_rule(col: str, target: str, target_pkey: str) -> str | None:
    c = col.lower()
    if c == target_pkey.lower():
        return "same name as primary key"
    for s in _singular(target):
        if c in (f"{s}_id", f"{s}id"):
            return f"named <table>_id / <table>Id after {target!r}"
    return None


def infer_foreign_keys(tables: dict, declared: dict[str, dict[str, str]]) -> list[dict]:
    """Foreign keys the catalog does not declare, found by name and value coverage.

    A column ``c`` of table ``A`` is inferred to reference table ``B`` (single-column
    primary key ``p``) when ``c`` is named like ``p``, ``<B>_id`` or ``<B>Id`` (plural
    ``B`` singularised), is not ``A``'s own primary key nor already a foreign key, and at
    least 99 % of its non-null values exist in ``B.p``.

    Args:
        tables: name -> object with ``df`` and ``pkey_col`` attributes.
        declared: name -> {column: target} already known.

    Returns:
        one dict of evidence per inferred key: ``table``, ``column``, ``target``,
        ``target_pkey``, ``rule``, ``coverage`` (fraction in [0, 1]), ``non_null`` (rows).
    """
    found = []
    pk_values: dict[str, pd.Series] = {}
    for a, ta in tables.items():
        for col in ta.df.columns:
            if col == ta.pkey_col or col in declared.get(a, {}):
                continue
            s = ta.df[col]
            if not (pd.api.types.is_integer_dtype(s) or pd.api.types.is_float_dtype(s)
                    or pd.api.types.is_string_dtype(s) or s.dtype == object):
                continue
            best = None
            for b, tb in tables.items():
                if tb.pkey_col is None:
                    continue
                rule = _name_rule(str(col), b, str(tb.pkey_col))
                if rule is None:
                    continue
                vals = s.dropna()
                if len(vals) == 0:
                    continue
                if b not in pk_values:
                    pk_values[b] = tb.df[tb.pkey_col].dropna()
                coverage = float(vals.isin(pk_values[b]).mean())
                if coverage >= FKEY_COVERAGE and (best is None or coverage > best["coverage"]):
                    best = {
                        "table": a, "column": str(col), "target": b,
                        "target_pkey": str(tb.pkey_col), "rule": rule,
                        "coverage": round(coverage, 6), "non_null": int(len(vals)),
                    }
            if best is not None:
                found.append(best)
    return found
