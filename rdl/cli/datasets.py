"""``rdl datasets build``: real databases from recipes."""

from __future__ import annotations

import typer

from rdl.cli.app import console, datasets_app


@datasets_app.command("build")
def datasets_build(
    name: str = typer.Argument(..., help="recipe name, e.g. rel-f1"),
    out: str = typer.Option(..., "--out", help="target: .duckdb (default kind), .sqlite/.db path or SQLAlchemy URL"),
    full: bool = typer.Option(False, "--full", help="keep every row (no snapshot cut)"),
    no_constraints: bool = typer.Option(False, "--no-constraints", help="declare no PRIMARY/FOREIGN KEY constraints"),
    replace: bool = typer.Option(False, "--replace", help="replace tables that exist at the target"),
):
    """Build a real database from a recipe in datasets/ and write it with key constraints."""
    import time

    from rdl.db.write import normalize_url, to_url
    from rdl.project import load_recipe

    from rdl.cli.errors import CliError

    t0 = time.perf_counter()
    try:
        recipe = load_recipe(name)
    except KeyError as e:  # the message lists the known recipes
        raise CliError(e.args[0]) from None
    db = recipe.build_database(cut=None) if full else recipe.build_database()
    target = out if ("://" in out or "." in out.rsplit("/", 1)[-1]) else out + ".duckdb"
    url = normalize_url(target)
    to_url(db, url, constraints=not no_constraints, replace=replace)
    console.print(f"{name}: {len(db)} tables, {sum(len(t) for t in db.values()):,} rows "
                  f"written to {url} in {time.perf_counter() - t0:.1f} s")
