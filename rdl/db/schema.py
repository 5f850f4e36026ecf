"""Schema decisions rdl makes on top of the catalog: timestamp parsing, time-column choice,
composite keys, and foreign-key inference (with evidence)."""

from __future__ import annotations

import re
import warnings
from decimal import Decimal

import numpy as np
import pandas as pd

from rdl.db.errors import DataError
from rdl.db.validate import ValidationReport

TIME_NAME = re.compile(r"(date|time|timestamp|created|updated|modified|_at$|^ts$)", re.I)
DATE_SQL_TYPE = re.compile(r"(DATE|TIMESTAMP)", re.I)  # DATETIME too; plain TIME is time of day
SURROGATE_PKEY = "_rdl_key"
FKEY_COVERAGE = 0.99


def to_utc_naive(series: pd.Series, table: str, report: ValidationReport) -> pd.Series:
    """Parse ``series`` into ``datetime64[ns]``, naive, in UTC.

    Strings are parsed as ISO 8601 (any precision), falling back to pandas' mixed parser.
    Time-zone-aware values are converted to UTC and a note is added to ``report``.

    Raises:
        DataError: values that do not parse (naming table, column and example values), or
            a column mixing time-zone-aware and naive strings (ambiguous: which zone is a
            naive value in?).
    """
    col = series.name
    if pd.api.types.is_datetime64_any_dtype(series):
        if getattr(series.dt, "tz", None) is not None:
            report.add("note", table, col, f"time zone {series.dt.tz} normalised to UTC")
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return series.astype("datetime64[ns]")
    values = series.astype("object")
    nonnull = values.notna()
    if nonnull.sum() and all(isinstance(v, pd.Timestamp) for v in values[nonnull]):
        aware = {v.tzinfo is not None for v in values[nonnull]}
        if len(aware) > 1:
            raise DataError(_mixed_tz_message(table, col, values[nonnull]))
        out = pd.to_datetime(values, utc=True)
        if True in aware:
            report.add("note", table, col, "time zones normalised to UTC")
        return out.dt.tz_localize(None).astype("datetime64[ns]")
    strings = values[nonnull].astype(str)
    has_tz = strings.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
    if has_tz.any() and not has_tz.all():
        raise DataError(_mixed_tz_message(table, col, strings))
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
        rows = list(map(int, np.flatnonzero(bad.to_numpy())[:5]))
        raise DataError(
            f"table {table!r}, column {col!r}: {int(bad.sum())} values are not timestamps "
            f"(examples: {examples}, row positions {rows}). Fix or null them in the source, "
            f"or pass time_cols={{'{table}': None}} and stypes={{'{table}.{col}': "
            "'ignore'}} to use the table without this column as time."
        )
    if has_tz.any():
        offsets = strings.str.extract(r"(Z|[+-]\d{2}:?\d{2})$")[0].unique()
        report.add(
            "note", table, col,
            f"timestamps carry time zones {sorted(map(str, offsets))[:5]}; normalised to UTC",
        )
    return parsed.dt.tz_localize(None).astype("datetime64[ns]")


def _mixed_tz_message(table: str, col: str, values: pd.Series) -> str:
    return (
        f"table {table!r}, column {col!r}: mixes timestamps with and without a time zone "
        f"(examples: {list(map(str, values.iloc[:3]))}), so their order is ambiguous. "
        "Store all of them in UTC (or all with an offset) in the source."
    )


def coerce_column(series: pd.Series) -> pd.Series:
    """Decimal objects -> float64 (PostgreSQL NUMERIC); everything else unchanged."""
    if series.dtype == object:
        nonnull = series.dropna()
        if len(nonnull) and all(isinstance(v, Decimal) for v in nonnull.iloc[:1000]):
            return series.astype("float64")
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
