"""A JSON-ready summary of a `Database`: what ``rdl inspect`` prints."""

from __future__ import annotations

from rdl.db.database import Database


def describe(db: Database) -> dict:
    """The inspect summary of ``db``.

    Returns:
        ``{"tables": {NAME: {"num_rows", "pkey", "fkeys": {COL: TABLE}, "time_col",
        "time_range": [min, max] (ISO 8601) or None, "stypes": {COL: STYPE},
        "declared_fkeys": [COL...], "inferred_fkeys": [COL...]}},
        "inferred_fkeys": [evidence dicts], "rejected_fkeys": [near misses, with
        ``reason``], "leakage_suspects": [`rdl.db.audit` dicts], "problems": [problem
        dicts]}``.
    """
    inferred = list(getattr(db, "inferred_fkeys", []) or [])
    tables = {}
    for name, t in db.items():
        inferred_cols = [e["column"] for e in inferred if e["table"] == name and e.get("applied")]
        inferred_cols += [
            c
            for c in t.fkey_col_to_pkey_table
            if any(
                c == f"_rdl_fkey_{e['column']}"
                for e in inferred
                if e["table"] == name and e.get("applied")
            )
        ]
        lo, hi = t.min_timestamp, t.max_timestamp
        tables[name] = {
            "num_rows": len(t),
            "pkey": t.pkey_col,
            "fkeys": dict(t.fkey_col_to_pkey_table),
            "declared_fkeys": [c for c in t.fkey_col_to_pkey_table if c not in inferred_cols],
            "inferred_fkeys": inferred_cols,
            "time_col": t.time_col,
            "time_range": [lo.isoformat(), hi.isoformat()]
            if lo is not None and hi is not None
            else None,
            "stypes": dict(t.stypes),
        }
    report = getattr(db, "report", None)
    problems = report.to_dicts() if report is not None else db.validate().to_dicts()
    return {
        "tables": tables,
        "inferred_fkeys": inferred,
        "rejected_fkeys": list(getattr(db, "rejected_fkeys", []) or []),
        "leakage_suspects": list(getattr(db, "leakage", []) or []),
        "problems": problems,
    }
