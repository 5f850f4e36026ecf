"""``rdl train``, ``rdl predict`` and ``rdl baseline``."""

from __future__ import annotations

from typing import Optional

import typer

from rdl.cli.app import app, console, err_console


@app.command()
def train(
    db: str = typer.Option(..., "--db", help="SQLAlchemy URL or a .duckdb/.sqlite/.db path"),
    task: Optional[str] = typer.Option(None, "--task", help="FILE.py:NAME or a built-in name (rel-f1/driver-dnf)"),
    query: Optional[str] = typer.Option(None, "--query", help='the task as a predictive query: "PREDICT AGG(table..., 0, 30 days) [> 0] FOR EACH table"'),
    show_sql: bool = typer.Option(False, "--show-sql", help="print the --query's compiled SQL and stop"),
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
    protocol: str = typer.Option("relbench", "--protocol", help="relbench (every model input cut at the test timestamp, as RelBench; default) | rolling (each seed sees every row dated <= its seed time)"),
    model: Optional[str] = typer.Option(None, "--model", help="entity tasks: gnn (default); link tasks: two-tower (default) | idgnn"),
):
    """Train the GNN on a task and print its val/test metrics beside the baselines."""
    from rdl.cli.query import task_spec
    from rdl.report import print_results
    from rdl.train import TrainConfig, train_task

    task = task_spec(task, query, db, show_sql)
    fanouts = [int(x) for x in num_neighbors.split(",")]
    config = TrainConfig(epochs=epochs, seed=seed, lr=lr, batch_size=batch_size,
                         channels=channels, num_neighbors=fanouts, num_layers=len(fanouts),
                         temporal_strategy=temporal_strategy, pooling=pooling,
                         patience=patience, text=not no_text, precision=precision,
                         max_steps_per_epoch=max_steps, batch_order=batch_order,
                         threads=threads, entity_group_size=group_size or None,
                         protocol=protocol)
    results = train_task(db, task, config, out, baselines=not no_baselines, cache_dir=cache_dir,
                         model=model)
    print_results(results, console)
    t = results["timing"]
    console.print(f"graph {t['graph_build_s']:.1f} s{' (cached)' if t['graph_cached'] else ''}, "
                  f"train {t['train_s']:.1f} s ({t['epoch_s']:.1f} s/epoch), "
                  f"total {t['total_s']:.1f} s, peak RSS {results['peak_rss_mb']:.0f} MB"
                  + (f"; wrote {out}/results.json and {out}/model.pt" if out else ""))
    if out:
        _figures(out)


def _figures(out: str) -> None:
    """Draw the run's figures into ``out`` (rdl.report) and say where they went."""
    from rdl.report.figures import write_figures

    paths = write_figures(out)
    if paths:
        console.print(f"figures: {', '.join(p.name for p in paths)} in {out}; "
                      f"`rdl report {out}` makes an HTML page", markup=False)


@app.command()
def predict(
    model: str = typer.Option(..., "--model", help="directory written by rdl train --out"),
    db: str = typer.Option(..., "--db", help="SQLAlchemy URL or a .duckdb/.sqlite/.db path"),
    at: str = typer.Option(..., "--at", help="prediction time (seed time), e.g. 2010-01-01"),
    out: str = typer.Option(..., "--out", help="a .parquet / .csv file, or a database (URL or .duckdb/.sqlite/.db path) to write a table into"),
    table: str = typer.Option("predictions", "--table", help="table name when --out is a database"),
    replace: bool = typer.Option(False, "--replace", help="overwrite an existing table / file"),
    allow_write_source: bool = typer.Option(False, "--allow-write-source", help="allow --out to be the database given to --db"),
    top_k: Optional[int] = typer.Option(None, "--top-k", help="link models: destinations per source (default: the task's eval_k)"),
    model_name: Optional[str] = typer.Option(None, "--model-name", help="value of the model column (default: MODEL_KIND:TASK)"),
    task: Optional[str] = typer.Option(None, "--task", help="link models: the task, when the model's own (trained from Python) cannot be loaded by name"),
    cache_dir: Optional[str] = typer.Option(None, "--cache-dir"),
):
    """Predictions for every entity as of a timestamp (rows dated <= it only), written to a
    file or a database table [entity key, timestamp, prediction, model, created_at]; link
    models: the top-k destinations per source, one row per (source, rank)."""
    from rdl.db import RdlError
    from rdl.db.write import normalize_url
    from rdl.train import predict_at
    from rdl.train.checkpoint import load_checkpoint
    from rdl.train.writeback import check_target, with_provenance, write_predictions_to

    try:
        source = normalize_url(db)
        check_target(out, source_url=source, table=table, replace=replace,
                     allow_write_source=allow_write_source)  # before the work is done
        ckpt = load_checkpoint(model)
        name = model_name or f"{ckpt.get('model', 'gnn')}:{ckpt['task_spec']}"
        df = with_provenance(predict_at(model, db, at, cache_dir=cache_dir, top_k=top_k,
                                            task=task), name)
        what = write_predictions_to(df, out, source_url=source, table=table, replace=replace,
                                    allow_write_source=allow_write_source)
    except (RdlError, FileNotFoundError, ValueError) as e:
        err_console.print(f"error: {e}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"predictions as of {at}: {what}", markup=False)


@app.command()
def baseline(
    db: str = typer.Option(..., "--db", help="SQLAlchemy URL or a .duckdb/.sqlite/.db path"),
    task: Optional[str] = typer.Option(None, "--task", help="FILE.py:NAME or a built-in name (rel-f1/driver-dnf)"),
    query: Optional[str] = typer.Option(None, "--query", help="the task as a predictive query (see rdl train --help)"),
    show_sql: bool = typer.Option(False, "--show-sql", help="print the --query's compiled SQL and stop"),
    out: Optional[str] = typer.Option(None, "--out", help="directory for results.json"),
    seed: int = typer.Option(0, "--seed", help="seed of the random baseline and LightGBM"),
    only: Optional[str] = typer.Option(None, "--only", help="comma-separated baseline names"),
    protocol: str = typer.Option("relbench", "--protocol", help="relbench (inputs cut at the test timestamp; default) | rolling"),
):
    """Run the non-GNN baselines on a task: print val/test metrics, write results.json."""
    import time

    from rdl.baselines import run_baselines
    from rdl.cli.query import task_spec
    from rdl.db import connect
    from rdl.db.write import normalize_url
    from rdl.report import print_results
    from rdl.results import write_results
    from rdl.tasks import load_task

    task = task_spec(task, query, db, show_sql)
    t0 = time.perf_counter()
    url = normalize_url(db)
    database = connect(url)
    frames: list = []
    results = run_baselines(database, load_task(task, database), seed=seed,
                            baselines=only.split(",") if only else None, protocol=protocol,
                            log=lambda msg: console.print(msg, markup=False), predictions=frames)
    results.update(task=task, db=url, total_seconds=time.perf_counter() - t0)
    print_results(results, console)
    written = f"; wrote {write_results(results, out)}" if out else ""
    if out:
        from rdl.results import merge_predictions, write_predictions

        write_predictions(merge_predictions(frames), out)
    console.print(f"total {results['total_seconds']:.1f} s{written}", markup=False)
    if out:
        _figures(out)
