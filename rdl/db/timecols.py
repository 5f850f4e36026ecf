"""Choosing each table's time column, and checking the choice against the foreign keys.

A time column says when a row came to be: a seed at time ``t`` sees the row only if its
time is ``<= t``. Choosing the wrong one leaks (an audit column dates every row at the
export, so no row is ever visible; a table left timeless shows every future row) — so the
choice is by rule, and every choice and rejection is stated in the report:

1. candidates: datetime columns named like a time (``date``, ``time``, ``created``,
   ``_at`` ...), but not a birth or death date (an attribute, not the row's creation);
2. rejected: a column with no value, one distinct value, or that holds the database's
   latest date on most rows (an audit / "updated" column written at the export);
3. ranked by name: creation/event words (``created``, ``ordered``, ``posted``, ``issued``,
   ``rental_date`` ...) before plain ``date``/``time`` names, before end words
   (``shipped``, ``closed``, ``return``, ``due``), before update words (``updated``,
   ``modified``, ``last_*``);
4. ties: the column dated earliest on most rows (an event's first moment).

`child_before_parent` then warns where rows are dated before the parent row they
reference (a release date later than the sales of the thing released).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from rdl.db import hints
from rdl.db.names import starts_with_any, tokens

#: names that make a text column a timestamp candidate
TIME_NAME = re.compile(r"(date|time|timestamp|created|updated|modified|_at$|^ts$)", re.I)
#: names that make a number column an epoch / date candidate (stricter: "lap_time" is not)
NUMBER_TIME_NAME = re.compile(
    r"(date|timestamp|created|updated|modified|_at$|^ts$|_ts$|"
    r"epoch|^time$|_time$)",
    re.I,
)
#: an attribute of the row's subject, not when the row came to be: never a time column
NOT_AN_EVENT = ("birth", "born", "dob", "death", "died")
NOT_A_TIME = re.compile(
    r"(duration|spent|elapsed|lap|runtime|delay|milli|second|minute|"
    r"hour|zone|tz$)",
    re.I,
)
_UPDATE = (
    "updat",
    "modif",
    "chang",
    "last",
    "sync",
    "etl",
    "load",
    "refresh",
    "edit",
    "touch",
    "asof",
    "snapshot",
    "export",
)
_END = (
    "ship",
    "deliver",
    "clos",
    "end",
    "finish",
    "complet",
    "resolv",
    "due",
    "expir",
    "return",
    "cancel",
    "termin",
    "until",
    "stop",
    "leav",
    "exit",
)
_CREATE = (
    "creat",
    "insert",
    "regist",
    "signup",
    "sign",
    "join",
    "open",
    "start",
    "begin",
    "order",
    "placed",
    "post",
    "publish",
    "submit",
    "issu",
    "event",
    "occur",
    "book",
    "rent",
    "purchas",
    "sale",
    "sold",
    "trans",
    "paid",
    "pay",
    "visit",
    "login",
    "rat",
    "review",
    "releas",
    "play",
    "depart",
    "arriv",
)
TIERS = (
    "a creation/event name",
    "a date/time name",
    "an end name (shipped, closed, due ...)",
    "an update name (updated, modified, last_*)",
)


def name_tier(col: str) -> int:
    """0 creation/event, 1 plain date/time, 2 end, 3 update (see the module doc)."""
    words = tokens(col)
    if starts_with_any(words, _UPDATE):
        return 3
    if starts_with_any(words, _END):
        return 2
    if starts_with_any(words, _CREATE):
        return 0
    return 1


def database_span(frames: dict[str, pd.DataFrame], candidates: dict[str, list[str]]):
    """``(earliest, latest)`` over every candidate column of every table (``None``s: none)."""
    lows = [frames[t][c].min() for t, cols in candidates.items() for c in cols]
    tops = [frames[t][c].max() for t, cols in candidates.items() for c in cols]
    lows, tops = [v for v in lows if not pd.isna(v)], [v for v in tops if not pd.isna(v)]
    return (min(lows), max(tops)) if tops else (None, None)


def audit_reason(s: pd.Series, span) -> str | None:
    """Why ``s`` cannot be a time column (``None``: it can); ``span`` is `database_span`.
    "The latest date" allows 1 % of the database's span, at most a day."""
    earliest, latest = span
    v = s.dropna()
    if len(s) == 0:
        return None  # no rows: nothing to judge by
    if len(v) == 0:
        return "no values"
    if len(s) >= 2 and v.nunique() == 1:
        return f"one value on every row ({pd.Timestamp(v.iloc[0])}): an audit column"
    if latest is not None and len(v) >= 3:
        tolerance = min(pd.Timedelta(days=1), (pd.Timestamp(latest) - earliest) / 100)
        share = float((v >= pd.Timestamp(latest) - tolerance).mean())
        if share > 0.5:
            return (
                f"the database's latest date ({pd.Timestamp(latest).date()}) on "
                f"{share:.0%} of rows: an audit / 'updated' column written at the export"
            )
    return None


def empty_time_text(table: str, cols: list[str]) -> str:
    """The warning for a table whose time-like columns hold no value."""
    return (
        f"{', '.join(map(repr, cols))} named like a time but every value is NULL, so "
        f"table {table!r} has no time column: it is static, and every row of it, also "
        f"rows written after a seed's time, is visible to every seed (a leak if they "
        f"are events). Fill the column in the source, pass {hints.time_col(table)} for "
        f"another column, or {hints.no_time_col(table)} to confirm the table is static"
    )


def choose_time_col(
    table: str, df: pd.DataFrame, candidates: list[str], span, report
) -> str | None:
    """The time column of ``table`` by the rules of the module doc; notes say why.

    Args:
        table: its name; df: its rows (candidates already parsed to ``datetime64``).
        candidates: datetime columns named like a time.
        span: `database_span` of the whole database.
        report: receives one note with the choice, the rejected columns and the override.
    """
    cands = [
        c
        for c in candidates
        if pd.api.types.is_datetime64_any_dtype(df[c])
        and not starts_with_any(tokens(c), NOT_AN_EVENT)
    ]
    if not cands:
        return None
    rejected = {c: r for c in cands if (r := audit_reason(df[c], span)) is not None}
    ok = [c for c in cands if c not in rejected]
    why_not = "; ".join(f"{c!r} not used: {r}" for c, r in rejected.items())
    if not ok:
        empty = [c for c, r in rejected.items() if r == "no values"]
        if empty:
            report.add("warning", table, empty[0], empty_time_text(table, empty))
        else:
            report.add(
                "note",
                table,
                None,
                f"no time column: {why_not}. The table is static (rows always "
                f"visible); if it is not, pass {hints.time_col(table)}",
            )
        return None
    best_tier = min(name_tier(c) for c in ok)
    tier = [c for c in ok if name_tier(c) == best_tier]
    pick = tier[0]
    reason = TIERS[best_tier]
    if len(tier) > 1:
        med = {c: df[c].dropna().median() for c in tier}
        pick = min(tier, key=lambda c: (med[c], tier.index(c)))
        reason += f", the earliest of {tier} on the median row (an event's first moment)"
    others = [c for c in ok if c != pick]
    text = f"chosen as time column ({reason})"
    if others:
        later = []
        for c in others:
            both = df[pick].notna() & df[c].notna()
            share = float((df.loc[both, c] >= df.loc[both, pick]).mean()) if both.any() else 0.0
            later.append(
                f"{c!r} ({TIERS[name_tier(c)].split(' (')[0]}; not earlier on {share:.0%} of rows)"
            )
        text += "; also time-like: " + ", ".join(later)
    if why_not:
        text += "; " + why_not
    if others or rejected:
        text += f". Another choice: {hints.time_col(table)}"
    report.add("note", table, pick, text)
    return pick


def child_before_parent(db, report, max_examples: int = 3) -> list[dict]:
    """Warn where child rows are dated before the parent row they reference.

    For every foreign key ``child.col -> parent`` where both tables have a time column:
    the rows with ``child time < parent time`` (both known). Such a child is visible to a
    seed at which its parent is not yet, and a parent dated after its children is often
    not its creation (a release or update date).

    Returns:
        one dict per foreign key with such rows: ``child``, ``column``, ``parent``,
        ``rows``, ``of`` (rows with both times), ``examples``.
    """
    found = []
    for child, t in db.items():
        if t.time_col is None:
            continue
        for col, parent in t.fkey_col_to_pkey_table.items():
            p = db[parent]
            if p.time_col is None or p.pkey_col is None:
                continue
            ptime = pd.Series(p.df[p.time_col].to_numpy(), index=p.df[p.pkey_col].to_numpy())
            ptime = ptime[~ptime.index.duplicated()]
            pt = t.df[col].map(ptime)
            ct = t.df[t.time_col]
            both = ct.notna() & pt.notna()
            early = both & (ct < pt)
            n = int(early.sum())
            if not n:
                continue
            idx = np.flatnonzero(early.to_numpy())[:max_examples]
            ex = [
                f"{t.pkey_col or 'row'} {t.df[t.pkey_col].iloc[i] if t.pkey_col else i} "
                f"dated {ct.iloc[i]} -> {parent} {t.df[col].iloc[i]} dated {pt.iloc[i]}"
                for i in idx
            ]
            of = int(both.sum())
            c_day, p_day = ct[early].dt.normalize(), pt[early].dt.normalize()
            same_day = int(((c_day == p_day) & (ct[early] == c_day)).sum())
            harmless = (
                (
                    f"; {same_day} of them on the parent's own day with no time of day "
                    "(a date of day precision: harmless)"
                )
                if same_day
                else ""
            )
            fix = (
                f"if {parent}.{p.time_col} is not when a {parent} row came to be (a release "
                f"or update date), point its time column at its creation: "
                f"{hints.time_col(parent)}; if the early rows are errors, fix or drop them "
                "in the source"
            )
            report.add(
                "warning",
                child,
                col,
                (
                    f"{n} of {of} rows ({n / max(of, 1):.0%}) are dated before the {parent} row "
                    f"they reference (e.g. {'; '.join(ex)}){harmless}: at such seed times the "
                    f"{child} row is visible and its {parent} row is not. Harmless when the "
                    f"{child} row really comes first (a question before the answer it accepts) or "
                    f"the dates are of day precision; otherwise {fix}. (Dropping "
                    f"{parent}'s time column would make every {parent} row, also later ones, "
                    "visible to every seed: not a fix.)"
                ),
                n,
                ex,
            )
            found.append(
                {
                    "child": child,
                    "column": col,
                    "parent": parent,
                    "rows": n,
                    "of": of,
                    "examples": ex,
                    "same_day": same_day,
                    "harmless": harmless,
                    "fix": fix,
                }
            )
    return found


__all__ = [
    "NOT_A_TIME",
    "NUMBER_TIME_NAME",
    "TIERS",
    "TIME_NAME",
    "audit_reason",
    "child_before_parent",
    "choose_time_col",
    "database_span",
    "empty_time_text",
    "name_tier",
]
