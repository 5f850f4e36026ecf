"""``rdl predict``: a trained model's predictions as of a time, written to a file or a
database table (`rdl.serve`). Split from `rdl.cli.train`, whose checks it uses."""

from __future__ import annotations

import typer

from rdl.cli.app import app, console
from rdl.cli.schema_options import SchemaArgs, open_db, schema_options
from rdl.cli.train import check_out_dir
from rdl.config.option import DATA, MODEL, TASK


@app.command()
@schema_options
def predict(
    model: str = typer.Option(
        ..., "--model", help="directory written by rdl train --out", rich_help_panel=TASK
    ),
    db: str = typer.Option(
        ..., "--db", help="SQLAlchemy URL or a .duckdb/.sqlite/.db path", rich_help_panel=TASK
    ),
    at: str = typer.Option(
        ..., "--at", help="prediction time (seed time), e.g. 2010-01-01", rich_help_panel=TASK
    ),
    out: str = typer.Option(
        ...,
        "--out",
        help="a .parquet / .csv file, or a database (URL or .duckdb/.sqlite/.db path) to write "
        "a table into",
        rich_help_panel=TASK,
    ),
    table: str = typer.Option(
        "predictions", "--table", help="table name when --out is a database", rich_help_panel=DATA
    ),
    replace: bool = typer.Option(
        False, "--replace", help="overwrite an existing table / file", rich_help_panel=DATA
    ),
    allow_write_source: bool = typer.Option(
        False,
        "--allow-write-source",
        help="allow --out to be the database given to --db",
        rich_help_panel=DATA,
    ),
    top_k: int | None = typer.Option(
        None,
        "--top-k",
        help="link models: destinations per source (default: the task's eval_k)",
        rich_help_panel=MODEL,
    ),
    model_name: str | None = typer.Option(
        None,
        "--model-name",
        help="value of the model column (default: MODEL_KIND:TASK)",
        rich_help_panel=MODEL,
    ),
    task: str | None = typer.Option(
        None,
        "--task",
        help="link models: the task, when the model's own (trained from Python) cannot be "
        "loaded by name",
        rich_help_panel=TASK,
    ),
    cache_dir: str | None = typer.Option(None, "--cache-dir", rich_help_panel=DATA),
    schema: SchemaArgs | None = None,  # given by @schema_options
):
    """Predictions for every entity as of a timestamp (rows dated <= it only), written to a
    file or a database table [entity key, timestamp, prediction, model, created_at]; link
    models: the top-k destinations per source, one row per (source, rank). The database is
    read with the schema the model was trained with (stored in model.pt); schema options
    given here change it."""
    import pandas as pd

    from rdl.cli.errors import CliError
    from rdl.db import RdlError
    from rdl.db.write import normalize_url
    from rdl.train.config import ConfigError

    try:
        when = pd.Timestamp(at)
    except (TypeError, ValueError):
        when = None
    if when is None or pd.isna(when):
        raise ConfigError(
            "at",
            f"option --at {at!r} is not a time; write e.g. --at 2010-01-01 "
            "or --at '2010-01-01 12:00'",
        )
    from rdl.serve import predict_at
    from rdl.serve.writeback import check_target, with_provenance, write_predictions_to
    from rdl.train.checkpoint import load_checkpoint

    if "://" not in out:  # a file or a database file: its folder must exist
        check_out_dir(out, "--out", file=True)
    source = normalize_url(db)
    try:
        check_target(
            out,
            source_url=source,
            table=table,
            replace=replace,
            allow_write_source=allow_write_source,
        )  # before the work is done
    except ValueError as e:
        if isinstance(e, RdlError):
            raise
        raise CliError(str(e)) from e
    ckpt = load_checkpoint(model)
    database = open_with_model_schema(db, schema, ckpt, model)
    name = model_name or f"{ckpt.get('model', 'gnn')}:{ckpt['task_spec']}"
    try:
        df = with_provenance(
            predict_at(model, database, when, cache_dir=cache_dir, top_k=top_k, task=task), name
        )
        what = write_predictions_to(
            df,
            out,
            source_url=source,
            table=table,
            replace=replace,
            allow_write_source=allow_write_source,
        )
    except ValueError as e:
        if isinstance(e, RdlError):
            raise
        raise CliError(str(e)) from e
    console.print(f"predictions as of {at}: {what}", markup=False)


def open_with_model_schema(db: str, schema, ckpt: dict, model: str):
    """Open ``db`` with the schema saved in the checkpoint (then the flags). A database
    that lacks the tables the model was trained on is told so — not about an
    ``--include`` the user never passed."""
    from rdl.db.errors import SchemaError

    try:
        return open_db(db, schema, base=ckpt.get("schema"))
    except SchemaError as e:
        given = (schema or SchemaArgs()).flags.get("include") if schema is not None else None
        saved = (ckpt.get("schema") or {}).get("include")
        if given or not saved or "names tables" not in str(e):
            raise
        raise SchemaError(
            f"the model in {model} was trained on a database with the tables {saved} (its "
            f"schema is saved in model.pt), and this database does not have all of them "
            f"({e}). Predict on the database the model was trained on, or train a model on "
            "this one."
        ) from None
