"""The ``rdl`` command. It parses arguments and prints; the work happens in the library."""

from __future__ import annotations

import json
from collections import Counter
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table as RichTable

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="rdl: relational deep learning on SQL databases.")
datasets_app = typer.Typer(no_args_is_help=True, help="Build real databases from recipes.")
app.add_typer(datasets_app, name="datasets")
console = Console()


@app.command()
def inspect(
    url: str = typer.Argument(..., help="SQLAlchemy URL or a .duckdb/.sqlite/.db path"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    no_infer: bool = typer.Option(False, "--no-infer-fkeys", help="list, but do not apply, inferred foreign keys"),
):
    """Tables, keys (declared vs inferred), time columns, stypes and validation problems."""
    from rdl.db import connect
    from rdl.db.describe import describe
    from rdl.db.write import normalize_url

    db = connect(normalize_url(url), infer_foreign_keys=not no_infer)
    info = describe(db)
    if as_json:
        print(json.dumps(info, indent=2, default=str))
        return
    t = RichTable(title=f"{url}: {len(db)} tables")
    for col in ["table", "rows", "pkey", "foreign keys", "time column", "time range", "stypes"]:
        t.add_column(col, overflow="fold")
    for name, ti in info["tables"].items():
        fks = ", ".join(
            f"{c}->{tgt}" + (" (inferred)" if c in ti["inferred_fkeys"] else "")
            for c, tgt in ti["fkeys"].items()
        )
        rng = " .. ".join(x[:10] for x in ti["time_range"]) if ti["time_range"] else ""
        counts = Counter(ti["stypes"].values())
        st = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        t.add_row(name, f"{ti['num_rows']:,}", str(ti["pkey"]), fks, str(ti["time_col"] or ""), rng, st)
    console.print(t)
    console.print("stypes per table: " + "; ".join(
        f"{n}: " + ", ".join(f"{c}={s}" for c, s in ti["stypes"].items())
        for n, ti in info["tables"].items()), markup=False)
    for ev in info["inferred_fkeys"]:
        console.print(
            f"inferred foreign key {ev['table']}.{ev['column']} -> {ev['target']}.{ev['target_pkey']}"
            f" ({ev['rule']}; {ev['coverage']:.1%} of {ev['non_null']:,} values found)"
            + ("" if ev.get("applied") else " (not applied)"), markup=False
        )
    for p in info["problems"]:
        where = p["table"] + (f".{p['column']}" if p["column"] else "")
        console.print(f"[{p['level']}] {where}: {p['message']}", markup=False)


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

    t0 = time.perf_counter()
    recipe = load_recipe(name)
    db = recipe.build_database(cut=None) if full else recipe.build_database()
    target = out if ("://" in out or "." in out.rsplit("/", 1)[-1]) else out + ".duckdb"
    url = normalize_url(target)
    to_url(db, url, constraints=not no_constraints, replace=replace)
    console.print(f"{name}: {len(db)} tables, {sum(len(t) for t in db.values()):,} rows "
                  f"written to {url} in {time.perf_counter() - t0:.1f} s")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
