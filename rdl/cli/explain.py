"""``rdl explain``: why a trained entity model predicts what it does."""

from __future__ import annotations

from pathlib import Path

import typer

from rdl.cli.app import app, console, err_console


@app.command()
def explain(
    model: str = typer.Option(..., "--model", help="directory written by rdl train --out"),
    db: str = typer.Option(..., "--db", help="SQLAlchemy URL or a .duckdb/.sqlite/.db path"),
    entity: str | None = typer.Option(
        None, "--entity", help="primary key of the entity to explain"
    ),
    at: str | None = typer.Option(
        None, "--at", help="seed time of the prediction, e.g. 2010-01-01"
    ),
    global_: bool = typer.Option(
        False, "--global", help="table importance averaged over a split instead"
    ),
    split: str = typer.Option("val", "--split", help="with --global: val | test | train"),
    max_seeds: int = typer.Option(
        1000, "--max-seeds", help="with --global: seeds drawn from the split"
    ),
    task: str | None = typer.Option(
        None, "--task", help="with --global: the task (default: the model's own)"
    ),
    method: str = typer.Option(
        "grad_x_input",
        "--method",
        help="grad_x_input | attention (models with --pooling attention)",
    ),
    top: int = typer.Option(10, "--top", help="rows of the subgraph to list"),
    out: str | None = typer.Option(None, "--out", help="PNG file (default: MODEL/explain-....png)"),
    cache_dir: str | None = typer.Option(None, "--cache-dir"),
):
    """Contribution of each table and of the top rows of the sampled subgraph to one
    prediction (--entity KEY --at TIME), or table importance over a split (--global);
    printed as tables and saved as a PNG."""
    from rdl.report.explain import (
        explanation_tables,
        global_table,
        plot_explanation,
        plot_global_explanation,
    )
    from rdl.report.figures import png_bytes
    from rdl.serve.explain import Explanation, explain_prediction
    from rdl.serve.explain_global import GlobalExplanation, explain_global

    if not global_ and (entity is None or at is None):
        err_console.print(
            "error: give --entity KEY and --at TIMESTAMP to explain one "
            "prediction, or --global for table importance over a split",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    expl: Explanation | GlobalExplanation
    if global_:  # errors: one paragraph, as for every command (`rdl.cli.app.RdlGroup`)
        expl = explain_global(
            model,
            db,
            split=split,
            method=method,
            max_seeds=max_seeds,
            task=task,
            cache_dir=cache_dir,
        )
        tables, fig = [global_table(expl)], plot_global_explanation(expl)
        default = f"explain-global-{split}.png"
    else:
        expl = explain_prediction(
            model, db, entity, at, method=method, top=top, cache_dir=cache_dir
        )
        tables, fig = explanation_tables(expl), plot_explanation(expl)
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in f"{entity}-{at}")
        default = f"explain-{safe}.png"
    for table in tables:
        console.print(table)
    path = Path(out) if out else Path(model) / default
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(fig))
    console.print(f"wrote {path}", markup=False)
