"""Primary keys the catalog does not declare: a column named like a key, referenced by a
declared foreign key, declared UNIQUE, or — for a dimension keyed by a short code — whose
values another table's column repeats (`referenced_codes`). Names and values are read
as `rdl.db.keys` reads them."""

from __future__ import annotations

import pandas as pd

from rdl.db.keys import (
    COVERAGE_NAMED,
    MAX_CODE_LEN,
    MIN_ROLE_VALUES,
    MIN_SELF_SPAN,
    KeyTarget,
    _kind,
    as_key_values,
    key_like,
    name_score,
    span_share,
)
from rdl.db.names import internal


def referenced_codes(
    table: str, df: pd.DataFrame, others: dict[str, pd.DataFrame]
) -> dict[str, str]:
    """Columns of a dimension keyed by a code: unique, non-null short text (at most
    `MAX_CODE_LEN` characters) or integers, whose values hold at least `COVERAGE_NAMED`
    of the non-null values of a column of another table — a column that repeats them
    (many rows per code, as ``flights.origin`` repeats ``airports.faa``) with at least 2
    distinct text values, or `MIN_ROLE_VALUES` integers spanning at least
    `MIN_SELF_SPAN` of the key's range.

    Returns:
        column -> the evidence (``"referenced by 97% of flights.origin"``).
    """
    out: dict[str, str] = {}
    for c in df.columns:
        s = df[c]
        kind = _kind(s)
        if kind is None or internal(c) or s.isna().any() or not s.is_unique or len(s) < 2:
            continue
        if kind == "str" and s.astype(str).str.len().max() > MAX_CODE_LEN:
            continue
        kt = KeyTarget(table, str(c), kind, pd.Index(as_key_values(s, kind)), False, False)
        best = (0.0, "")
        for other, odf in others.items():
            for oc in odf.columns:
                o = odf[oc]
                if internal(oc) or _kind(o) != kind or o.is_unique:
                    continue
                vals = as_key_values(o, kind)
                distinct = pd.Index(vals.unique())
                if len(distinct) < (2 if kind == "str" else MIN_ROLE_VALUES):
                    continue
                if kind == "int" and (span_share(distinct, kt) or 0) < MIN_SELF_SPAN:
                    continue
                cov = float(vals.isin(kt.values).mean()) if len(vals) else 0.0
                if cov >= COVERAGE_NAMED and cov > best[0]:
                    best = (cov, f"referenced by {cov:.0%} of {other}.{oc}")
        if best[0]:
            out[str(c)] = best[1]
    return out


def infer_primary_key(
    table: str,
    df: pd.DataFrame,
    tables: list[str],
    referenced: set[str] | frozenset[str] = frozenset(),
    unique: set[str] | frozenset[str] = frozenset(),
    other_tables: dict[str, pd.DataFrame] | None = None,
) -> tuple[str | None, str]:
    """A primary key for a table whose catalog declares none.

    Candidates are integer or text columns without nulls or duplicates that a declared
    foreign key references, or that are named like a key (``id``, ``Id``, ``*_id``,
    ``*Id``, ``code``, ...) without being named after *another* table (``user_id`` in
    ``orders`` looks like a foreign key to ``users``). A referenced column wins; then
    ``id`` (any case); then the one named after the table itself (``race_id`` in
    ``races``); then a single candidate; then a single declared UNIQUE one; with no
    candidate at all, a single code column another table's column references
    (`referenced_codes`: ``airports.faa`` for ``flights.origin``). Anything else is
    ambiguous: none.

    Returns:
        ``(column, reason)``, or ``(None, reason)`` naming the ambiguous candidates
        (``""`` when there is no candidate at all).
    """
    if len(df) == 0:
        return None, ""

    def unique_key(c) -> bool:
        s = df[c]
        return _kind(s) is not None and bool(s.notna().all() and s.is_unique)

    ref = [c for c in df.columns if c in referenced and unique_key(c)]
    if len(ref) == 1:
        return ref[0], "referenced by a declared foreign key; unique and non-null"
    others = [t for t in tables if t != table]
    cands = [
        c
        for c in df.columns
        if (key_like(c) or name_score(c, table, table, "\0")[0] >= 3)
        and not internal(c)
        and unique_key(c)
        and not any(name_score(c, table, t, "\0")[0] >= 3 for t in others)
    ]
    why = "named like a key, unique and non-null"
    if len(cands) == 1:
        return cands[0], why
    for pick, reason in (
        ([c for c in cands if str(c).lower() == "id"], why),
        ([c for c in cands if name_score(c, table, table, "\0")[0] >= 3], why),
        ([c for c in df.columns if c in unique and unique_key(c)], "declared UNIQUE and non-null"),
    ):
        if len(pick) == 1:
            return pick[0], reason
    if not cands:
        codes = referenced_codes(table, df, other_tables or {})
        if len(codes) == 1:
            ((col, why),) = codes.items()
            return col, f"a code-keyed dimension: unique and non-null, {why}"
        if codes:
            return None, f"several columns could be the primary key: {sorted(codes)}"
        return None, ""
    return None, f"several columns could be the primary key: {list(map(str, cands))}"


__all__ = ["infer_primary_key", "referenced_codes"]
