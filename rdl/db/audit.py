"""Leakage audit: columns that may show a seed the future.

Real exports carry "as of today" values on timeless tables — a user's reputation, view
and vote counts, ``last_login``, totals — so every seed, however early, sees the value
the export ended with. RelBench drops such columns by hand; `leakage_suspects` lists
them, one reason each, for ``rdl inspect`` and the train report. A listed column is
dropped with ``--exclude-column TABLE.COLUMN`` (``exclude_columns`` in the schema file).

Rules (each a suspect, not a verdict):

* **running count**: a numeric feature named like a running total (``*count``, ``total*``, ``reputation``, ``views``, ``votes`` ...);
* **latest date**: a date of a table without a time column named like a latest date
  (``last_*``, ``*updated*``) or on most rows in the last tenth of the database's time span;
* **future activity**: a numeric feature of a table without a time column whose values
  correlate (Spearman rho >= 0.5, at least 20 rows) with the number of rows referencing
  it dated after the midpoint of the database's time span;
* **later date**: a date feature later than its row's own time column on most rows (a
  seed at the row's time sees when it was shipped / closed);
* **parent dated after its children**: a time column later than every row that
  references it, on most rows (an update or export date, not a creation);
* **child before parent**: rows dated before the parent they reference
  (`rdl.db.timecols.child_before_parent`, also a warning of ``db.report``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rdl.db import hints
from rdl.db.errors import said
from rdl.db.names import starts_with_any, tokens

_RUNNING = ("count", "total", "reputation", "view", "vote", "upvote", "downvote", "balance",
            "follower", "like", "favorit", "cumulat", "lifetime", "running", "karma",
            "popular")
_LATEST = ("last", "latest", "updat", "modif", "recent", "current")
MIN_ROWS = 20
RHO = 0.5


def spearman(a: pd.Series, b: pd.Series) -> float:
    """Spearman's rank correlation: Pearson's on average ranks (no scipy import)."""
    ra, rb = a.rank().to_numpy(), b.rank().to_numpy()
    return float(np.corrcoef(ra, rb)[0, 1])


def _suspect(table, column, kind, reason) -> dict:
    return {"table": table, "column": column, "kind": kind, "reason": reason,
            "fix": said(hints.exclude_column(table, column)) if column else ""}


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
        activity, via = _activity_after(db, name, mid) if (mid is not None and static
                                                          and numeric) else (None, "")
        tc = None if static else t.df[t.time_col]
        for col, st in t.stypes.items():
            words, s = tokens(col), t.df[col]
            if st == "numerical":
                if starts_with_any(words, _RUNNING) or set(words) & {"num", "sum", "nb"}:
                    out.append(_suspect(name, col, "running count", (
                        "a number named like a running total on a table without a time column"
                        if static else "a number named like a running total: a row dated at "
                        f"{t.time_col} cannot know it yet") + ": every seed sees the value as of "
                        "the export"))
                    continue
                if activity is not None and static:
                    ok = s.notna()
                    if ok.sum() >= MIN_ROWS and s[ok].nunique() > 1 and activity[ok].nunique() > 1:
                        rho = spearman(s[ok], activity[ok])
                        if rho >= RHO:
                            out.append(_suspect(name, col, "future activity", (
                                f"correlates with the rows referencing it after {mid.date()} "
                                f"({via}; Spearman rho {rho:.2f}): it may count activity a "
                                "seed must not see")))
            elif st == "timestamp" and pd.api.types.is_datetime64_any_dtype(s) and col != t.time_col:
                v = s.dropna()
                if static:
                    late = float((v >= hi - (hi - lo) / 10).mean()) if len(v) and lo is not None else 0.0
                    if starts_with_any(words, _LATEST) or late > 0.5:
                        out.append(_suspect(name, col, "latest date", (
                            "a date on a table without a time column"
                            + (f", in the last tenth of the database's time span on {late:.0%} "
                               "of rows" if late > 0.5 else ", named like a latest date")
                            + ": every seed sees the date as of the export")))
                else:
                    both = tc.notna() & s.notna()
                    share = float((s[both] > tc[both]).mean()) if both.any() else 0.0
                    if share > 0.5:
                        out.append(_suspect(name, col, "later date", (
                            f"later than the row's time column {t.time_col!r} on {share:.0%} of "
                            "rows: a seed at the row's time sees this later date")))
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
                    latest_child = m if latest_child is None else \
                        pd.concat([latest_child, m]).groupby(level=0).max()
        if latest_child is None:
            continue
        ptime = p.df.set_index(p.pkey_col)[p.time_col]
        common = ptime.index.intersection(latest_child.index)
        if len(common) < 3:
            continue
        share = float(np.mean(ptime.loc[common].to_numpy() > latest_child.loc[common].to_numpy()))
        if share > 0.5:
            out.append({"table": name, "column": p.time_col, "kind": "parent after children",
                        "reason": (f"later than every row referencing it on {share:.0%} of "
                                   f"referenced rows: an update or export date, not when the "
                                   f"row came to be"),
                        "fix": said(f"{hints.time_col(name)} or {hints.no_time_col(name)}")})
    return out


__all__ = ["leakage_suspects"]
