"""Reading a column as timestamps, or refusing with a reason: never a silent guess.

What a column holds decides how it is read (`read_times`):

* **datetimes** (DuckDB/PostgreSQL ``TIMESTAMP``/``DATE``): kept; time-zone-aware ones
  converted to UTC and stored naive, with a note.
* **numbers**: the reading comes from the schema (``time_formats``, the CLI's
  ``--time-col t.c:READING`` / ``--time-format``) or is detected from the magnitudes:
  epoch seconds / milliseconds / microseconds / nanoseconds (all values in one band, e.g.
  1e8..1e10 for seconds = 1973..2286) and ``YYYYMMDD`` (all values valid dates) are read
  with a note that states the reading. Integer years, ``YYYYMM`` and ``YYMMDD`` need an
  explicit reading; a column the user named as a time column without one gets the
  end of the period (``year-end``, ``month-end``: the conservative choice — a season's
  statistics are known when it ends), stated in a note. A 6-digit column that fits both
  ``YYYYMM`` and ``YYMMDD`` is refused with both options.
* **text**: ISO 8601 (any precision, with or without offsets). Day/month dates such as
  ``04/03/2021`` are read day-first only when some value proves it (a first field > 12),
  month-first when some second field > 12; when no value decides, the column is refused
  with the ``--time-format`` to pass (``%d/%m/%Y`` or ``%m/%d/%Y``).
* **out of range** (pandas' nanosecond timestamps span 1677-09-21 .. 2262-04-11): the
  "open-ended" sentinels (``9999-12-31``, ``9999-01-01``, ``0001-01-01`` and other dates in
  years 1 and >= 9000) become null with a note; any other such date is named in an error.

Readings (`READINGS`) are plain names or a ``strftime`` format (``%d.%m.%Y``); the
number readings live in `rdl.db.datenumbers`. `READINGS`, `check_reading`, reading a number
column (`rdl.db.timenumbers.number_times`) and the 1677..2262 range check (`in_range`,
`check_far`) live in `rdl.db.timenumbers`; `READINGS` and `check_reading` are re-exported
here.
"""

from __future__ import annotations

import re
import warnings
from datetime import date, datetime

import pandas as pd

from rdl.db import hints
from rdl.db.datenumbers import NUMBER_READINGS, apply_number_reading, number_readings
from rdl.db.errors import DataError, SchemaError
from rdl.db.textdates import (
    TZ_SUFFIX,
    mixed_text_times,
    mixed_tz_message,
    plain_scalar,
    rows_text,
    static_table,
)
from rdl.db.timenumbers import READINGS, check_far, check_reading, in_range, number_times

_DMY = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{2}|\d{4})(?:[ T].*)?$")
_NUMBER = re.compile(r"^\s*[+-]?\d+(\.\d+)?\s*$")


# ---- text ----------------------------------------------------------------------------
def day_month_order(strings: pd.Series) -> tuple[str | None, str]:
    """For text dates like ``04/03/2021``: ``("dayfirst" | "monthfirst" | None, evidence)``.

    ``("ambiguous", ...)`` when no value has a field > 12, ``("inconsistent", ...)`` when
    both orders occur; ``(None, "")`` when the values are not day/month dates at all.
    """
    m = strings.str.extract(_DMY)
    if m[0].isna().any() or len(m) == 0:
        return None, ""
    first, second = m[0].astype(int), m[2].astype(int)
    f, s = first > 12, second > 12
    ex_f = strings[f].iloc[0] if f.any() else None
    ex_s = strings[s].iloc[0] if s.any() else None
    sep = m[1].iloc[0]
    if f.any() and s.any():
        return "inconsistent", (
            f"{int(f.sum())} values have a first field > 12 (e.g. "
            f"{ex_f!r}) and {int(s.sum())} a second field > 12 (e.g. "
            f"{ex_s!r})"
        )
    if f.any():
        return "dayfirst", (
            f"{int(f.sum())} of {len(m)} distinct values have a first field > 12 "
            f"(e.g. {ex_f!r}), so the day comes first"
        )
    if s.any():
        return "monthfirst", (
            f"{int(s.sum())} of {len(m)} distinct values have a second field > 12 "
            f"(e.g. {ex_s!r}), so the month comes first"
        )
    return "ambiguous", sep


def _parse_text(values: pd.Series, fmt: str, dayfirst: bool = False) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.to_datetime(values, errors="coerce", utc=True, format=fmt, dayfirst=dayfirst)


def _text_times(values, table, col, report, reading, row_ids, strict):
    """Text -> ``(UTC-aware datetimes or None, reading used)``; see `read_times`."""
    nonnull = values.notna()
    strings = values.where(~nonnull, values.astype(str))
    s_nonnull = pd.Series(pd.unique(strings[nonnull]), dtype=object)  # dates repeat
    if reading is None and len(s_nonnull) and s_nonnull.str.match(_NUMBER).all():
        return None, "number"
    if reading in (None, "dayfirst", "monthfirst") and len(s_nonnull):
        mixed = mixed_text_times(
            values, strings, s_nonnull, table, col, report, reading, row_ids, strict
        )
        if mixed is not None:
            return mixed
    if reading in ("dayfirst", "monthfirst"):
        return _parse_text(values, "mixed", reading == "dayfirst"), reading
    if reading is not None and reading != "iso":
        return _parse_text(values, reading), reading
    if reading is None and len(s_nonnull):
        order, why = day_month_order(s_nonnull)
        if order in ("ambiguous", "inconsistent"):
            sep = why if order == "ambiguous" else "/"
            problem = (
                "no value decides (every field is <= 12)"
                if order == "ambiguous"
                else f"the values disagree: {why}"
            )
            fix = (
                hints.time_format(table, col, f"%d{sep}%m{sep}%Y")
                + " or "
                + hints.time_format(table, col, f"%m{sep}%d{sep}%Y")
                + " (also accepted: dayfirst / monthfirst)"
            )
            if not strict:
                report.add(
                    "warning",
                    table,
                    col,
                    f"looks like day/month text dates (e.g. {s_nonnull.iloc[0]!r}) but "
                    f"{problem}; not read as timestamps, {static_table(table, col)}. "
                    f"To read it, pass {fix}",
                )
                return None, None
            raise DataError(
                f"table {table!r}, column {col!r}: text dates such as "
                f"{s_nonnull.iloc[0]!r} could be day/month or month/day and {problem}; rdl "
                f"does not guess. Say which with {fix}."
            )
        if order in ("dayfirst", "monthfirst"):
            report.add(
                "note",
                table,
                col,
                f"text dates read {order} ({why}); override with "
                + hints.time_format(
                    table, col, "monthfirst" if order == "dayfirst" else "dayfirst"
                ),
            )
            return _parse_text(values, "mixed", order == "dayfirst"), order
    uniq = s_nonnull
    offset = strings.map(dict(zip(uniq, uniq.str.extract(TZ_SUFFIX)[0])))
    has_tz = nonnull & offset.notna()
    if has_tz.any() and not has_tz[nonnull].all():
        raise DataError(mixed_tz_message(table, col, values, has_tz, nonnull, row_ids))
    parsed = None
    for fmt in ("ISO8601", "mixed"):
        try:
            parsed = _parse_text(values, fmt)
        except (ValueError, TypeError, OverflowError):
            continue
        if not (parsed.isna() & nonnull).any():
            break
    if has_tz.any() and parsed is not None:
        report.add(
            "note",
            table,
            col,
            f"timestamps carry time zones {sorted(map(str, offset[has_tz].unique()))[:5]}; "
            "normalised to UTC and stored naive",
        )
    return parsed, reading


# ---- the one entry point ---------------------------------------------------------------
def read_times(
    series: pd.Series,
    table: str,
    report,
    *,
    reading: str | None = None,
    row_ids: pd.Series | None = None,
    strict: bool = True,
    chosen: bool = False,
) -> tuple[pd.Series | None, str | None]:
    """Read ``series`` as naive-UTC ``datetime64[ns]`` timestamps (see the module doc).

    Args:
        series: the column (its ``name`` is used in messages).
        table: the table's name, for messages.
        report: `rdl.db.validate.ValidationReport` receiving notes (readings, time zones,
            sentinels).
        reading: one of `READINGS` / a ``strftime`` format, or ``None`` to detect.
        row_ids: the table's primary-key values aligned with ``series``; messages name
            culprit rows by them (by position when ``None``).
        strict: the column must be read (a declared date type or a column the user
            named): refuse with an error rather than leave it unread.
        chosen: the user named it as the table's time column (integer years / YYYYMM
            then default to the end of the period).

    Returns:
        ``(timestamps, reading used)``; ``(None, None)`` when a non-strict column is left
        as it is (its values are not clearly timestamps; a note may say how to read it).

    Raises:
        DataError: values that do not fit (naming table, column, rows, examples and the
            flag that fixes it); ambiguous day/month text; mixed time-zone-aware and
            naive values; dates outside 1677..2262 that are not open-ended sentinels.
        SchemaError: an unknown ``reading``.
    """
    col = series.name
    where = f"table {table!r}, column {col!r}"
    if reading is not None:
        check_reading(reading, f"time format of {table}.{col}")
    nonnull = series.notna()
    used = reading
    if pd.api.types.is_datetime64_any_dtype(series):
        if reading is not None and reading not in ("iso",):
            raise SchemaError(
                f"{where} already holds timestamps ({series.dtype}); the time "
                f"reading {reading!r} applies to numbers or text only. Drop it."
            )
        parsed = series
        if getattr(series.dt, "tz", None) is not None:
            report.add(
                "note",
                table,
                col,
                f"time-zone-aware timestamps ({series.dt.tz}) stored as naive UTC",
            )
            parsed = series.dt.tz_convert("UTC")
    elif pd.api.types.is_bool_dtype(series):
        if strict:
            raise DataError(
                f"{where} holds booleans, not timestamps; pass "
                f"{hints.no_time_col(table)} or another column."
            )
        return None, None
    else:
        values = series.astype("object")
        objs = values[nonnull]
        is_number = pd.api.types.is_numeric_dtype(series)
        if (
            not is_number
            and len(objs)
            and all(isinstance(v, (pd.Timestamp, datetime)) for v in objs)
        ):
            aware = values.map(lambda v: v is not None and not pd.isna(v) and v.tzinfo is not None)
            if aware.any() and not aware[nonnull].all():
                raise DataError(mixed_tz_message(table, col, values, aware, nonnull, row_ids))
            parsed = _objects_to_datetime(values, table, col, report, row_ids)
            if aware.any():
                report.add(
                    "note",
                    table,
                    col,
                    "time-zone-aware timestamps normalised to UTC and stored naive",
                )
        else:
            if not is_number and objs.map(lambda v: isinstance(v, date)).all() and len(objs):
                values = values.map(lambda v: v.isoformat() if isinstance(v, date) else v)
            parsed = None
            if not is_number and reading not in NUMBER_READINGS:
                parsed, used = _text_times(values, table, col, report, reading, row_ids, strict)
                if used is None and parsed is None:
                    return None, None
            if is_number or used == "number" or reading in NUMBER_READINGS:
                parsed, used = number_times(
                    values, table, col, report, reading, row_ids, strict, chosen
                )
                if parsed is None:
                    return None, None
    if parsed is None:
        parsed = pd.Series(pd.NaT, index=series.index)
    bad = (parsed.isna() & nonnull).to_numpy()
    if bad.any():
        if not strict:
            return None, None
        examples = list(series[bad].astype(str).unique()[:5])
        how = f"under the reading {used!r} " if used else ""
        raise DataError(
            f"{where}: {int(bad.sum())} values are not timestamps {how}(examples: "
            f"{examples}; {rows_text(bad, row_ids)}). Fix or null them in the source, pass "
            f"the format they are in ({hints.time_format(table, col, '%d.%m.%Y')}, or a "
            f"reading: {', '.join(READINGS)}), or leave the column out with "
            f"{hints.stype(table, col)}."
        )
    return in_range(parsed, table, col, report, row_ids), used


def _objects_to_datetime(values, table, col, report, row_ids) -> pd.Series:
    """Python ``datetime`` objects (PostgreSQL) -> UTC-aware timestamps, range-checked
    per value first (a year-9999 ``datetime`` is legal in Python)."""
    years = values.map(lambda v: v.year if isinstance(v, datetime) else None)
    out = values.copy()
    far = years.notna() & ((years < 1678) | (years > 2261))
    if far.any():
        check_far(
            values[far].map(lambda v: v.replace(tzinfo=None).isoformat()),
            far,
            table,
            col,
            report,
            row_ids,
        )
        out[far] = None
    return pd.to_datetime(out, utc=True)


__all__ = [
    "NUMBER_READINGS",
    "READINGS",
    "apply_number_reading",
    "check_reading",
    "day_month_order",
    "number_readings",
    "plain_scalar",
    "read_times",
    "rows_text",
]
