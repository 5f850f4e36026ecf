"""A parsed predictive query, checked against a database's schema and compiled to the
DuckDB label SQL of an `rdl.tasks.EntityTask` or `rdl.tasks.LinkTask`.

Semantics (RelBench's task protocol; `rdl.tasks.BaseTask`):

* the label of (entity, seed time ``t``) aggregates the rows of the aggregated table
  reached from the entity through the ``VIA`` tables (one foreign key per step, either
  direction) whose time lies in the window ``(t + start, t + end]``; the task's
  ``timedelta`` is ``end``. The window applies to the aggregated table's time column,
  or — when it has none — to the nearest ``VIA`` table's (walking back toward the
  entity) that has one;
* one row per entity with at least one such row in the window (as RelBench's tasks: an
  entity without activity in the window gets no row); ``WHERE`` selects the rows that
  are aggregated, not the entities;
* ``AGG(...) <op> <value>`` is a binary label (1 when true; an undefined aggregate,
  e.g. the ``MIN`` of no row, gives 0); without a comparison ``COUNT`` /
  ``COUNT_DISTINCT`` / ``SUM`` / ``AVG`` / ``MIN`` / ``MAX`` are regression targets (rows
  whose aggregate is NULL are left out); ``LIST_DISTINCT(t.fk)`` is a link task whose
  destinations are the rows of the table ``fk`` references (or of ``t`` itself when the
  column is ``t``'s primary key);
* the split dates default as every rdl task's (`rdl.tasks.default_split_timestamps`,
  with a `rdl.tasks.DefaultSplitWarning`); set them with
  ``WITH val_timestamp = '2005-01-01', test_timestamp = '2010-01-01'``, and
  ``num_eval_timestamps`` (default 1) and ``eval_k`` (link tasks, default 10) the same
  way — or as keyword overrides of `rdl.tasks.from_query`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import cast

import pandas as pd

from rdl.db import Database, hints
from rdl.db.sql import quote_identifier as q
from rdl.tasks.kinds import BINARY, LINK, REGRESSION, task_type_value
from rdl.tasks.query.errors import QueryError
from rdl.tasks.query.spec import And, Compare, InList, IsNull, Literal, Name, Not, Or, Query, Ref
from rdl.tasks.sql import TIMEDELTA_PLACEHOLDER, interval_literal

UNITS = {"second": "s", "minute": "min", "hour": "h", "day": "D", "week": "W"}
BINARY_METRICS = list(BINARY.metrics)  # the kinds' defaults (rdl.tasks.kinds)
REGRESSION_METRICS = list(REGRESSION.metrics)
DEFAULT_EVAL_K = 10
OPTIONS = ("val_timestamp", "test_timestamp", "num_eval_timestamps", "eval_k")


@dataclass
class CompiledQuery:
    """A query compiled on a database's schema.

    Attributes:
        query: the query text; ``kind``: ``"entity"`` or ``"link"``.
        sql: the DuckDB label SQL (over the tables and ``timestamp_df``; ``{timedelta}``
            is the window's end, as in every task's ``sql``).
        attributes: the task's attributes (`rdl.tasks.EntityTask` /
            `rdl.tasks.LinkTask` names): ``task_type``, ``timedelta``, ``metrics``,
            ``time_col``, the entity / source and target / destination names, the
            ``WITH`` options.
    """

    query: str
    kind: str
    sql: str
    attributes: dict = field(default_factory=dict)


def _listing(names, limit: int = 40) -> str:
    names = sorted(map(str, names))
    more = f", … ({len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more if names else "(none)"


class _Compiler:
    def __init__(self, db: Database, query: Query, text: str):
        self.db, self.query, self.text = db, query, text
        self.aliases: dict[str, str] = {}

    def error(self, at, reason: str) -> QueryError:
        return QueryError(self.text, at.column, at.length, reason)

    # ---- names ---------------------------------------------------------------------
    def table(self, name: Name) -> str:
        if name.text not in self.db:
            raise self.error(name, f"unknown table {name.text!r}; tables: {_listing(self.db)}")
        return name.text

    def column(self, table: str, name: Name) -> str:
        cols = self.db[table].df.columns
        if name.text not in cols:
            raise self.error(
                name, f"table {table!r} has no column {name.text!r}; its columns: {_listing(cols)}"
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
                        f"{_listing(t for t in self.db if self.links(prev, t))}"
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
                    f"use a column of {_listing(self.aliases)}",
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


def _duration(comp: _Compiler, lit: Literal, unit: Name) -> pd.Timedelta:
    if not isinstance(lit.value, (int, float)) or isinstance(lit.value, bool) or lit.value < 0:
        raise comp.error(lit, "a window offset is a number >= 0")
    return pd.Timedelta(lit.value, unit=UNITS[unit.text.rstrip("s")])


def _options(comp: _Compiler, query: Query, link: bool) -> dict:
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


#: the task-table column names a caller may choose (`rdl.tasks.from_query` overrides)
COLUMN_NAMES = ("time_col", "entity_col", "target_col", "src_entity_col", "dst_entity_col")


def compile_query(db: Database, text: str, **names: str) -> CompiledQuery:
    """Parse ``text`` and compile it on ``db``'s schema.

    Args:
        db: the database.
        text: the query.
        names: task-table column names to use instead of the defaults (`COLUMN_NAMES`:
            ``time_col`` ``"timestamp"``, ``entity_col`` / ``src_entity_col`` the entity's
            primary key, ``target_col`` ``"label"``, ``dst_entity_col`` the listed column).

    Raises:
        QueryError: a syntax error, an unknown table / column / option (the message lists
            the valid ones), tables not linked by exactly one foreign key, an aggregation
            that does not fit its column, no time column on the path, a bad window.
    """
    from rdl.tasks.query.parse import parse

    query = parse(text)
    comp = _Compiler(db, query, text)
    agg = query.agg.text
    entity = comp.table(query.entity)
    pkey = db[entity].pkey_col
    if pkey is None:
        raise comp.error(
            query.entity,
            f"table {entity!r} has no primary key, so its rows "
            "cannot be predicted for; declare one "
            f"({hints.pkey(entity)})",
        )
    if query.entity_pkey is not None and query.entity_pkey.text != pkey:
        raise comp.error(query.entity_pkey, f"the primary key of {entity!r} is {pkey!r}")
    source = comp.table(query.table)
    if source == entity and not query.via:
        raise comp.error(
            query.table,
            f"aggregate a table linked to {entity!r}, not "
            f"{entity!r} itself; tables linked to it: "
            f"{_listing(t for t in db if comp.links(entity, t))}",
        )
    hops = comp.path(entity, query.via, query.table)
    comp.aliases = {entity: "e0", **{t: a for t, a, _ in hops}}
    column = comp.column(source, query.column) if query.column is not None else None
    if column is None and agg != "COUNT":
        raise comp.error(
            query.table,
            f"{agg} needs a column: {agg}({source}.COLUMN, …); "
            f"columns of {source!r}: {_listing(db[source].df.columns)}",
        )
    src_df = db[source].df
    if agg in ("SUM", "AVG") and not pd.api.types.is_numeric_dtype(src_df[column]):
        raise comp.error(
            query.column,
            f"{agg} needs a numeric column; {source}.{column} is {src_df[column].dtype}",
        )
    link = agg == "LIST_DISTINCT"
    if link:
        fkeys = db[source].fkey_col_to_pkey_table
        if column == db[source].pkey_col:
            dst_table = source
        elif column in fkeys:
            dst_table = fkeys[column]
        else:
            raise comp.error(
                query.column,
                f"LIST_DISTINCT lists rows of a table: give a "
                f"foreign key of {source!r} ({_listing(fkeys)}) or "
                f"its primary key ({db[source].pkey_col})",
            )
        if query.comparison is not None:
            raise comp.error(
                query.comparison,
                "LIST_DISTINCT gives a link task (a list of destinations); it takes no comparison",
            )
    if query.threshold is not None and query.threshold.value is None:
        raise comp.error(query.threshold, "compare the aggregate with a value, not NULL")
    # the window
    timed = [(t, a) for t, a, _ in reversed(hops) if db[t].time_col is not None]
    if not timed:
        raise comp.error(
            query.table,
            "no table on the path from "
            f"{entity!r} to {source!r} has a time column, so the window "
            "(t + start, t + end] cannot be applied; tables with a time column: "
            f"{_listing(t for t in db if db[t].time_col)}",
        )
    start = _duration(comp, query.start, query.unit)
    end = _duration(comp, query.end, query.unit)
    if not end > start:
        raise comp.error(
            query.end,
            f"the window ends ({query.end.value} {query.unit.text}) "
            f"at or before it starts ({query.start.value})",
        )
    options = _options(comp, query, link)
    # SQL
    first_kind, first_col = hops[0][2]
    needs_e0 = first_kind == "parent" or any(
        isinstance(r, Ref) and r.table is not None and r.table.text == entity
        for r in _refs(query.where)
    )
    key = f"e0.{q(pkey)}" if needs_e0 else f"a1.{q(first_col)}"
    joins, prev_alias, prev_table = [], "e0", entity
    for i, (table, alias, (kind, col)) in enumerate(hops):
        if kind == "child":  # table.col -> prev
            on = f"{alias}.{q(col)} = {prev_alias}.{q(cast(str, db[prev_table].pkey_col))}"
        else:  # prev.col -> table
            on = f"{alias}.{q(cast(str, db[table].pkey_col))} = {prev_alias}.{q(col)}"
        if i == 0 and not needs_e0:
            joins.append(f"FROM {q(table)} {alias}")
        else:
            if i == 0:
                joins.append(f"FROM {q(entity)} e0")
            joins.append(f"JOIN {q(table)} {alias} ON {on}")
        prev_alias, prev_table = alias, table
    wt, wa = timed[0]
    wcol = f"{wa}.{q(cast(str, db[wt].time_col))}"  # `timed`: tables with a time column
    lower = "t.timestamp" + (f" + {interval_literal(start)}" if start > pd.Timedelta(0) else "")
    joins.append(
        f"JOIN timestamp_df t ON {wcol} > {lower} AND {wcol} <= t.timestamp + "
        f"{TIMEDELTA_PLACEHOLDER}"
    )
    where = comp.condition(query.where) if query.where is not None else None
    src_alias = comp.aliases[source]
    value = f"{src_alias}.{q(column)}" if column else None
    entity_col = names.get("src_entity_col" if link else "entity_col") or pkey
    time_col = names.get("time_col") or ("timestamp" if entity_col != "timestamp" else "seed_time")
    if link:
        dst_col = names.get("dst_entity_col") or (
            column if column not in (entity_col, time_col) else f"{dst_table}_{column}"
        )
        filt = f"{value} IS NOT NULL" + (f" AND {where}" if where else "")
        expr = f"LIST(DISTINCT {value} ORDER BY {value}) FILTER (WHERE {filt})"
        target, having = dst_col, None
    else:
        inner = {
            "COUNT": f"COUNT({value or '*'})",
            "COUNT_DISTINCT": f"COUNT(DISTINCT {value})",
        }.get(agg, f"{agg}({value})")
        expr = inner + (f" FILTER (WHERE {where})" if where else "")
        if agg == "SUM":
            expr = f"COALESCE({expr}, 0)"
        target = names.get("target_col") or ("label" if entity_col != "label" else "target")
        having = None
        if query.comparison is not None:
            op = "!=" if query.comparison.text == "<>" else query.comparison.text
            assert query.threshold is not None  # the parser gives a comparison its value
            expr = f"CASE WHEN {expr} {op} {comp.literal(query.threshold)} THEN 1 ELSE 0 END"
        elif agg not in ("COUNT", "COUNT_DISTINCT", "SUM"):
            having = f"{expr} IS NOT NULL"
    sql = "\n".join(
        [
            f"SELECT t.timestamp AS {q(time_col)}, {key} AS {q(entity_col)},",
            f"       {expr} AS {q(cast(str, target))}",  # a link query lists a column
            *joins,
            f"WHERE {key} IS NOT NULL",
            f"GROUP BY t.timestamp, {key}",
            *([f"HAVING {having}"] if having else []),
        ]
    )
    attrs = dict(time_col=time_col, timedelta=end, **options)
    if link:
        attrs.update(
            task_type=task_type_value(LINK),
            src_entity_table=entity,
            src_entity_col=entity_col,
            dst_entity_table=dst_table,
            dst_entity_col=target,
            eval_k=options.get("eval_k", DEFAULT_EVAL_K),
        )
    else:
        binary = query.comparison is not None
        kind = BINARY if binary else REGRESSION
        attrs.update(
            task_type=task_type_value(kind),
            metrics=list(kind.metrics),
            entity_table=entity,
            entity_col=entity_col,
            target_col=target,
        )
    return CompiledQuery(text, "link" if link else "entity", sql, attrs)


def _refs(cond):
    if cond is None:
        return
    if isinstance(cond, Ref):
        yield cond
    elif isinstance(cond, Compare):
        yield from _refs(cond.left)
        yield from _refs(cond.right)
    elif isinstance(cond, (IsNull, InList)):
        yield from _refs(cond.operand)
    elif isinstance(cond, Not):
        yield from _refs(cond.cond)
    elif isinstance(cond, (And, Or)):
        for item in cond.items:
            yield from _refs(item)


__all__ = ["COLUMN_NAMES", "OPTIONS", "CompiledQuery", "compile_query"]
