"""Column values in one in-memory representation, whatever the backend returned.

The schema decisions themselves live beside this module: timestamps in
`rdl.db.timeparse`, time columns in `rdl.db.timecols`, keys in `rdl.db.keys`, foreign-key
links in `rdl.db.links`.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import numpy as np
import pandas as pd

from rdl.db.timeparse import plain_scalar, rows_text

DATE_SQL_TYPE = re.compile(r"(DATE|TIMESTAMP)", re.I)  # DATETIME too; plain TIME is time of day
SURROGATE_PKEY = "_rdl_key"


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


def drop_non_finite(series: pd.Series, table: str, report, row_ids=None) -> pd.Series:
    """Float ``+inf`` / ``-inf`` -> missing (NaN), with a warning naming table, column,
    count and rows: an infinite value would turn every statistic, and so every
    prediction, into NaN. (NaN itself is already a missing value.)"""
    if not pd.api.types.is_float_dtype(series):
        return series
    bad = np.isinf(series.to_numpy(dtype="float64", na_value=np.nan))
    if not bad.any():
        return series
    ex = sorted({str(v) for v in series[bad]})
    report.add(
        "warning",
        table,
        series.name,
        (
            f"{int(bad.sum())} values are not finite ({ex}; {rows_text(bad, row_ids)}); read "
            "as missing values, as NaN is. Fix them in the source if they mean something else"
        ),
        int(bad.sum()),
    )
    return series.where(~bad)


def is_date_sql_type(sql_type: str) -> bool:
    return bool(DATE_SQL_TYPE.search(sql_type)) and "INTERVAL" not in sql_type


__all__ = [
    "SURROGATE_PKEY",
    "coerce_column",
    "drop_non_finite",
    "is_date_sql_type",
    "plain_scalar",
    "rows_text",
]
