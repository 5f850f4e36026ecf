"""``rdl report``: one self-contained HTML page from run directories."""

from __future__ import annotations

import typer

from rdl.cli.app import app, console


@app.command()
def report(
    run_dirs: list[str] = typer.Argument(
        ..., help="run directories written by rdl train / rdl baseline --out"
    ),
    out: str = typer.Option("report.html", "--out", help="the HTML file to write"),
    title: str | None = typer.Option(None, "--title", help="page title (default: the tasks)"),
):
    """One HTML page (figures embedded, no other files needed): configuration, protocol,
    split sizes, metrics of every model and baseline, figures, timing and memory. Several
    run directories give one comparison page."""
    from rdl.report.html import write_report

    path = write_report(run_dirs, out, title)  # errors: one paragraph (`rdl.cli.app.RdlGroup`)
    console.print(
        f"wrote {path} ({path.stat().st_size / 1024:.0f} KB, "
        f"{len(run_dirs)} run{'s' if len(run_dirs) > 1 else ''})",
        markup=False,
    )
