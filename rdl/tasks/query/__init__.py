"""Tasks as one-line predictive queries, compiled to an `rdl.tasks.EntityTask` or
`rdl.tasks.LinkTask` with the same protocol as every task::

    PREDICT COUNT(results WHERE statusId != 1, 0, 30 days) > 0 FOR EACH drivers
    PREDICT AVG(results.positionOrder, 0, 60 days) FOR EACH drivers
    PREDICT LIST_DISTINCT(races.circuitId VIA results, 0, 365 days) FOR EACH drivers
    ... FOR EACH drivers WITH val_timestamp = '2005-01-01', test_timestamp = '2010-01-01'

The grammar is in `rdl.tasks.query.parse` (lark), the semantics and the SQL in
`rdl.tasks.query.compile`. In the spirit of Kumo's predictive query language (PQL);
``rdl train --db URL --query "…"`` (``--show-sql`` prints the compiled SQL).
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

from rdl.db import Database
from rdl.tasks.entity import EntityTask
from rdl.tasks.link import LinkTask
from rdl.tasks.query.compile import COLUMN_NAMES, OPTIONS, CompiledQuery, compile_query
from rdl.tasks.query.errors import QueryError
from rdl.tasks.query.parse import parse


def is_query(spec: Any) -> bool:
    """Whether a task spec is a predictive query (text starting with ``PREDICT``)."""
    return isinstance(spec, str) and spec.lstrip()[:8].upper() == "PREDICT "


class QueryEntityTask(EntityTask):
    """An entity task defined by a predictive query (``query``: its text)."""

    query: str | None = None
    OVERRIDABLE: ClassVar[tuple[str, ...]] = EntityTask.OVERRIDABLE + ("query",)


class QueryLinkTask(LinkTask):
    """A link task defined by a predictive query (``query``: its text)."""

    query: str | None = None
    OVERRIDABLE: ClassVar[tuple[str, ...]] = LinkTask.OVERRIDABLE + ("query",)


def from_query(db: Database, query: str, cache_dir=None, **overrides: Any):
    """The task a predictive query defines, on ``db``.

    Args:
        db: the database.
        query: the query text (see the module docstring).
        cache_dir: on-disk task-table cache (`rdl.tasks.BaseTask`).
        overrides: task attributes to set on top of the query's (e.g. ``name``,
            ``val_timestamp``, ``metrics``); the column names (``time_col``,
            ``target_col``, ...: `rdl.tasks.query.compile.COLUMN_NAMES`) also rename
            the compiled SQL's output columns.

    Returns:
        a `QueryEntityTask` or `QueryLinkTask` (named by the query text unless
        ``name`` is given); ``task.sql`` holds the compiled DuckDB SQL.

    Raises:
        QueryError: a bad query (the message points at the column and lists valid names).
        TaskError: the task's protocol checks (split dates, ...).
    """
    names = {k: overrides[k] for k in COLUMN_NAMES if k in overrides}
    compiled = compile_query(db, query, **names)
    cls = QueryLinkTask if compiled.kind == "link" else QueryEntityTask
    attrs = dict(compiled.attributes, sql=compiled.sql, query=query, name=" ".join(query.split()))
    attrs.update(overrides)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        task = cls(db, cache_dir=cache_dir, **attrs)
    for w in caught:  # re-issued at the caller's line (the default split dates' note)
        warnings.warn(w.message, w.category, stacklevel=2)
    return task


__all__ = [
    "OPTIONS",
    "CompiledQuery",
    "QueryEntityTask",
    "QueryError",
    "QueryLinkTask",
    "compile_query",
    "from_query",
    "is_query",
    "parse",
]
