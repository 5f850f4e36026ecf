"""The ``rdl`` command. It parses arguments and prints; the work happens in the library."""

from __future__ import annotations

import json
from collections import Counter
from typing import Optional

import typer
from rich.console import Console
from rich.text import Text

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="rdl: relational deep learning on SQL databases.")
datasets_app = typer.Typer(no_args_is_help=True, help="Build real databases from recipes.")
app.add_typer(datasets_app, name="datasets")
console = Console()
err_console = Console(stderr=True)


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


@app.command()
def train(
    db: str = typer.Option(..., "--db", help="SQLAlchemy URL or a .duckdb/.sqlite/.db path"),
    task: str = typer.Option(..., "--task", help="FILE.py:NAME or a built-in name (rel-f1/driver-dnf)"),
    epochs: int = typer.Option(10, "--epochs"),
    seed: int = typer.Option(42, "--seed"),
    out: Optional[str] = typer.Option(None, "--out", help="directory for results.json and model.pt"),
    lr: float = typer.Option(0.005, "--lr"),
    batch_size: int = typer.Option(512, "--batch-size"),
    channels: int = typer.Option(128, "--channels"),
    num_neighbors: str = typer.Option("128,64", "--num-neighbors", help="fanout per hop, comma separated"),
    temporal_strategy: str = typer.Option("uniform", "--temporal-strategy", help="uniform | last"),
    pooling: str = typer.Option("seed", "--pooling", help="seed | mean | max | attention"),
    patience: Optional[int] = typer.Option(None, "--patience", help="early-stopping patience in epochs"),
    no_text: bool = typer.Option(False, "--no-text", help="drop text columns instead of embedding them"),
    precision: str = typer.Option("auto", "--precision", help="auto | fp32 | bf16 (CPU autocast; auto = bf16 where native)"),
    max_steps: int = typer.Option(2000, "--max-steps-per-epoch"),
    batch_order: str = typer.Option("entity", "--batch-order", help="entity (runs of an entity's seeds batched together) | random (RelBench)"),
    threads: Optional[int] = typer.Option(None, "--threads", help="torch threads (default: torch's, = cores)"),
    group_size: int = typer.Option(8, "--entity-group-size", help="with --batch-order entity: seeds per group (0: whole entity)"),
    no_baselines: bool = typer.Option(False, "--no-baselines", help="skip the baselines"),
    cache_dir: Optional[str] = typer.Option(None, "--cache-dir", help="graph/text cache (default ~/.cache/rdl)"),
    model: str = typer.Option("two-tower", "--model", help="link tasks: two-tower | idgnn"),
):
    """Train the GNN on a task and print its val/test metrics beside the baselines."""
    from rdl.report import print_results
    from rdl.train import TrainConfig, train_task

    fanouts = [int(x) for x in num_neighbors.split(",")]
    config = TrainConfig(epochs=epochs, seed=seed, lr=lr, batch_size=batch_size,
                         channels=channels, num_neighbors=fanouts, num_layers=len(fanouts),
                         temporal_strategy=temporal_strategy, pooling=pooling,
                         patience=patience, text=not no_text, precision=precision,
                         max_steps_per_epoch=max_steps, batch_order=batch_order,
                         threads=threads, entity_group_size=group_size or None)
    results = train_task(db, task, config, out, baselines=not no_baselines, cache_dir=cache_dir,
                         model=model)
    print_results(results, console)
    t = results["timing"]
    console.print(f"graph {t['graph_build_s']:.1f} s{' (cached)' if t['graph_cached'] else ''}, "
                  f"train {t['train_s']:.1f} s ({t['epoch_s']:.1f} s/epoch), "
                  f"total {t['total_s']:.1f} s, peak RSS {results['peak_rss_mb']:.0f} MB"
                  + (f"; wrote {out}/results.json and {out}/model.pt" if out else ""))


@app.command()
def predict(
    model: str = typer.Option(..., "--model", help="directory written by rdl train --out"),
    db: str = typer.Option(..., "--db", help="SQLAlchemy URL or a .duckdb/.sqlite/.db path"),
    at: str = typer.Option(..., "--at", help="prediction time (seed time), e.g. 2010-01-01"),
    out: str = typer.Option(..., "--out", help="output .parquet file"),
    cache_dir: Optional[str] = typer.Option(None, "--cache-dir"),
):
    """Predictions for every entity as of a timestamp (rows dated <= it only)."""
    from rdl.train import predict_at

    df = predict_at(model, db, at, cache_dir=cache_dir)
    df.to_parquet(out, index=False)
    console.print(f"{len(df):,} predictions as of {at} written to {out}")


@app.command()
def baseline(
    db: str = typer.Option(..., "--db", help="SQLAlchemy URL or a .duckdb/.sqlite/.db path"),
    task: str = typer.Option(..., "--task", help="FILE.py:NAME or a built-in name (rel-f1/driver-dnf)"),
    out: Optional[str] = typer.Option(None, "--out", help="directory for results.json"),
    seed: int = typer.Option(0, "--seed", help="seed of the random baseline and LightGBM"),
    only: Optional[str] = typer.Option(None, "--only", help="comma-separated baseline names"),
):
    """Run the non-GNN baselines on a task: print val/test metrics, write results.json."""
    import time

    from rdl.baselines import run_baselines
    from rdl.db import connect
    from rdl.db.write import normalize_url
    from rdl.report import print_results, write_results
    from rdl.tasks import load_task

    t0 = time.perf_counter()
    url = normalize_url(db)
    database = connect(url)
    results = run_baselines(database, load_task(task, database), seed=seed,
                            baselines=only.split(",") if only else None,
                            log=lambda msg: console.print(msg, markup=False))
    results.update(task=task, db=url, total_seconds=time.perf_counter() - t0)
    print_results(results, console)
    written = f"; wrote {write_results(results, out)}" if out else ""
    console.print(f"total {results['total_seconds']:.1f} s{written}", markup=False)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
