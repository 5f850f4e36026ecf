"""Opening the database of a training job: in memory or out of core, with the schema a
task file declares.

* ``storage="memory"``: `rdl.connect` reads every table into pandas (small databases;
  any SQLAlchemy URL).
* ``storage="disk"``: `rdl.db.lazy.open_lazy` describes a DuckDB file without reading
  its rows; the graph is then streamed into a memory-mapped store
  (`rdl.graph.stream`) and task SQL runs on DuckDB views.
* ``storage="auto"`` (default): disk for a DuckDB file holding more than
  `AUTO_DISK_ROWS` rows (DuckDB's estimate, ``duckdb_tables().estimated_size``), else
  memory — today's behaviour for every database rdl's tests and rel-f1 use.

A task file may carry the schema of its database as ``SCHEMA = {...}`` beside its tasks
(the keyword arguments of `rdl.connect`: ``time_cols``, ``primary_keys``,
``foreign_keys``, ``stypes``, ``include``, ``exclude``); `task_schema` reads it, so
``rdl train --task tpch/customer-reorder`` knows TPC-H's keys and time columns.
"""

from __future__ import annotations

import inspect
import sys

from rdl.db import Database, connect

AUTO_DISK_ROWS = 5_000_000
SCHEMA_KEYS = ("time_cols", "primary_keys", "foreign_keys", "stypes", "include", "exclude")


def task_schema(task_spec) -> dict:
    """The ``SCHEMA`` dict of the file that defines ``task_spec`` (``FILE.py:NAME`` or a
    built-in ``DATASET/NAME``: `rdl.tasks.load.task_file_schema`; a task class or
    instance: its module's), ``{}`` if it has none.

    Raises:
        TaskError, SchemaError: see `rdl.tasks.load.task_file_schema`.
    """
    from rdl.tasks.load import task_file_schema

    if isinstance(task_spec, str):
        return dict(task_file_schema(task_spec) or {})
    cls = task_spec if inspect.isclass(task_spec) else type(task_spec)
    schema = dict(getattr(sys.modules.get(cls.__module__), "SCHEMA", None) or {})
    return {k: v for k, v in schema.items() if k in SCHEMA_KEYS}


def duckdb_rows(url: str) -> int | None:
    """DuckDB's estimate of the rows of a DuckDB file (``None``: not a DuckDB file)."""
    if not url.startswith("duckdb:///"):
        return None
    import duckdb

    con = duckdb.connect(url[len("duckdb:///") :], read_only=True)
    try:
        return int(
            con.execute(
                "SELECT coalesce(sum(estimated_size), 0) FROM duckdb_tables() WHERE NOT internal"
            ).fetchall()[0][0]
        )
    finally:
        con.close()


def resolve_storage(url: str, storage: str) -> str:
    """``"memory"`` or ``"disk"`` for ``storage`` (``"auto"`` decided by `duckdb_rows`)."""
    if storage != "auto":
        return storage
    rows = duckdb_rows(url)
    return "disk" if rows is not None and rows > AUTO_DISK_ROWS else "memory"


def open_for_training(
    db: str | Database, task_spec=None, storage: str = "auto"
) -> tuple[Database, str, str]:
    """``(database, url, storage used)`` for a URL / path or an open `Database`, with
    the task file's ``SCHEMA`` applied.

    Raises:
        see `rdl.connect` and `rdl.db.lazy.open_lazy`.
    """
    if isinstance(db, Database):
        return (
            db,
            getattr(db, "url", None) or "<in-memory>",
            "disk" if getattr(db, "is_lazy", False) else "memory",
        )
    from rdl.db.write import normalize_url

    url = normalize_url(db)
    schema = task_schema(task_spec) if task_spec is not None else {}
    used = resolve_storage(url, storage)
    if used == "disk":
        from rdl.db.lazy import open_lazy

        # the out-of-core reader takes the keys, time columns, stypes and table lists
        return open_lazy(url, **{k: v for k, v in schema.items() if k in SCHEMA_KEYS}), url, used
    # rdl.connect takes single-column foreign keys; a composite one ("a,b") a task file
    # declares is left to the database's own catalog
    schema["foreign_keys"] = {
        t: {c: p for c, p in m.items() if "," not in c}
        for t, m in schema.get("foreign_keys", {}).items()
    }
    return connect(url, **schema), url, used


__all__ = ["AUTO_DISK_ROWS", "open_for_training", "resolve_storage", "task_schema"]
