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

Looking names and the foreign-key path up on the schema, the window's offsets, the
``WITH`` options and the SQL of conditions live in `rdl.tasks.query.binder`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import pandas as pd

from rdl.db import Database, hints
from rdl.db.sql import quote_identifier as q
from rdl.tasks.kinds import BINARY, LINK, REGRESSION, task_type_value
from rdl.tasks.query.binder import OPTIONS, Binder, duration, listing, read_options, refs
from rdl.tasks.query.spec import Ref
from rdl.tasks.sql import TIMEDELTA_PLACEHOLDER, interval_literal

BINARY_METRICS = list(BINARY.metrics)  # the kinds' defaults (rdl.tasks.kinds)
REGRESSION_METRICS = list(REGRESSION.metrics)
DEFAULT_EVAL_K = 10


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
    comp = Binder(db, query, text)
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
            f"{listing(t for t in db if comp.links(entity, t))}",
        )
    hops = comp.path(entity, query.via, query.table)
    comp.aliases = {entity: "e0", **{t: a for t, a, _ in hops}}
    column = comp.column(source, query.column) if query.column is not None else None
    if column is None and agg != "COUNT":
        raise comp.error(
            query.table,
            f"{agg} needs a column: {agg}({source}.COLUMN, …); "
            f"columns of {source!r}: {listing(db[source].df.columns)}",
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
                f"foreign key of {source!r} ({listing(fkeys)}) or "
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
            f"{listing(t for t in db if db[t].time_col)}",
        )
    start = duration(comp, query.start, query.unit)
    end = duration(comp, query.end, query.unit)
    if not end > start:
        raise comp.error(
            query.end,
            f"the window ends ({query.end.value} {query.unit.text}) "
            f"at or before it starts ({query.start.value})",
        )
    options = read_options(comp, query, link)
    # SQL
    first_kind, first_col = hops[0][2]
    needs_e0 = first_kind == "parent" or any(
        isinstance(r, Ref) and r.table is not None and r.table.text == entity
        for r in refs(query.where)
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


__all__ = ["COLUMN_NAMES", "OPTIONS", "CompiledQuery", "compile_query"]
