"""Numbers as timestamps: epoch seconds / milliseconds / microseconds / nanoseconds,
``YYYYMMDD``, and the readings that must be asked for (integer years, ``YYYYMM``,
``YYMMDD``); see `rdl.db.timeparse` for when each applies."""

from __future__ import annotations

import numpy as np
import pandas as pd

NUMBER_READINGS = (
    "year-end",
    "year-start",
    "month-end",
    "month-start",
    "yyyymmdd",
    "yymmdd",
    "epoch-s",
    "epoch-ms",
    "epoch-us",
    "epoch-ns",
)
EPOCH_BANDS = {
    "epoch-s": (1e8, 1e10),
    "epoch-ms": (1e11, 1e13),
    "epoch-us": (1e14, 1e16),
    "epoch-ns": (1e17, 1e19),
}
_EPOCH_UNIT = {"epoch-s": "s", "epoch-ms": "ms", "epoch-us": "us", "epoch-ns": "ns"}


def _valid_ymd(y, m, d) -> np.ndarray:
    ok = (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31)
    if not ok.any():
        return ok
    s = pd.to_datetime(
        pd.DataFrame(
            {"year": np.where(ok, y, 2000), "month": np.where(ok, m, 1), "day": np.where(ok, d, 1)}
        ),
        errors="coerce",
    )
    return ok & s.notna().to_numpy()


def number_readings(values: pd.Series) -> tuple[str | None, list[str]]:
    """The readings numbers can have, from their magnitudes.

    Args:
        values: non-null numbers.

    Returns:
        ``(automatic, explicit)``: the reading rdl applies without being told (an epoch
        unit whose band holds every value, or ``yyyymmdd`` when every value is a valid
        8-digit date) or ``None``; and the readings that fit but must be asked for
        (``year-end``, ``month-end``, ``yymmdd``).
    """
    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype="float64")
    if len(v) == 0 or not np.isfinite(v).all():
        return None, []
    for name, (lo, hi) in EPOCH_BANDS.items():
        if ((v >= lo) & (v < hi)).all():
            return name, []
    if not (v == np.round(v)).all():
        return None, []
    i = v.astype(np.int64)
    if ((i >= 18000101) & (i <= 22001231)).all() and _valid_ymd(
        i // 10000, i // 100 % 100, i % 100
    ).all():
        return "yyyymmdd", []
    explicit = []
    if ((i >= 1000) & (i <= 2999)).all():
        explicit.append("year-end")
    if ((i >= 100000) & (i <= 999999)).all():
        if (((i // 100) >= 1800) & ((i // 100) <= 2200) & (i % 100 >= 1) & (i % 100 <= 12)).all():
            explicit.append("month-end")
        if _valid_ymd(_century(i // 10000), i // 100 % 100, i % 100).all():
            explicit.append("yymmdd")
    return None, explicit


def _century(yy):
    return np.where(yy >= 69, 1900 + yy, 2000 + yy)


def apply_number_reading(values: pd.Series, reading: str) -> tuple[pd.Series, np.ndarray]:
    """Numbers -> timestamps under ``reading`` (one of `NUMBER_READINGS`).

    Returns:
        ``(datetime64 series, bad)``: ``bad`` marks non-null values the reading does not
        fit (not integers, invalid month/day, out of the band).
    """
    num = pd.to_numeric(values, errors="coerce").astype("float64")
    nonnull = values.notna().to_numpy()
    bad = nonnull & num.isna().to_numpy()
    f = num.to_numpy()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    ok = nonnull & ~bad
    if reading in _EPOCH_UNIT:
        _lo, hi = EPOCH_BANDS[reading]
        inband = ok & (np.abs(np.nan_to_num(f)) < hi * 10)  # wide: only guards overflow
        bad |= ok & ~inband
        unit = _EPOCH_UNIT[reading]
        out[inband] = pd.to_datetime(f[inband], unit=unit, errors="coerce")
        bad |= inband & out.isna().to_numpy()
        return out, bad
    whole = ok & (np.nan_to_num(f) == np.round(np.nan_to_num(f)))
    bad |= ok & ~whole
    i = np.where(whole, np.nan_to_num(f), 0).astype(np.int64)
    if reading in ("year-end", "year-start"):
        y, m, d = i, np.ones_like(i), np.ones_like(i)
        good = whole & (i >= 1678) & (i <= 2261)
    elif reading in ("month-end", "month-start"):
        y, m, d = i // 100, i % 100, np.ones_like(i)
        good = whole & (y >= 1678) & (y <= 2261) & (m >= 1) & (m <= 12)
    elif reading == "yyyymmdd":
        y, m, d = i // 10000, i // 100 % 100, i % 100
        good = whole & (y >= 1678) & (y <= 2261) & _valid_ymd(y, m, d)
    else:  # yymmdd
        y, m, d = _century(i // 10000), i // 100 % 100, i % 100
        good = whole & (i >= 0) & (i <= 999999) & _valid_ymd(y, m, d)
    bad |= whole & ~good
    start = pd.to_datetime(
        pd.DataFrame(
            {
                "year": np.where(good, y, 2000),
                "month": np.where(good, m, 1),
                "day": np.where(good, d, 1),
            }
        )
    )
    if reading == "year-end":
        start = start + pd.DateOffset(years=1) - pd.Timedelta(seconds=1)
    elif reading == "month-end":
        start = start + pd.DateOffset(months=1) - pd.Timedelta(seconds=1)
    out[good] = start[good].to_numpy()
    return out, bad


__all__ = ["EPOCH_BANDS", "NUMBER_READINGS", "apply_number_reading", "number_readings"]
