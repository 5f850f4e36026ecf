"""``rdl baseline``: the non-GNN baselines on a task (`rdl.baselines`). Split from
`rdl.cli.train`, whose checks and printing it uses."""

from __future__ import annotations

import typer

from rdl.cli.app import app, console
from rdl.cli.errors import cli_text
from rdl.cli.schema_options import SchemaArgs, open_db, schema_options
from rdl.cli.train import _figures, check_out_dir, check_task, print_leakage
from rdl.config import OPTIONS as _SETTING
from rdl.config.option import MODEL, PROTOCOL, TASK, TRAINING
from rdl.db.sources import safe_url


@app.command()
@schema_options
def baseline(
    db: str = typer.Option(
        ..., "--db", help="SQLAlchemy URL or a .duckdb/.sqlite/.db path", rich_help_panel=TASK
    ),
    task: str | None = typer.Option(
        None,
        "--task",
        help="FILE.py:NAME or a built-in name (rel-f1/driver-dnf)",
        rich_help_panel=TASK,
    ),
    query: str | None = typer.Option(
        None,
        "--query",
        help="the task as a predictive query (see rdl train --help)",
        rich_help_panel=TASK,
    ),
    show_sql: bool = typer.Option(
        False, "--show-sql", help="print the --query's compiled SQL and stop", rich_help_panel=TASK
    ),
    out: str | None = typer.Option(
        None, "--out", help="directory for results.json", rich_help_panel=TASK
    ),
    seed: int = typer.Option(
        0, "--seed", help="seed of the random baseline and LightGBM", rich_help_panel=TRAINING
    ),
    only: str | None = typer.Option(
        None, "--only", help="comma-separated baseline names", rich_help_panel=MODEL
    ),
    protocol: str = typer.Option(
        "relbench", "--protocol", help=_SETTING["protocol"].help_text(), rich_help_panel=PROTOCOL
    ),
    schema: SchemaArgs | None = None,  # given by @schema_options
):
    """Run the non-GNN baselines on a task: print val/test metrics, write results.json."""
    import time

    from rdl.baselines.registry import baseline_names
    from rdl.cli.query import check_task_or_query, task_spec
    from rdl.db import RdlError
    from rdl.train.config import ConfigError

    names = only.split(",") if only else None
    known = baseline_names()
    unknown = [n for n in names or [] if n not in known]
    if unknown:
        raise ConfigError("only", f"option --only: unknown baseline(s) {unknown}; known: {known}")
    if seed < 0:
        raise ConfigError("seed", f"option --seed must be >= 0 (got {seed})")
    check_out_dir(out)
    check_task_or_query(task, query, show_sql)
    if query is None:
        assert task is not None  # checked: exactly one of the two
        check_task(task)
    t0 = time.perf_counter()
    database = open_db(db, schema, task=task if query is None else None)
    task = task_spec(task, query, database, show_sql)

    from rdl.baselines import run_baselines
    from rdl.report import print_results
    from rdl.results import write_results
    from rdl.tasks import load_task

    task_obj = load_task(task, database)
    frames: list = []
    try:
        results = run_baselines(
            database,
            task_obj,
            seed=seed,
            baselines=names,
            protocol=protocol,
            log=lambda msg: console.print(msg, markup=False),
            predictions=frames,
        )
    except ValueError as e:  # the baselines' own checks (a baseline for another task kind)
        if isinstance(e, RdlError):
            raise
        raise ConfigError("only", str(e)) from e
    results.update(
        task=task,
        db=safe_url(database.url),
        total_seconds=time.perf_counter() - t0,
        leakage_suspects=database.leakage,
    )
    print_results(results, console, cli_text)
    print_leakage(database.leakage)
    written = f"; wrote {write_results(results, out)}" if out else ""
    if out:
        from rdl.results import merge_predictions, write_predictions

        write_predictions(merge_predictions(frames), out)
    console.print(f"total {results['total_seconds']:.1f} s{written}", markup=False)
    if out:
        _figures(out)
