"""``rdl inspect --write-schema schema.toml``: what rdl read, as a schema file to edit.

The file holds ``db.schema`` (every choice `rdl.connect` made, `rdl.db.schema_file`'s
format) with a comment on each inferred choice saying why, the foreign-key near misses
and the leakage suspects as commented-out lines to switch on. Reading it back
(``--schema schema.toml``) gives the same database.
"""

from __future__ import annotations

from pathlib import Path

import tomlkit


def _none(v):
    return "" if v is None else v


def _why(db, table: str, column: str | None, needle: str) -> str | None:
    for p in getattr(db.report, "problems", []) if db.report is not None else []:
        if p.table == table and (column is None or p.column == column) and needle in p.message:
            return p.message.split(". Another")[0].split("; also time-like")[0]
    return None


def schema_toml(db) -> str:
    """The schema file text for ``db`` (a `Database` from `rdl.connect`)."""
    s = db.schema
    doc = tomlkit.document()
    doc.add(
        tomlkit.comment(
            f"rdl schema of {getattr(db, 'url', None) or 'a database'}: every "
            "choice rdl made. Edit it and pass it back: rdl.connect(url, "
            "**load_schema(FILE)) or --schema FILE."
        )
    )
    doc.add(
        tomlkit.comment(
            '"" means none (no primary key, no time column, not a foreign '
            "key); see docs/schema.md, 'The schema file'."
        )
    )
    doc.add("include", s["include"])
    ex = tomlkit.array()
    for c in s["exclude_columns"]:
        ex.append(c)
    for sus in getattr(db, "leakage", []) or []:
        if (
            sus.get("column")
            and sus["kind"] not in ("child before parent", "parent after children")
            and f"{sus['table']}.{sus['column']}" not in s["exclude_columns"]
        ):
            ex.add_line(
                comment=f'"{sus["table"]}.{sus["column"]}",  leakage suspect '
                f"({sus['kind']}): {sus['reason'][:100]}"
            )
    ex.multiline(True)
    doc.add("exclude_columns", ex)
    doc.add("infer_foreign_keys", False)

    pk = tomlkit.table()
    for t, v in s["primary_keys"].items():
        pk.add(t, _none(v))
        why = _why(db, t, v if isinstance(v, str) else None, "primary key")
        if why:
            pk[t].comment(why[:160])
    doc.add("primary_keys", pk)

    fks = tomlkit.table(is_super_table=True)
    inferred = {(e["table"], e["column"]): e for e in getattr(db, "inferred_fkeys", []) or []}
    for t in db:
        sub = tomlkit.table()
        for col, target in s["foreign_keys"].get(t, {}).items():
            sub.add(col, target)
            ev = inferred.get((t, col))
            if ev:
                sub[col].comment(
                    f"inferred ({ev['rule']}): {ev['coverage']:.1%} of "
                    f"{ev['non_null']:,} values found, {ev['dangling']:,} dangling"
                )
        for miss in getattr(db, "rejected_fkeys", []) or []:
            if miss["table"] == t:
                sub.add(
                    tomlkit.comment(
                        f'{miss["column"]} = "{miss["target"]}"  # near miss: '
                        f"{miss['reason'][:110]}"
                    )
                )
        if len(sub):
            fks.add(t, sub)
    doc.add("foreign_keys", fks)

    tc = tomlkit.table()
    for t, v in s["time_cols"].items():
        tc.add(t, _none(v))
        why = _why(db, t, v, "time column") or _why(db, t, None, "no time column")
        if why:
            tc[t].comment(why[:160])
    doc.add("time_cols", tc)
    formats = tomlkit.table()
    for k, v in s["time_formats"].items():
        formats.add(k, v)
    doc.add("time_formats", formats)
    doc.add("stypes", s["stypes"])
    return tomlkit.dumps(doc)


def write_schema(db, path: str | Path) -> Path:
    """Write `schema_toml` to ``path`` (replacing it). Returns the path."""
    p = Path(path)
    p.write_text(schema_toml(db))
    return p


__all__ = ["schema_toml", "write_schema"]
