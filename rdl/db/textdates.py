"""Text dates whose rows mix formats (a messy export): one reading decided from the whole
column, or a refusal that says why.

Each distinct value is put in one *family* by its shape (`FAMILIES`): ISO 8601
(``2021-05-31``, with or without a time and offset), year-first with slashes or dots
(``2021/05/31``), day/month numbers (``31/05/2021`` or ``05/31/2021``), compact
``YYYYMMDD`` (``20210531``) and dates with a month name (``05 May 2021``, ``May 5,
2021``). A column is read when every value falls in a family and, if day/month numbers
occur, the column decides their order: some first field > 12 proves day-first, some second
field > 12 month-first (both: the column contradicts itself; neither: nothing decides,
unless the caller says ``dayfirst`` / ``monthfirst``). Each family is then parsed with its
own format, so a compact date is never read as nanoseconds and a day-first date never as
month-first. Anything else is refused with the families found and examples
(`MixedDates.problem`).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rdl.db import hints
from rdl.db.errors import DataError

# a UTC offset after a clock time: "10:00Z", "10:00:00+02", "10:00:00.5 -05:30"
TZ_SUFFIX = r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$"
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
#: family name -> (shape of a value, what it is, for messages)
FAMILIES: dict[str, tuple[re.Pattern, str]] = {
    "iso": (re.compile(rf"^\s*\d{{4}}-\d{{1,2}}-\d{{1,2}}{_TIME}\s*$"), "ISO 8601 (2021-05-31)"),
    "year-first": (
        re.compile(rf"^\s*\d{{4}}([/.])\d{{1,2}}\1\d{{1,2}}{_TIME}\s*$"),
        "year first with / or . (2021/05/31)",
    ),
    "day/month": (
        re.compile(rf"^\s*(\d{{1,2}})([/.\-])(\d{{1,2}})\2(\d{{2}}|\d{{4}}){_TIME}\s*$"),
        "day and month as numbers (31/05/2021 or 05/31/2021)",
    ),
    "yyyymmdd": (
        re.compile(r"^\s*(1[6-9]|2[0-2])\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\s*$"),
        "compact YYYYMMDD (20210531)",
    ),
    "month name": (
        re.compile(rf"^(?=.*\b{_MONTHS}(?:\b|\d))(?=.*\d{{4}}).*$", re.I),
        "a month name (05 May 2021)",
    ),
}


@dataclass
class MixedDates:
    """What `read_mixed` found in a column's distinct text values.

    Attributes:
        counts: family name -> number of distinct values in it (see `FAMILIES`).
        examples: family name -> one value of it; ``"other"`` -> values of no family.
        order: ``"dayfirst"`` / ``"monthfirst"`` for the day/month family, else ``None``.
        why: the evidence for ``order``.
        problem: why the column cannot be read (``None`` when it can).
        parsed: distinct value -> UTC-aware timestamp (when ``problem`` is ``None``).
    """

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)
    order: str | None = None
    why: str = ""
    problem: str | None = None
    parsed: dict = field(default_factory=dict)

    @property
    def mixed(self) -> bool:
        """More than one family, or a family the plain ISO / day-month readers misread."""
        return len(self.counts) > 1 or bool(
            set(self.counts) & {"yyyymmdd", "month name", "year-first"}
        )

    def found(self) -> str:
        """``"ISO 8601 (2021-05-31): 40 values, e.g. '2021-03-04'; ..."``."""
        parts = [
            f"{FAMILIES[k][1] if k in FAMILIES else 'no date format'}: {n} distinct "
            f"values, e.g. {self.examples[k]!r}"
            for k, n in self.counts.items()
        ]
        return "; ".join(parts)


def classify(values: pd.Series) -> tuple[dict[str, list[str]], list[str]]:
    """Distinct text values -> ``({family: values}, values of no family)``."""
    groups: dict[str, list[str]] = {}
    other: list[str] = []
    for v in values:
        s = str(v)
        for name, (shape, _) in FAMILIES.items():
            if shape.match(s):
                groups.setdefault(name, []).append(s)
                break
        else:
            other.append(s)
    return groups, other


def _day_month_order(values: list[str], reading: str | None) -> tuple[str | None, str, str | None]:
    """``(order, evidence, problem)`` for the day/month family."""
    m = pd.Series(values).str.extract(FAMILIES["day/month"][0])
    first, second = m[0].astype(int), m[2].astype(int)
    f, s = first > 12, second > 12
    if f.any() and s.any():
        return (
            None,
            "",
            (
                f"its day/month values disagree: {int(f.sum())} have a first field "
                f"> 12 (e.g. {values[int(f.idxmax())]!r}, day first) and "
                f"{int(s.sum())} a second field > 12 (e.g. "
                f"{values[int(s.idxmax())]!r}, month first)"
            ),
        )
    if reading in ("dayfirst", "monthfirst"):
        wrong = s if reading == "dayfirst" else f
        if wrong.any():
            return (
                None,
                "",
                (
                    f"the reading {reading!r} does not fit {int(wrong.sum())} "
                    f"values (e.g. {values[int(wrong.idxmax())]!r})"
                ),
            )
        return reading, "as given", None
    if f.any():
        return (
            "dayfirst",
            (
                f"{int(f.sum())} of {len(values)} day/month values have a first "
                f"field > 12 (e.g. {values[int(f.idxmax())]!r})"
            ),
            None,
        )
    if s.any():
        return (
            "monthfirst",
            (
                f"{int(s.sum())} of {len(values)} day/month values have a "
                f"second field > 12 (e.g. {values[int(s.idxmax())]!r})"
            ),
            None,
        )
    return (
        None,
        "",
        (f"no day/month value decides their order (every field is <= 12, e.g. {values[0]!r})"),
    )


def _parse(values: list[str], family: str, order: str | None) -> pd.Series:
    s = pd.Series(values, dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if family == "iso":
            return pd.to_datetime(s, format="ISO8601", utc=True, errors="coerce")
        if family == "year-first":
            return pd.to_datetime(
                s.str.replace(r"^(\s*\d{4})[/.](\d{1,2})[/.]", r"\1-\2-", regex=True),
                format="ISO8601",
                utc=True,
                errors="coerce",
            )
        if family == "yyyymmdd":
            return pd.to_datetime(s.str.strip(), format="%Y%m%d", utc=True, errors="coerce")
        return pd.to_datetime(
            s, format="mixed", dayfirst=order == "dayfirst", utc=True, errors="coerce"
        )


def read_mixed(values: pd.Series, reading: str | None = None) -> MixedDates:
    """Read distinct text values by their families (see the module doc).

    Args:
        values: the column's distinct non-null values as text.
        reading: ``"dayfirst"`` / ``"monthfirst"`` to settle the day/month order, or
            ``None`` to decide it from the values.

    Returns:
        a `MixedDates`: ``problem`` says why it cannot be read, else ``parsed`` maps every
        value to its timestamp.
    """
    groups, other = classify(values)
    out = MixedDates(
        counts={k: len(v) for k, v in groups.items()}, examples={k: v[0] for k, v in groups.items()}
    )
    if other:
        out.counts["other"], out.examples["other"] = len(other), other[0]
        out.problem = (
            f"{len(other)} distinct values fit no date format rdl knows (e.g. {other[:3]})"
        )
        return out
    if "day/month" in groups:
        out.order, out.why, out.problem = _day_month_order(groups["day/month"], reading)
        if out.problem:
            return out
    for family, vals in groups.items():
        parsed = _parse(vals, family, out.order)
        bad = parsed.isna().to_numpy()
        if bad.any():
            ex = [v for v, b in zip(vals, bad) if b][:3]
            out.problem = f"{int(bad.sum())} {family} values are not valid dates (e.g. {ex})"
            return out
        out.parsed.update(zip(vals, parsed))
    return out


# ---- messages shared with rdl.db.timeparse ---------------------------------------------
def rows_text(mask, row_ids: pd.Series | None, n: int = 5) -> str:
    """'rows with <pkey> [..]' or 'row positions [..]' for the first ``n`` rows of ``mask``."""
    pos = np.flatnonzero(np.asarray(mask))[:n]
    if row_ids is not None:
        return f"rows with {row_ids.name} {[plain_scalar(v) for v in row_ids.iloc[pos]]}"
    return f"row positions {list(map(int, pos))}"


def plain_scalar(v):
    """A numpy scalar as a Python one; integral floats (int keys read with nulls) as int."""
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def mixed_tz_message(table, col, values, aware, nonnull, row_ids) -> str:
    naive = nonnull & ~aware
    return (
        f"table {table!r}, column {col!r}: mixes {int(naive.sum())} timestamps without a "
        f"time zone (e.g. {str(values[naive].iloc[0])!r}; {rows_text(naive, row_ids)}) and "
        f"{int(aware.sum())} with one (e.g. {str(values[aware].iloc[0])!r}; "
        f"{rows_text(aware, row_ids)}), so their order is ambiguous. Store all of them in "
        f"UTC (or all with an offset) in the source, or leave the column out with "
        f"{hints.stype(table, col)}."
    )


def static_table(table: str, col: str) -> str:
    """What an unread time column means for leakage (for messages)."""
    return (
        f"so table {table!r} gets no time column from {col!r}: unless another column "
        "dates its rows, the table is static and every row of it, also those written "
        "after a seed's time, is visible to every seed (a leak)"
    )


def mixed_text_times(values, strings, uniq, table, col, report, reading, row_ids, strict):
    """A text column whose rows mix date formats (`rdl.db.textdates`): ``(timestamps,
    reading)`` read family by family with one day/month order for the whole column,
    ``(None, None)`` refused with a warning (``strict``: a `DataError`), or ``None`` when
    the column is not a mix (the single-format readers below handle it)."""
    found = read_mixed(uniq, reading)
    families = [k for k in found.counts if k != "other"]
    dated = sum(found.counts[k] for k in families)
    if "other" not in found.counts and len(families) <= 1 and set(families) <= {"iso", "day/month"}:
        return None  # one plain format: the single-format readers handle it
    if "other" in found.counts and (
        not families or (len(families) == 1 and (strict or dated < 0.5 * len(uniq)))
    ):
        return None  # not dates, or one format with bad values (named by the caller)
    if found.problem is None:
        offset = uniq.str.extract(TZ_SUFFIX)[0]
        if offset.notna().any() and not offset.notna().all():
            has_tz = strings.map(dict(zip(uniq, offset.notna()))).fillna(False).astype(bool)
            raise DataError(mixed_tz_message(table, col, values, has_tz, values.notna(), row_ids))
        if len(found.counts) > 1:
            order = f"; day/month values read {found.order} ({found.why})" if found.order else ""
            report.add(
                "note",
                table,
                col,
                f"text dates in {len(found.counts)} formats, each read by its own "
                f"({found.found()}){order}",
            )
        parsed = pd.to_datetime(strings.map(found.parsed), utc=True)
        return parsed, found.order
    if "order" in found.problem or "day/month" in found.problem:
        fix = (
            hints.time_format(table, col, "dayfirst")
            + " or "
            + hints.time_format(table, col, "monthfirst")
        )
    else:
        fix = (
            "one format in the source (e.g. a view that casts the column to DATE), or "
            + hints.time_format(table, col, "%d/%m/%Y")
            + " if all rows share one format"
        )
    what = (
        f"table {table!r}, column {col!r} holds text dates in several formats "
        f"({found.found()}) and {found.problem}"
    )
    if strict:
        raise DataError(f"{what}; rdl does not guess a reading row by row. Fix it with {fix}.")
    report.add(
        "warning",
        table,
        col,
        f"{what}; not read as timestamps, {static_table(table, col)}. To read it, pass {fix}",
    )
    return None, None


__all__ = [
    "FAMILIES",
    "TZ_SUFFIX",
    "MixedDates",
    "classify",
    "plain_scalar",
    "read_mixed",
    "rows_text",
    "static_table",
]
