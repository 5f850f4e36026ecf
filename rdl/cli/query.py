"""The ``--query`` / ``--show-sql`` options of ``rdl train`` and ``rdl baseline``: a task
written as a predictive query (`rdl.tasks.query`)."""

from __future__ import annotations

import typer

from rdl.cli.app import console, err_console


def check_task_or_query(task: str | None, query: str | None, show_sql: bool) -> None:
    """Exactly one of ``--task`` / ``--query``; ``--show-sql`` only with ``--query``.

    Raises:
        typer.Exit: code 2, with the message on stderr.
    """
    if (task is None) == (query is None):
        err_console.print(
            "error: give the task as --task NAME (a built-in name or "
            'FILE.py:NAME) or as --query "PREDICT ... FOR EACH ...", not both',
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    if show_sql and query is None:
        err_console.print("error: --show-sql prints the SQL of a --query", markup=False)
        raise typer.Exit(2)


def task_spec(task: str | None, query: str | None, database, show_sql: bool) -> str:
    """The task spec to run: ``--task`` or ``--query`` (see `check_task_or_query`); a
    query is compiled on ``database`` (the open `rdl.Database`) first, so a bad one fails
    before any training — its `rdl.tasks.TaskError` points at the query's column and the
    CLI prints it as one paragraph. With ``--show-sql`` print the compiled SQL and task
    settings, and stop.

    Raises:
        typer.Exit: see `check_task_or_query`; code 0 after ``--show-sql``.
    """
    check_task_or_query(task, query, show_sql)
    if query is None:
        assert task is not None  # checked: exactly one of the two
        return task
    from rdl.tasks import compile_query

    compiled = compile_query(database, query)
    if show_sql:
        console.print(
            f"-- {compiled.kind} task: "
            + ", ".join(f"{k}={v}" for k, v in compiled.attributes.items()),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        console.print(compiled.sql, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(0)
    return query
