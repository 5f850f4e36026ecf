"""A parsed predictive query bound to a database's schema (`rdl.tasks.query.compile`):
tables and columns looked up (errors list the valid names), the foreign-key path from
the entity to the aggregated table, the window's offsets, the ``WITH`` options, and the
SQL of literals, column references and ``WHERE`` conditions.

Moved here from `rdl.tasks.query.compile`, which keeps `compile_query` (the label SQL
and the task's attributes) and `CompiledQuery`.
"""

from __future__ import annotations

from collections import deque

import pandas as pd

from rdl.db import Database
from rdl.db.sql import quote_identifier as q
from rdl.tasks.query.errors import QueryError
from rdl.tasks.query.spec import And, Compare, InList, IsNull, Literal, Name, Not, Or, Query, Ref

UNITS = {"second": "s", "minute": "min", "hour": "h", "day": "D", "week": "W"}
OPTIONS = ("val_timestamp", "test_timestamp", "num_eval_timestamps", "eval_k")


def listing(names, limit: int = 40) -> str:
    names = sorted(map(str, names))
    more = f", … ({len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more if names else "(none)"


class Binder:
    def __init__(self, db: Database, query: Query, text: str):
        self.db, self.query, self.text = db, query, text
        self.aliases: dict[str, str] = {}

    def error(self, at, reason: str) -> QueryError:
        return QueryError(self.text, at.column, at.length, reason)

    # ---- names ---------------------------------------------------------------------
    def table(self, name: Name) -> str:
        if name.text not in self.db:
            raise self.error(name, f"unknown table {name.text!r}; tables: {listing(self.db)}")
        return name.text

    def column(self, table: str, name: Name) -> str:
        cols = self.db[table].df.columns
        if name.text not in cols:
            raise self.error(
                name, f"table {table!r} has no column {name.text!r}; its columns: {listing(cols)}"
            )
        return name.text

    # ---- the foreign-key path ------------------------------------------------------
    def links(self, a: str, b: str) -> list[tuple[str, str]]:
        """How ``a`` and ``b`` join: ``("child", col)`` for ``b.col -> a``,
        ``("parent", col)`` for ``a.col -> b``."""
        out = [("child", c) for c, t in self.db[b].fkey_col_to_pkey_table.items() if t == a]
        out += [("parent", c) for c, t in self.db[a].fkey_col_to_pkey_table.items() if t == b]
        return out

    def suggest(self, start: str, goal: str) -> str:
        prev: dict[str, str | None] = {start: None}
        todo = deque([start])
        u: str | None
        while todo:
            u = todo.popleft()
            for v in self.db:
                if v not in prev and self.links(u, v):
                    prev[v] = u
                    todo.append(v)
        if goal not in prev:
            return f"no chain of foreign keys connects {start!r} and {goal!r}"
        path, u = [], prev[goal]
        while u is not None and u != start:
            path.append(u)
            u = prev[u]
        return "reach it with " + " ".join(f"VIA {p}" for p in reversed(path))

    def path(self, entity: str, vias: list[Name], source: Name) -> list[tuple]:
        """``[(table, alias, (kind, col) of the join to the previous table)]`` from the
        entity's first neighbour to the aggregated table."""
        names = [self.table(v) for v in vias] + [self.table(source)]
        at = list(vias) + [source]
        hops, prev = [], entity
        for i, (table, where) in enumerate(zip(names, at)):
            links = self.links(prev, table)
            if not links:
                hint = (
                    self.suggest(entity, table)
                    if not vias
                    else (
                        f"tables linked to {prev!r}: "
                        f"{listing(t for t in self.db if self.links(prev, t))}"
                    )
                )
                raise self.error(
                    where, f"{table!r} is not linked to {prev!r} by a foreign key; {hint}"
                )
            if len(links) > 1:
                cols = [f"{table if k == 'child' else prev}.{c}" for k, c in links]
                raise self.error(
                    where,
                    f"{table!r} and {prev!r} are linked by several foreign "
                    f"keys ({', '.join(cols)}); rdl's queries need exactly "
                    "one per step",
                )
            hops.append((table, f"a{i + 1}", links[0]))
            prev = table
        return hops

    # ---- SQL pieces ----------------------------------------------------------------
    def literal(self, lit: Literal) -> str:
        v = lit.value
        if v is None:
            return "NULL"
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if isinstance(v, str):
            return "'" + v.replace("'", "''") + "'"
        return repr(v)

    def ref(self, ref: Ref) -> str:
        if ref.table is None:
            table = self.query.table.text
        else:
            table = self.table(ref.table)
            if table not in self.aliases:
                raise self.error(
                    ref.table,
                    f"table {table!r} is not on the query's path; "
                    f"use a column of {listing(self.aliases)}",
                )
        return f"{self.aliases[table]}.{q(self.column(table, ref.column))}"

    def operand(self, x) -> str:
        return self.ref(x) if isinstance(x, Ref) else self.literal(x)

    def condition(self, c) -> str:
        if isinstance(c, Compare):
            for side in (c.left, c.right):
                if isinstance(side, Literal) and side.value is None:
                    raise self.error(side, "compare with NULL using IS NULL / IS NOT NULL")
            op = "!=" if c.op.text == "<>" else c.op.text
            return f"{self.operand(c.left)} {op} {self.operand(c.right)}"
        if isinstance(c, IsNull):
            return f"{self.operand(c.operand)} IS {'NOT ' if c.negated else ''}NULL"
        if isinstance(c, InList):
            values = ", ".join(self.literal(v) for v in c.values)
            return f"{self.operand(c.operand)} {'NOT ' if c.negated else ''}IN ({values})"
        if isinstance(c, Not):
            return f"NOT ({self.condition(c.cond)})"
        joiner = " AND " if isinstance(c, And) else " OR "
        assert isinstance(c, (And, Or))
        return "(" + joiner.join(self.condition(i) for i in c.items) + ")"


def duration(comp: Binder, lit: Literal, unit: Name) -> pd.Timedelta:
    if not isinstance(lit.value, (int, float)) or isinstance(lit.value, bool) or lit.value < 0:
        raise comp.error(lit, "a window offset is a number >= 0")
    return pd.Timedelta(lit.value, unit=UNITS[unit.text.rstrip("s")])


def read_options(comp: Binder, query: Query, link: bool) -> dict:
    out = {}
    for opt in query.options:
        key, value = opt.key.text.lower(), opt.value
        if key not in OPTIONS or (key == "eval_k" and not link):
            allowed = [o for o in OPTIONS if link or o != "eval_k"]
            raise comp.error(
                opt.key, f"unknown option {opt.key.text!r}; options: {', '.join(allowed)}"
            )
        if key in out:
            raise comp.error(opt.key, f"option {key!r} is set twice")
        if key.endswith("timestamp"):
            try:
                out[key] = pd.Timestamp(value.value)
            except (TypeError, ValueError):
                raise comp.error(value, f"{key} must be a date, e.g. '2005-01-01'") from None
        elif not isinstance(value.value, int) or isinstance(value.value, bool) or value.value < 1:
            raise comp.error(value, f"{key} must be an integer >= 1")
        else:
            out[key] = value.value
    return out


def refs(cond):
    if cond is None:
        return
    if isinstance(cond, Ref):
        yield cond
    elif isinstance(cond, Compare):
        yield from refs(cond.left)
        yield from refs(cond.right)
    elif isinstance(cond, (IsNull, InList)):
        yield from refs(cond.operand)
    elif isinstance(cond, Not):
        yield from refs(cond.cond)
    elif isinstance(cond, (And, Or)):
        for item in cond.items:
            yield from refs(item)
