"""``rdl inspect``: what rdl reads from a database."""

from __future__ import annotations

import json
from collections import Counter

import typer
from rich.text import Text

from rdl.cli.app import app, console, err_console


@app.command()
def inspect(
    url: str = typer.Argument(..., help="SQLAlchemy URL or a .duckdb/.sqlite/.db path"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    no_infer: bool = typer.Option(False, "--no-infer-fkeys", help="list, but do not apply, inferred foreign keys"),
):
    """Tables, keys (declared vs inferred), time columns, stypes and validation problems."""
    from rdl.db import RdlError, connect
    from rdl.db.describe import describe
    from rdl.db.write import normalize_url

    try:
        db = connect(normalize_url(url), infer_foreign_keys=not no_infer)
    except (RdlError, FileNotFoundError) as e:  # bad input: the message says what to do
        err_console.print(f"error: {e}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    info = describe(db)
    if as_json:
        print(json.dumps(info, indent=2, default=str))
        return
    _print_inspect(url, info)


def _print_inspect(url: str, info: dict) -> None:
    """One block per table (fits any terminal width), then inferred keys and problems."""
    tables = info["tables"]
    total = sum(ti["num_rows"] for ti in tables.values())
    console.print(Text(f"{url}: {len(tables)} tables, {total:,} rows", style="bold"),
                  soft_wrap=True)
    for name, ti in tables.items():
        console.print()
        console.print(Text(name, style="bold") + Text(f"  {ti['num_rows']:,} rows"),
                      soft_wrap=True)
        rows = [("primary key", ti["pkey"] or "none (rows addressed by position)")]
        if ti["time_col"]:
            rng = ti["time_range"]
            rows.append(("time column", ti["time_col"] + (
                f", {rng[0][:10]} .. {rng[1][:10]}" if rng else ", no rows")))
        else:
            rows.append(("time column", "none (static: rows always visible)"))
        fks = [f"{c} -> {tgt}" + (" (inferred)" if c in ti["inferred_fkeys"] else "")
               for c, tgt in ti["fkeys"].items()]
        rows.append(("foreign keys", ", ".join(fks) or "none"))
        groups: dict[str, list[str]] = {}
        for c, st in ti["stypes"].items():
            groups.setdefault(st, []).append(c)
        rows.append(("features", "; ".join(
            f"{st}: {', '.join(cols)}" for st, cols in groups.items()) or "none"))
        for label, value in rows:
            console.print(f"  {label:<14}{value}", markup=False, highlight=False, soft_wrap=True)
    console.print()
    if info["inferred_fkeys"]:
        console.print("inferred foreign keys (not declared in the catalog):", style="bold")
    for ev in info["inferred_fkeys"]:
        console.print(
            f"  {ev['table']}.{ev['column']} -> {ev['target']}.{ev['target_pkey']}"
            f" ({ev['rule']}; {ev['coverage']:.1%} of {ev['non_null']:,} values found)"
            + ("" if ev.get("applied") else "; not applied (--no-infer-fkeys)"),
            markup=False, highlight=False, soft_wrap=True,
        )
    counts = Counter(p["level"] for p in info["problems"])
    console.print(f"problems: {counts['error']} errors, {counts['warning']} warnings, "
                  f"{counts['note']} notes", style="bold")
    order = {"error": 0, "warning": 1, "note": 2}
    for p in sorted(info["problems"], key=lambda p: order.get(p["level"], 3)):
        where = p["table"] + (f".{p['column']}" if p["column"] else "")
        console.print(f"  [{p['level']}] {where}: {p['message']}", markup=False,
                      highlight=False, soft_wrap=True)
