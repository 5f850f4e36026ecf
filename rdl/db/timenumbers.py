"""Numbers read as timestamps, the catalogue of time readings and the range check.

Moved out of `rdl.db.timeparse` (which re-exports `READINGS` and `check_reading`):

* `READINGS` / `check_reading`: the readings a schema or the CLI may name (plain names or a
  ``strftime`` format);
* `number_times`: a number column's reading, from the schema or detected from the
  magnitudes (`rdl.db.datenumbers`), stated in a note or refused with the flag to pass;
* `in_range` / `check_far`: dates outside pandas' 1677..2262 are open-ended sentinels
  (null, with a note) or an error naming them.
"""

from __future__ import annotations

import re

import pandas as pd

from rdl.db import hints
from rdl.db.datenumbers import NUMBER_READINGS, apply_number_reading, number_readings
from rdl.db.errors import DataError, SchemaError
from rdl.db.textdates import plain_scalar, rows_text

#: reading name -> what it means (the ``time_formats`` values; a ``strftime`` format too)
READINGS = {
    "year-end": "integer years, dated at the last second of the year (YYYY-12-31 23:59:59)",
    "year-start": "integer years, dated 1 January 00:00",
    "month-end": "YYYYMM integers, dated at the last second of the month",
    "month-start": "YYYYMM integers, dated the 1st of the month 00:00",
    "yyyymmdd": "YYYYMMDD integers (20210304 = 2021-03-04)",
    "yymmdd": "YYMMDD integers (930705 = 1993-07-05; years 69-99 are 19xx, 00-68 20xx)",
    "epoch-s": "seconds since 1970-01-01 UTC",
    "epoch-ms": "milliseconds since 1970-01-01 UTC",
    "epoch-us": "microseconds since 1970-01-01 UTC",
    "epoch-ns": "nanoseconds since 1970-01-01 UTC",
    "dayfirst": "text dates with the day first (04/03/2021 = 4 March 2021)",
    "monthfirst": "text dates with the month first (04/03/2021 = 3 April 2021)",
    "iso": "ISO 8601 text (2021-03-04, 2021-03-04T10:00:00+02:00)",
}
#: the directives ``strptime`` reads (Python's ``datetime.strptime``, as pandas)
STRPTIME = "aAbBcdfGHIjmMpSuUVwWxXyYzZ%"
_NS_MIN, _NS_MAX = pd.Timestamp.min, pd.Timestamp.max


def check_reading(reading: str, where: str) -> str:
    """``reading`` if it is one of `READINGS` or a ``strftime`` format.

    Raises:
        SchemaError: anything else; the message lists the readings.
    """
    if reading in READINGS:
        return reading
    if "%" in str(reading):
        bad = sorted({d for d in re.findall(r"%(.?)", str(reading)) if d not in STRPTIME})
        if not bad:
            return reading
        raise SchemaError(
            f"{where}: {reading!r} has the unknown strftime directive(s) "
            f"{', '.join('%' + d for d in bad)}; the directives are "
            f"{' '.join('%' + d for d in STRPTIME)} (e.g. '%d/%m/%Y %H:%M'), or use one of "
            f"{list(READINGS)}."
        )
    raise SchemaError(
        f"{where}: unknown time reading {reading!r}; use one of {list(READINGS)} or a "
        "strftime format such as '%d/%m/%Y'."
    )


def number_times(values, table, col, report, reading, row_ids, strict, chosen):
    where = f"table {table!r}, column {col!r}"
    num = pd.to_numeric(values, errors="coerce")
    if reading is None:
        auto, explicit = number_readings(num.dropna())
        if auto is not None:
            reading = auto
            lo, hi = num.min(), num.max()
            report.add(
                "note",
                table,
                col,
                (
                    f"numbers read as {READINGS[auto]} (detected from the values: "
                    f"{plain_scalar(lo)} .. {plain_scalar(hi)}); another reading: "
                    + hints.time_col(table, col, "READING")
                    + f", READING one of {list(NUMBER_READINGS)}"
                ),
            )
        elif (
            chosen and explicit and explicit[0] in ("year-end", "month-end") and len(explicit) == 1
        ):
            reading = explicit[0]
            report.add(
                "note",
                table,
                col,
                (
                    f"{'integer years' if reading == 'year-end' else 'YYYYMM integers'} read as "
                    f"the END of the period ({READINGS[reading]}): the conservative reading, a "
                    f"period's rows are known when it ends. For the start pass "
                    + hints.time_col(table, col, reading.replace("end", "start"))
                ),
            )
        else:
            if not strict:
                span = f"{plain_scalar(num.min())} .. {plain_scalar(num.max())}"
                report.add(
                    "note",
                    table,
                    col,
                    (
                        "numbers named like a time, not read as timestamps: "
                        + (
                            f"they may be {' or '.join(explicit)} ({span}); to use them pass "
                            + hints.time_col(table, col, explicit[0])
                            if explicit
                            else f"no reading fits all of them ({span}); if they are times, pass "
                            + hints.time_col(table, col, "READING")
                            + f", READING one of {list(NUMBER_READINGS)}"
                        )
                    ),
                )
                return None, None
            fits = explicit or ["epoch-s", "epoch-ms", "yyyymmdd"]
            raise DataError(
                f"{where}: holds numbers ({plain_scalar(num.min())} .. "
                f"{plain_scalar(num.max())}) that rdl cannot read as timestamps without being "
                "told how ("
                + (
                    "they fit " + " and ".join(explicit)
                    if explicit
                    else "no reading fits all of them"
                )
                + "). "
                "Say which with "
                + hints.time_col(table, col, fits[0])
                + f" (readings: {list(NUMBER_READINGS)}), or leave the column out with "
                + hints.stype(table, col)
                + "."
            )
    elif reading not in NUMBER_READINGS:
        raise DataError(
            f"{where}: holds numbers, but the time reading {reading!r} is for text; "
            f"use one of {list(NUMBER_READINGS)}."
        )
    parsed, bad = apply_number_reading(num, reading)
    if bad.any():
        ex = list(pd.Series(values[bad]).astype(str).unique()[:5])
        raise DataError(
            f"{where}: {int(bad.sum())} values do not fit the reading {reading!r} "
            f"({READINGS[reading]}; examples: {ex}; {rows_text(bad, row_ids)}). Fix or null "
            f"them in the source, or pass another reading: "
            + hints.time_col(table, col, "READING")
            + f", READING one of {list(NUMBER_READINGS)}."
        )
    return parsed, reading


def check_far(strings: pd.Series, mask, table, col, report, row_ids) -> None:
    """Dates outside 1677..2262: sentinels (year 1, years >= 9000) noted, others refused."""
    years = strings.str.extract(r"^\s*(\d{1,4})-")[0].astype(float)
    sentinel = (years >= 9000) | (years <= 1)
    if not sentinel.all():
        bad = mask.copy()
        bad[mask] = ~sentinel.to_numpy()
        ex = list(strings[~sentinel].unique()[:5])
        raise DataError(
            f"table {table!r}, column {col!r}: {int((~sentinel).sum())} dates lie outside "
            f"the years 1678..2261 that rdl's timestamps hold (examples: {ex}; "
            f"{rows_text(bad, row_ids)}) and are not an open-ended sentinel such as "
            f"9999-12-31. Fix or null them in the source, or leave the column out with "
            f"{hints.stype(table, col)}."
        )
    report.add(
        "note",
        table,
        col,
        (
            f"{int(mask.sum())} values are open-ended sentinels ({sorted(strings.unique())[:3]}); "
            f"read as null (no date), {rows_text(mask, row_ids)}"
        ),
        int(mask.sum()),
    )


def in_range(parsed: pd.Series, table, col, report, row_ids) -> pd.Series:
    """Naive UTC ``datetime64[ns]``; out-of-range values are sentinels (null) or an error."""
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    if str(parsed.dtype) != "datetime64[ns]":
        far = (parsed.notna() & ((parsed < _NS_MIN) | (parsed > _NS_MAX))).to_numpy()
        if far.any():
            strings = parsed[far].map(lambda v: f"{v.year:04d}-{v.month:02d}-{v.day:02d}")
            check_far(strings, pd.Series(far, index=parsed.index), table, col, report, row_ids)
            parsed = parsed.where(~far)
    return parsed.astype("datetime64[ns]")


__all__ = ["READINGS", "STRPTIME", "check_far", "check_reading", "in_range", "number_times"]
