"""Keys the catalog does not declare: foreign keys found by name and by value containment
(primary keys: `rdl.db.pkeys`), with the evidence for every decision and every near miss.

Names are read as words (`rdl.db.names`), case-insensitively: ``Id``, ``user_id``,
``UserId``, ``userID`` are all key names. A column ``c`` of table ``A`` may reference a
key ``k`` of table ``B`` (its primary key, or a unique non-null column) when their types
are compatible (``'2'`` and ``2`` are) and enough of ``c``'s values exist in ``k``:

* **name matches** (score >= 2: ``customer_id`` -> ``customers.customer_id``,
  ``UserId`` -> ``users``, ``OwnerUserId`` -> ``users``, ``tailnum`` -> ``planes.tailnum``):
  at least `COVERAGE_NAMED` (80 %) of the values; the rest are dangling (their rows stay,
  their link is dropped, and the count is reported);
* **role-named** (no name evidence: ``ParentId`` -> ``posts``, ``origin`` ->
  ``airports.code``): at least `COVERAGE_UNNAMED` (99 %), and the column must be named
  like a key (``...Id``, ``..._code``) or hold text (numbers contained in an id range by
  chance are common; text codes are not).

Several targets: the better name, then the higher coverage; a tie is ambiguous and not
applied (listed, with the flag that settles it). Every rejected candidate with a name
match and some coverage, or >= 50 % coverage, is listed as a near miss with its coverage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rdl.db.names import internal, singular, starts_with_any, table_words, tokens

COVERAGE_NAMED = 0.80
COVERAGE_UNNAMED = 0.99
#: a role-named integer column needs this many distinct values (type codes have few)
MIN_ROLE_VALUES = 10
#: a reference to the own table without a role name (``ParentId``) must span at least this
#: share of the key's range: a rating of 1..5 lies inside any serial key by chance
MIN_SELF_SPAN = 0.10
#: the longest code of a code-keyed dimension (``JFK``, ``US-CA``, ``EUR``)
MAX_CODE_LEN = 16
KEY_WORDS = ("id", "key", "code", "uuid", "guid", "pk")
GENERIC = {"id", "key", "code", "uuid", "guid", "pk", "name", "no", "number", "num"}
SELF_WORDS = (
    "parent",
    "child",
    "manager",
    "boss",
    "report",
    "previous",
    "prev",
    "next",
    "root",
    "reply",
    "original",
    "duplicat",
    "referr",
    "success",
    "predecess",
    "mentor",
    "supervis",
    "spouse",
    "master",
)


def key_like(col) -> bool:
    """Named like a key: its last word is ``id``/``key``/``code``/``uuid``/``guid``/``pk``."""
    t = tokens(col)
    return bool(t) and t[-1] in KEY_WORDS


def name_score(col, table: str, target: str, target_key) -> tuple[int, str]:
    """How strongly the name of ``table.col`` points at ``target.target_key``.

    Returns:
        ``(score, rule)``: 3 same (non-generic) name as the key, or ``<target>_id`` /
        ``<target>Id`` / ``<target>_code``; 2 ends with the target's name (``OwnerUserId``
        -> ``users``) or the key's own words; 1 a self-reference word (``ParentId``) and
        ``target == table``; 0 no evidence.
    """
    c, lc, lk = tokens(col), str(col).lower(), str(target_key).lower()
    role = c[:-1] if c and c[-1] in KEY_WORDS else c
    tw = table_words(target)
    if lc == lk and lk not in GENERIC:
        return 3, "same name as the key"
    if tw and c and c[-1] in KEY_WORDS and [singular(w) for w in role] == tw:
        return 3, f"named after {target!r} (<table>_id)"
    flat = lc.replace("_", "").replace(" ", "")
    if tw and any(flat == "".join(tw) + kw for kw in KEY_WORDS):
        return 3, f"named after {target!r} (<table>id)"
    if (
        tw
        and len(role) > len(tw)
        and c[-1] in KEY_WORDS
        and [singular(w) for w in role[-len(tw) :]] == tw
    ):
        return 2, f"a role of {target!r} (<role><Table>Id)"
    kt = [w for w in tokens(target_key) if w not in KEY_WORDS]
    if kt and len(role) >= len(kt) and role[-len(kt) :] == kt and lk not in GENERIC:
        return 2, "ends with the key's name"
    if target == table and starts_with_any(role, SELF_WORDS):
        return 1, "a self-reference word"
    return 0, ""


# ---- values --------------------------------------------------------------------------
def _kind(s: pd.Series) -> str | None:
    """``"int"`` (integers, integral floats), ``"str"`` (text), or ``None`` (not a key)."""
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
        return None
    v = s.dropna()
    if pd.api.types.is_integer_dtype(s):
        return "int"
    if pd.api.types.is_float_dtype(s):
        return "int" if len(v) and (v == np.round(v)).all() and np.isfinite(v).all() else None
    if (
        len(v)
        and (pd.api.types.is_string_dtype(s) or s.dtype == object)
        and v.map(lambda x: isinstance(x, str)).all()
    ):
        return "str"
    return None


def as_key_values(s: pd.Series, like: str) -> pd.Series:
    """Non-null values of ``s`` in the representation of a ``like`` key (``"int"`` or
    ``"str"``): text ``'2'`` -> ``2`` for an integer key (text that is no integer -> null),
    ``2`` -> ``'2'`` for a text key."""
    v = s.dropna()
    kind = _kind(s)
    if like == "int":
        if kind == "int":
            return v.astype("int64")
        num = pd.to_numeric(v.astype(str).str.strip(), errors="coerce")
        num = num[num.notna() & (num == np.round(num))]
        return num.astype("int64")
    if kind == "int":
        return v.astype("int64").astype(str)
    return v.astype(str)


@dataclass
class KeyTarget:
    table: str
    column: str
    kind: str  # "int" | "str"
    values: pd.Index  # the key's values
    is_pkey: bool
    needs_name: bool  # a unique column named like no key: only a name match counts


def key_targets(tables: dict, unique: dict[str, set[str]]) -> list[KeyTarget]:
    """The keys a foreign key may reference: every single-column primary key, and (for
    tables without one) the unique, non-null integer/text columns named like a key,
    declared UNIQUE, or named like no key at all (these need a name match to be chosen)."""
    out = []
    for name, t in tables.items():
        cols = [t.pkey_col] if t.pkey_col else [c for c in t.df.columns if not internal(c)]
        for c in cols:
            s = t.df[c]
            kind = _kind(s)
            if kind is None or len(s) == 0 or internal(c):
                continue
            if not t.pkey_col and (s.isna().any() or not s.is_unique):
                continue
            out.append(
                KeyTarget(
                    name,
                    str(c),
                    kind,
                    pd.Index(as_key_values(s, kind).unique()),
                    bool(t.pkey_col),
                    not (t.pkey_col or key_like(c) or c in unique.get(name, ())),
                )
            )
    return out


def infer_foreign_keys(
    tables: dict, declared: dict[str, dict], unique: dict[str, set[str]] | None = None
) -> tuple[list[dict], list[dict]]:
    """Foreign keys the catalog does not declare (see the module doc).

    Args:
        tables: name -> object with ``df`` and ``pkey_col``.
        declared: name -> {column: target or None} already decided (declared, given by
            the user, or refused with ``None``): never inferred again.
        unique: name -> columns declared UNIQUE.

    Returns:
        ``(found, near_misses)``. ``found``: one evidence dict per inferred key —
        ``table``, ``column``, ``target``, ``target_key`` (= ``target_pkey``), ``rule``,
        ``name_score``, ``coverage`` (fraction of the non-null values found, [0, 1]),
        ``non_null`` (rows), ``dangling`` (rows whose value is no key). ``near_misses``:
        the same fields plus ``reason`` for candidates not applied.
    """
    targets = key_targets(tables, unique or {})
    found: list[dict] = []
    misses: list[dict] = []
    for a, ta in tables.items():
        for col in ta.df.columns:
            if col == ta.pkey_col or internal(col) or col in declared.get(a, {}):
                continue
            s = ta.df[col]
            kind = _kind(s)
            if kind is None:
                continue
            total = int(s.notna().sum())
            if total == 0:
                continue
            counts, cands, blocked, is_unique = {}, [], [], s.is_unique
            for kt in targets:
                if kt.table == a and kt.column == str(col):
                    continue
                score, rule = name_score(col, a, kt.table, kt.column)
                if score < 2:
                    textual = kind == "str" and kt.kind == "str"
                    if kt.needs_name or not (key_like(col) or textual) or is_unique:
                        continue
                if kt.kind not in counts:
                    counts[kt.kind] = as_key_values(s, kt.kind).value_counts()
                vc = counts[kt.kind]
                if score < 2 and len(vc) < (2 if kind == "str" else MIN_ROLE_VALUES):
                    continue
                hit = int(vc[vc.index.isin(kt.values)].sum())
                cov = hit / total
                span = span_share(vc.index, kt) if kt.table == a and score != 1 else None
                if span is not None and span < MIN_SELF_SPAN:
                    blocked.append(
                        {
                            "table": a,
                            "column": str(col),
                            "target": kt.table,
                            "target_key": kt.column,
                            "target_pkey": kt.column,
                            "rule": rule,
                            "name_score": score,
                            "coverage": round(cov, 6),
                            "non_null": total,
                            "dangling": total - hit,
                            "reason": (
                                f"a reference to its own table needs a role name (parent, "
                                f"reply_to, manager, previous ...) or values across the key's "
                                f"range; these span {span:.2%} of it (small numbers such as a "
                                f"rating or a count fall inside any serial key)"
                            ),
                        }
                    )
                    continue
                cands.append(
                    {
                        "table": a,
                        "column": str(col),
                        "target": kt.table,
                        "target_key": kt.column,
                        "target_pkey": kt.column,
                        "rule": rule
                        or (
                            "role-named: values contained in the key"
                            if key_like(col)
                            else "text values contained in the key"
                        ),
                        "name_score": score,
                        "coverage": round(cov, 6),
                        "non_null": total,
                        "dangling": total - hit,
                    }
                )
            said = len(found) + len(misses)
            _decide(cands, found, misses)
            if blocked and len(found) + len(misses) == said:  # one word per column
                misses.append(blocked[0])
    return found, misses


def span_share(values: pd.Index, kt: KeyTarget) -> float | None:
    """For integer values and an integer key: the share of the key's range (max - min)
    that the values span; ``None`` for text."""
    if kt.kind != "int" or len(values) == 0 or len(kt.values) < 2:
        return None
    v = pd.to_numeric(pd.Series(values), errors="coerce").dropna()
    k = pd.to_numeric(pd.Series(kt.values), errors="coerce").dropna()
    if len(v) == 0 or len(k) < 2:
        return None
    width = float(k.max() - k.min())
    return float(v.max() - v.min()) / width if width > 0 else None


def _needed(c: dict) -> float:
    return COVERAGE_NAMED if c["name_score"] >= 2 else COVERAGE_UNNAMED


def _decide(cands: list[dict], found: list[dict], misses: list[dict]) -> None:
    if not cands:
        return
    if any(c["name_score"] >= 2 for c in cands):  # a name match rules out mere containment
        cands = [c for c in cands if c["name_score"] >= 2]
    ok = sorted(
        [c for c in cands if c["coverage"] >= _needed(c)],  # ties: own table first
        key=lambda c: (-c["name_score"], -c["coverage"], c["target"] != c["table"], c["target"]),
    )
    if ok:
        best = ok[0]
        rivals = [
            c
            for c in ok[1:]
            if c["name_score"] == best["name_score"]
            and abs(c["coverage"] - best["coverage"]) < 0.005
        ]
        if rivals and best["name_score"] == 1:  # ParentId: the own table wins a tie
            rivals = [r for r in rivals if r["name_score"] == 1]
        if not rivals:
            found.append(best)
            return
        others = [f"{r['target']}.{r['target_key']}" for r in rivals]
        shown = others[:5] + ([f"... {len(others) - 5} more"] if len(others) > 5 else [])
        misses.append({**best, "reason": f"ambiguous: the values fit {shown} as well"})
        return
    best = max(cands, key=lambda c: (c["name_score"], c["coverage"]))
    if (best["name_score"] >= 2 and best["coverage"] > 0) or best["coverage"] >= 0.5:
        need = _needed(best)
        misses.append(
            {
                **best,
                "reason": (
                    f"{best['coverage']:.1%} of the values found, {need:.0%} needed "
                    + (
                        "with a matching name"
                        if need == COVERAGE_NAMED
                        else "without a matching name"
                    )
                ),
            }
        )


def align_types(child: pd.Series, key: pd.Series) -> tuple[pd.Series | None, str]:
    """``child`` (a foreign-key column) in the type of ``key`` (the key it references),
    so that text ``'2'`` finds integer ``2`` and integer ``2`` finds text ``'2'``.

    Returns:
        ``(converted column, note)``, or ``(None, "")`` when the types already agree.
    """
    ck, kk = _kind(child), _kind(key)
    if ck is None or kk is None or ck == kk:
        return None, ""
    nonnull = child.notna()
    if kk == "int":
        num = pd.to_numeric(
            child.where(nonnull)
            .astype(object)
            .map(lambda v: v.strip() if isinstance(v, str) else v),
            errors="coerce",
        )
        num = num.where(num == np.round(num))
        lost = nonnull & num.isna()
        out = num.astype("int64") if not num.isna().any() else num.astype("float64")
        note = "text keys read as integers to match the integer key"
        if lost.any():
            note += (
                f"; {int(lost.sum())} values are no integer (e.g. "
                f"{child[lost].iloc[0]!r}) and reference nothing"
            )
        return out, note
    out = child.astype(object).where(
        ~nonnull, child.map(lambda v: str(int(v)) if not pd.isna(v) else v)
    )
    return out, "integer keys read as text to match the text key"


__all__ = [
    "COVERAGE_NAMED",
    "COVERAGE_UNNAMED",
    "KEY_WORDS",
    "KeyTarget",
    "align_types",
    "as_key_values",
    "infer_foreign_keys",
    "key_like",
    "name_score",
    "span_share",
]
