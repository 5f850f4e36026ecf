"""Column semantic types (stypes) in pytorch-frame's vocabulary, inferred from pandas dtypes.

The database layer names stypes as plain strings so it never imports torch; the graph
layer maps them to `torch_frame.stype`. The heuristics follow pytorch-frame's
`torch_frame.utils.infer_df_stype` in spirit, kept simpler and predictable:

* datetime columns -> ``timestamp``
* booleans -> ``categorical``
* numbers -> ``numerical``, except integer codes named like an id (``statusId``,
  ``status_id``) that are not keys -> ``categorical``
* strings -> ``categorical`` when values repeat (at most ``max(20, 0.5 * non-null rows)``
  distinct values), ``text_embedded`` when they are mostly unique (names, descriptions)
* lists/arrays of scalars -> ``multicategorical``; lists of floats -> ``embedding``
"""

from __future__ import annotations

import numbers
import re

import numpy as np
import pandas as pd

from rdl.db import hints
from rdl.db.errors import SchemaError
from rdl.db.names import shown_columns

STYPES = (
    "numerical",
    "categorical",
    "text_embedded",
    "multicategorical",
    "timestamp",
    "embedding",
)
_ID_NAME = re.compile(r"(_id|[a-z]Id|ID)$")
IGNORE = "ignore"  # override value: keep the column in the frame but not as a feature
BINARY = (bytes, bytearray, memoryview)


class OpaqueColumn(SchemaError):
    """A column whose values are opaque to every stype (binary data, JSON objects);
    `infer_stypes` leaves it out with a note when it has a report to note it in."""


def _check_stype(stype: str, where: str) -> None:
    if stype not in STYPES and stype != IGNORE:
        raise SchemaError(
            f"{where}: unknown stype {stype!r}; use one of {list(STYPES)} or "
            f"{IGNORE!r} to leave the column out of the features."
        )


def _integral(series: pd.Series) -> bool:
    values = series.dropna()
    return pd.api.types.is_integer_dtype(series) or bool(
        len(values) and (values == values.round()).all()
    )


def infer_column_stype(
    series: pd.Series, table: str = "?", sql_type: str | None = None
) -> str | None:
    """Infer the stype of one column.

    Returns:
        a stype name, or ``None`` for a column with no non-null value (nothing to learn).

    Raises:
        SchemaError: the values are of a type rdl cannot encode (bytes, dicts, mixed
            objects); the message names table, column, type and the override to use.
    """
    col = series.name
    if not series.notna().any():
        return None  # all null (or no rows): nothing to learn
    if pd.api.types.is_datetime64_any_dtype(series):
        return "timestamp"
    if pd.api.types.is_bool_dtype(series):
        return "categorical"
    if pd.api.types.is_numeric_dtype(series):
        if _ID_NAME.search(str(col)) and _integral(series):
            return "categorical"
        return "numerical"
    values = series.dropna()
    if pd.api.types.is_string_dtype(series) or pd.api.types.is_object_dtype(series):
        sample = values.iloc[: min(len(values), 1000)]
        kinds = {type(v) for v in sample}
        if kinds <= {str}:
            nunique = values.nunique()
            if nunique <= max(20, 0.5 * len(values)):
                return "categorical"
            return "text_embedded"
        if all(isinstance(v, (list, tuple, np.ndarray)) for v in sample):
            flat = [x for v in sample for x in v]
            if flat and all(isinstance(x, (float, np.floating)) for x in flat):
                return "embedding"
            return "multicategorical"
        if all(isinstance(v, numbers.Number) and not isinstance(v, bool) for v in sample):
            return "numerical"
        if all(isinstance(v, BINARY) for v in sample):
            raise OpaqueColumn(f"binary values{_sql(sql_type)}")
        if all(isinstance(v, dict) for v in sample):
            raise OpaqueColumn(f"JSON objects{_sql(sql_type)}")
        bad = next(v for v in sample if not isinstance(v, str))
        raise SchemaError(
            f"table {table!r}, column {col!r}: values of type {type(bad).__name__}"
            f"{_sql(sql_type)} (example: {str(bad)[:60]!r}) have no stype. Leave the column "
            f"out with {hints.stype(table, col)}, or convert it and name one of "
            f"{list(STYPES)}."
        )
    raise SchemaError(
        f"table {table!r}, column {col!r}: dtype {series.dtype}{_sql(sql_type)} has no "
        f"stype. Leave it out with {hints.stype(table, col)} or name one of {list(STYPES)}."
    )


def _sql(sql_type: str | None) -> str:
    return f" (SQL type {sql_type})" if sql_type else ""


def infer_stypes(
    df: pd.DataFrame,
    *,
    table: str = "?",
    exclude: list[str] | tuple[str, ...] = (),
    overrides: dict[str, str] | None = None,
    sql_types: dict[str, str] | None = None,
    report=None,
) -> dict[str, str]:
    """Stypes of the feature columns of ``df``.

    Args:
        df: the table's rows.
        table: table name, used in error messages.
        exclude: key columns (primary and foreign keys): never features.
        overrides: column -> stype (or ``"ignore"``) chosen by the user; wins over inference.
        sql_types: column -> declared SQL type, named in error messages.
        report: a `rdl.db.validate.ValidationReport`; when given, columns of binary
            values or JSON objects are left out of the features with a note there
            instead of raising (the column stays in the frame, as read).

    Returns:
        column -> stype for every feature column (key, ignored and all-null columns left out).

    Raises:
        SchemaError: unknown override stype, override of a missing column, or a column
            whose values cannot be typed (see `infer_column_stype`).
    """
    overrides = dict(overrides or {})
    st: str | None  # an override's stype, then each column's (None: not a feature)
    for col, st in overrides.items():
        _check_stype(st, f"table {table!r}, column {col!r}")
        if col not in df.columns:
            raise SchemaError(
                f"table {table!r}: stype override for {col!r}, which is not a column "
                f"(columns: {shown_columns(df)}). Fix {hints.stype(table, 'COLUMN', 'STYPE')}."
            )
    out: dict[str, str] = {}
    for col in df.columns:
        if col in exclude:
            continue
        try:
            st = (
                overrides[col]
                if col in overrides
                else infer_column_stype(df[col], table, (sql_types or {}).get(col))
            )
        except OpaqueColumn as e:
            if report is None:
                raise SchemaError(
                    f"table {table!r}, column {col!r}: {e} have no stype. Leave the column "
                    f"out with {hints.stype(table, col)}."
                ) from None
            report.add(
                "note",
                table,
                col,
                f"{e} have no stype: not a feature (kept as read). "
                f"To silence this: {hints.stype(table, col)}",
            )
            continue
        if st is None or st == IGNORE:
            continue
        out[col] = st
    return out
