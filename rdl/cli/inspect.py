"""``rdl inspect``: what rdl reads from a database."""

from __future__ import annotations

import json
from collections import Counter

import typer
from rich.text import Text

from rdl.cli.app import app, console
from rdl.cli.errors import cli_text
from rdl.cli.schema_options import SchemaArgs, open_db, schema_options
from rdl.db.sources import safe_url


@app.command()
@schema_options
def inspect(
    url: str = typer.Argument(..., help="SQLAlchemy URL or a .duckdb/.sqlite/.db path"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    write_schema: str | None = typer.Option(
        None,
        "--write-schema",
        help="write every choice rdl made to this TOML file, to edit and pass back with --schema",
    ),
    schema: SchemaArgs | None = None,  # given by @schema_options
):
    """Tables, keys (declared, inferred, near misses), time columns, stypes, leakage
    suspects and validation problems."""
    from rdl.cli.train import check_out_dir
    from rdl.db.describe import describe

    check_out_dir(write_schema, "--write-schema", file=True)
    db = open_db(url, schema)
    info = describe(db)
    if write_schema:
        from rdl.db.schema_write import write_schema as write

        path = write(db, write_schema)
        console.print(
            f"wrote {path}: edit it and pass it back with --schema {path}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if as_json:
        print(json.dumps(info, indent=2, default=str))
        return
    _print_inspect(url, info)


def _line(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _print_inspect(url: str, info: dict) -> None:
    """One block per table (fits any terminal width), then keys, suspects and problems."""
    tables = info["tables"]
    total = sum(ti["num_rows"] for ti in tables.values())
    console.print(
        Text(f"{safe_url(url)}: {len(tables)} tables, {total:,} rows", style="bold"), soft_wrap=True
    )
    for name, ti in tables.items():
        console.print()
        console.print(Text(name, style="bold") + Text(f"  {ti['num_rows']:,} rows"), soft_wrap=True)
        rows = [("primary key", ti["pkey"] or "none (rows addressed by position)")]
        if ti["time_col"]:
            rng = ti["time_range"]
            rows.append(
                (
                    "time column",
                    ti["time_col"] + (f", {rng[0][:10]} .. {rng[1][:10]}" if rng else ", no rows"),
                )
            )
        else:
            rows.append(("time column", "none (static: rows always visible)"))
        fks = [
            f"{c} -> {tgt}" + (" (inferred)" if c in ti["inferred_fkeys"] else "")
            for c, tgt in ti["fkeys"].items()
        ]
        rows.append(("foreign keys", ", ".join(fks) or "none"))
        groups: dict[str, list[str]] = {}
        for c, st in ti["stypes"].items():
            groups.setdefault(st, []).append(c)
        rows.append(
            (
                "features",
                "; ".join(f"{st}: {', '.join(cols)}" for st, cols in groups.items()) or "none",
            )
        )
        for label, value in rows:
            _line(f"  {label:<14}{value}")
    console.print()
    if info["inferred_fkeys"]:
        console.print("inferred foreign keys (not declared in the catalog):", style="bold")
    for ev in info["inferred_fkeys"]:
        _line(
            f"  {ev['table']}.{ev['column']} -> {ev['target']}.{ev['target_key']}"
            f" ({ev['rule']}; {ev['coverage']:.1%} of {ev['non_null']:,} values found"
            + (f", {ev['dangling']:,} dangling" if ev.get("dangling") else "")
            + ")"
            + ("" if ev.get("applied") else "; not applied (--no-infer-fkeys)")
        )
    if info["rejected_fkeys"]:
        console.print(
            "near misses (not foreign keys; --fkey TABLE.COLUMN=TARGET makes one):", style="bold"
        )
    for ev in info["rejected_fkeys"]:
        _line(
            f"  {ev['table']}.{ev['column']} -> {ev['target']}.{ev['target_key']}: {ev['reason']}"
        )
    if info["leakage_suspects"]:
        console.print("leakage suspects (may show a seed the future):", style="bold")
    for s in info["leakage_suspects"]:
        where = s["table"] + (f".{s['column']}" if s.get("column") else "")
        _line(
            f"  {where} [{s['kind']}]: {cli_text(s['reason'])}"
            + (f" -> {cli_text(s['fix'])}" if s.get("fix") else "")
        )
    counts = Counter(p["level"] for p in info["problems"])
    console.print(
        f"problems: {counts['error']} errors, {counts['warning']} warnings, {counts['note']} notes",
        style="bold",
    )
    order = {"error": 0, "warning": 1, "note": 2}
    for p in sorted(info["problems"], key=lambda p: order.get(p["level"], 3)):
        where = p["table"] + (f".{p['column']}" if p["column"] else "")
        _line(f"  [{p['level']}] {where}: {cli_text(p['message'])}")
