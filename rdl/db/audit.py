"""Leakage audit: columns that may show a seed the future.

Real exports carry "as of today" values on timeless tables — a user's reputation, view
and vote counts, ``last_login``, totals — so every seed, however early, sees the value
the export ended with. RelBench drops such columns by hand; `leakage_suspects` lists
them, one reason each, for ``rdl inspect`` and the train report. A listed column is
dropped with ``--exclude-column TABLE.COLUMN`` (``exclude_columns`` in the schema file).

Rules (each a suspect; ``strength`` says how strong the evidence is):

* **export-time count**: a numeric feature of a table with a time column whose value grows
  with the row's age at the export (Spearman rho between ``max time - row time`` and the
  value >= `RHO_AGE` together with a running-total name, or >= `RHO_AGE_ALONE` without
  one, at least `MIN_AGE_ROWS` rows): a count that kept growing after the row was written
  (a post's views, a user's reputation) — **strong**;
* **running count**: a numeric feature named like a running total (``*count``, ``total*``,
  ``reputation``, ``views``, ``votes`` ...) without that evidence (an invoice's total is
  known when the invoice is written) — **weak**; on a table without a time column, strong
  when its values also correlate with later activity (below);
* **latest date**: a date of a table without a time column named like a latest date
  (``last_*``, ``*updated*``) or on most rows in the last tenth of the database's time span;
* **future activity**: a numeric feature of a table without a time column whose values
  correlate (Spearman rho >= 0.5, at least 20 rows) with the number of rows referencing
  it dated after the midpoint of the database's time span — weak (strong with a
  running-total name);
* **later date**: a date feature later than its row's own time column on most rows (a
  seed at the row's time sees when it was shipped / closed);
* **parent dated after its children**: a time column later than every row that
  references it, on most rows (an update or export date, not a creation);
* **child before parent**: rows dated before the parent they reference
  (`rdl.db.timecols.child_before_parent`, also a warning of ``db.report``).

Strong suspects are left out of the features by `rdl.connect` (their values stay readable
by a task's SQL) with a note, unless ``keep_columns`` (``--keep-column TABLE.COLUMN``)
keeps them; weak ones are listed only. No fix proposed here ever makes later rows visible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rdl.db import hints
from rdl.db.errors import said
from rdl.db.names import starts_with_any, tokens

_RUNNING = (
    "count",
    "total",
    "reputation",
    "view",
    "vote",
    "upvote",
    "downvote",
    "balance",
    "follower",
    "like",
    "favorit",
    "cumulat",
    "lifetime",
    "running",
    "karma",
    "popular",
)
_LATEST = ("last", "latest", "updat", "modif", "recent", "current")
MIN_ROWS = 20
RHO = 0.5
#: export-time counts: rows needed, and the age correlation with / without a count name
MIN_AGE_ROWS = 30
RHO_AGE = 0.3
RHO_AGE_ALONE = 0.6


def spearman(a: pd.Series, b: pd.Series) -> float:
    """Spearman's rank correlation: Pearson's on average ranks (no scipy import)."""
    ra, rb = a.rank().to_numpy(), b.rank().to_numpy()
    return float(np.corrcoef(ra, rb)[0, 1])


def _suspect(table, column, kind, reason, strength: str = "weak") -> dict:
    return {
        "table": table,
        "column": column,
        "kind": kind,
        "reason": reason,
        "fix": said(hints.exclude_column(table, column)) if column else "",
        "strength": strength,
    }


def age_correlation(values: pd.Series, times: pd.Series, export) -> float | None:
    """Spearman rho between a row's age at the export (``export - time``) and ``values``
    over the rows that have both; ``None`` below `MIN_AGE_ROWS` rows or when either side
    is constant."""
    ok = values.notna() & times.notna()
    if int(ok.sum()) < MIN_AGE_ROWS:
        return None
    v, age = values[ok].astype(float), (export - times[ok]).dt.total_seconds()
    if v.nunique() < 2 or age.nunique() < 2:
        return None
    return spearman(v, age)


def _activity_after(db, name: str, mid: pd.Timestamp) -> tuple[pd.Series | None, str]:
    """Rows dated after ``mid`` referencing each row of ``name`` (by primary key)."""
    pk = db[name].pkey_col
    if pk is None:
        return None, ""
    counts, sources = None, []
    for child, t in db.items():
        if t.time_col is None:
            continue
        for col, parent in t.fkey_col_to_pkey_table.items():
            if parent != name:
                continue
            after = t.df.loc[t.df[t.time_col] > mid, col].value_counts()
            counts = after if counts is None else counts.add(after, fill_value=0)
            sources.append(f"{child}.{col}")
    if counts is None:
        return None, ""
    return db[name].df[pk].map(counts).fillna(0), ", ".join(sources)


def leakage_suspects(db) -> list[dict]:
    """The suspects of the module doc, one dict each: ``table``, ``column``, ``kind``,
    ``reason`` (one line), ``fix`` (the flag that drops the column)."""
    out = []
    lo, hi = db.min_timestamp, db.max_timestamp
    mid = lo + (hi - lo) / 2 if lo is not None else None
    for name, t in db.items():
        static = t.time_col is None
        numeric = any(st == "numerical" for st in t.stypes.values())
        activity, via = (
            _activity_after(db, name, mid)
            if (mid is not None and static and numeric)
            else (None, "")
        )
        tc = None if static else t.df[t.time_col]
        mid_day = mid.date() if mid is not None else None
        for col, st in t.stypes.items():
            words, s = tokens(col), t.df[col]
            if st == "numerical":
                named = starts_with_any(words, _RUNNING) or bool(set(words) & {"num", "sum", "nb"})
                rho_age = None if static else age_correlation(s, tc, hi)
                if rho_age is not None and rho_age >= (RHO_AGE if named else RHO_AGE_ALONE):
                    out.append(
                        _suspect(
                            name,
                            col,
                            "export-time count",
                            (
                                "grows with the row's age at the export (Spearman rho "
                                f"{rho_age:.2f} "
                                f"between {hi.date()} - {t.time_col} and the value"
                                + (", and named like a running total" if named else "")
                                + "): a value that kept changing after the row was written; "
                                "every seed sees it as of the export"
                            ),
                            "strong",
                        )
                    )
                    continue
                rho_act = None
                if activity is not None and static:
                    ok = s.notna()
                    if ok.sum() >= MIN_ROWS and s[ok].nunique() > 1 and activity[ok].nunique() > 1:
                        rho_act = spearman(s[ok], activity[ok])
                if named:
                    evidence = rho_act is not None and rho_act >= RHO
                    out.append(
                        _suspect(
                            name,
                            col,
                            "running count",
                            (
                                "a number named like a running total on a table without a "
                                "time column"
                                if static
                                else "a number named like a running total (but it does not "
                                "grow with the row's age: it may be known when the row is "
                                "written, as an invoice's total)"
                            )
                            + (
                                f", correlated with the rows referencing it after {mid_day} "
                                f"({via}; "
                                f"Spearman rho {rho_act:.2f})"
                                if evidence
                                else ""
                            )
                            + (": every seed sees the value as of the export" if static else ""),
                            "strong" if evidence else "weak",
                        )
                    )
                    continue
                if rho_act is not None and rho_act >= RHO:
                    out.append(
                        _suspect(
                            name,
                            col,
                            "future activity",
                            (
                                f"correlates with the rows referencing it after {mid_day} "
                                f"({via}; Spearman rho {rho_act:.2f}): it may count activity a "
                                "seed must not see"
                            ),
                        )
                    )
            elif (
                st == "timestamp" and pd.api.types.is_datetime64_any_dtype(s) and col != t.time_col
            ):
                v = s.dropna()
                if static:
                    late = (
                        float((v >= hi - (hi - lo) / 10).mean())
                        if len(v) and lo is not None
                        else 0.0
                    )
                    if starts_with_any(words, _LATEST) or late > 0.5:
                        out.append(
                            _suspect(
                                name,
                                col,
                                "latest date",
                                (
                                    "a date on a table without a time column"
                                    + (
                                        ", in the last tenth of the database's time span "
                                        f"on {late:.0%} of rows"
                                        if late > 0.5
                                        else ", named like a latest date"
                                    )
                                    + ": every seed sees the date as of the export"
                                ),
                            )
                        )
                else:
                    assert tc is not None  # not static: the table has a time column
                    both = tc.notna() & s.notna()
                    share = float((s[both] > tc[both]).mean()) if both.any() else 0.0
                    if share > 0.5:
                        out.append(
                            _suspect(
                                name,
                                col,
                                "later date",
                                (
                                    f"later than the row's time column {t.time_col!r} "
                                    f"on {share:.0%} of rows: a seed at the row's time sees "
                                    "this later date"
                                ),
                            )
                        )
    out.extend(_parents_after_children(db))
    return out


def _parents_after_children(db) -> list[dict]:
    out = []
    for name, p in db.items():
        if p.time_col is None or p.pkey_col is None or len(p.df) == 0:
            continue
        latest_child = None
        for child, t in db.items():
            if t.time_col is None or child == name:
                continue
            for col, parent in t.fkey_col_to_pkey_table.items():
                if parent == name:
                    m = t.df.groupby(col)[t.time_col].max()
                    latest_child = (
                        m
                        if latest_child is None
                        else pd.concat([latest_child, m]).groupby(level=0).max()
                    )
        if latest_child is None:
            continue
        ptime = p.df.set_index(p.pkey_col)[p.time_col]
        common = ptime.index.intersection(latest_child.index)
        if len(common) < 3:
            continue
        share = float(np.mean(ptime.loc[common].to_numpy() > latest_child.loc[common].to_numpy()))
        if share > 0.5:
            out.append(
                {
                    "table": name,
                    "column": p.time_col,
                    "kind": "parent after children",
                    "reason": (
                        f"later than every row referencing it on {share:.0%} of "
                        f"referenced rows: an update or export date, not when the "
                        f"row came to be"
                    ),
                    "fix": said(f"{hints.time_col(name)} or {hints.no_time_col(name)}"),
                }
            )
    return out


def strong_suspects(suspects: list[dict], keep: list[str]) -> list[dict]:
    """The strong column suspects not in ``keep`` (``"table.column"`` names)."""
    kept = set(keep)
    return [
        x
        for x in suspects
        if x.get("strength") == "strong"
        and x.get("column")
        and f"{x['table']}.{x['column']}" not in kept
    ]


__all__ = ["age_correlation", "leakage_suspects", "strong_suspects"]
