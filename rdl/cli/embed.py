"""``rdl embed``: row embeddings as of a time, for downstream models."""

from __future__ import annotations

import typer

from rdl.cli.app import app, console


@app.command()
def embed(
    model: str = typer.Option(
        ...,
        "--model",
        help="directory written by rdl pretrain --out (backbone.pt) or rdl train --out (model.pt)",
    ),
    db: str = typer.Option(..., "--db", help="SQLAlchemy URL or a .duckdb/.sqlite/.db path"),
    at: str = typer.Option(
        ...,
        "--at",
        help="time of the embeddings (only rows dated <= it are used); several: comma separated",
    ),
    out: str = typer.Option(
        ...,
        "--out",
        help="FILE.parquet, or a database URL / .duckdb / .sqlite path (never the --db database)",
    ),
    table: str | None = typer.Option(
        None, "--table", help="table whose rows to embed (default: the model's entity table)"
    ),
    out_table: str | None = typer.Option(
        None, "--out-table", help="with a database --out: table name (default: embeddings_<table>)"
    ),
    replace: bool = typer.Option(
        False, "--replace", help="with a database --out: overwrite an existing table"
    ),
    cache_dir: str | None = typer.Option(None, "--cache-dir"),
):
    """One vector per row of a table as of a time: columns [key, timestamp, e_0 ... e_{C-1}]."""
    from rdl.pretrain.embed import Embedder, write_embeddings

    embedder = Embedder(model, db, cache_dir=cache_dir)
    name = table or embedder.default_table
    stamps = [s.strip() for s in at.split(",") if s.strip()]
    df = embedder.at(stamps if len(stamps) > 1 else stamps[0], name)
    where = write_embeddings(
        df, out, source=embedder.url, table=out_table or f"embeddings_{name}", replace=replace
    )
    console.print(
        f"{len(df):,} rows of {name!r} as of {at}, {embedder.channels} dimensions "
        f"({embedder.kind} {model}) written to {where}",
        markup=False,
        soft_wrap=True,
    )
