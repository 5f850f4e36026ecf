"""The ``--query`` / ``--show-sql`` options of ``rdl train`` and ``rdl baseline``: a task
written as a predictive query (`rdl.tasks.query`)."""

from __future__ import annotations

import typer

from rdl.cli.app import console, err_console


def task_spec(task: str | None, query: str | None, db: str, show_sql: bool) -> str:
    """The task spec to run: ``--task`` or ``--query`` (exactly one; a query is compiled
    on the database first, so a bad one fails before any work). With ``--show-sql`` print
    the query's compiled SQL and task settings, and stop.

    Raises:
        typer.Exit: neither or both given (code 2); a bad query (code 1, the error points
            at the query's column); after ``--show-sql`` (code 0).
    """
    if (task is None) == (query is None):
        err_console.print("error: give the task as --task NAME (a built-in name or "
                          "FILE.py:NAME) or as --query \"PREDICT ... FOR EACH ...\", not both",
                          markup=False, soft_wrap=True)
        raise typer.Exit(2)
    if show_sql and query is None:
        err_console.print("error: --show-sql prints the SQL of a --query", markup=False)
        raise typer.Exit(2)
    if query is None:
        return task
    from rdl.db import RdlError, connect
    from rdl.db.write import normalize_url
    from rdl.tasks import compile_query

    try:  # a bad query fails here, in one paragraph, before any work
        compiled = compile_query(connect(normalize_url(db)), query)
    except RdlError as e:
        err_console.print(f"error: {e}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    if show_sql:
        console.print(f"-- {compiled.kind} task: "
                      + ", ".join(f"{k}={v}" for k, v in compiled.attributes.items()),
                      markup=False, highlight=False, soft_wrap=True)
        console.print(compiled.sql, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(0)
    return query
