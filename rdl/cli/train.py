"""``rdl train``, ``rdl predict`` and ``rdl baseline``."""

from __future__ import annotations

from typing import Optional

import typer

from rdl.cli.app import app, console, err_console


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
    protocol: str = typer.Option("relbench", "--protocol", help="relbench (every model input cut at the test timestamp, as RelBench; default) | rolling (each seed sees every row dated <= its seed time)"),
    model: Optional[str] = typer.Option(None, "--model", help="entity tasks: gnn (default); link tasks: two-tower (default) | idgnn"),
    init: Optional[str] = typer.Option(None, "--init", help="start the backbone from a pretrained one: a directory written by rdl pretrain --out"),
):
    """Train the GNN on a task and print its val/test metrics beside the baselines."""
    from rdl.report import print_results
    from rdl.train import TrainConfig, train_task
    from rdl.train.init import InitError

    fanouts = [int(x) for x in num_neighbors.split(",")]
    config = TrainConfig(epochs=epochs, seed=seed, lr=lr, batch_size=batch_size,
                         channels=channels, num_neighbors=fanouts, num_layers=len(fanouts),
                         temporal_strategy=temporal_strategy, pooling=pooling,
                         patience=patience, text=not no_text, precision=precision,
                         max_steps_per_epoch=max_steps, batch_order=batch_order,
                         threads=threads, entity_group_size=group_size or None,
                         protocol=protocol, init=init)
    try:
        results = train_task(db, task, config, out, baselines=not no_baselines,
                             cache_dir=cache_dir, model=model)
    except (InitError, FileNotFoundError) as e:  # --init: one paragraph says what to do
        err_console.print(f"error: {e}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)
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
    protocol: str = typer.Option("relbench", "--protocol", help="relbench (inputs cut at the test timestamp; default) | rolling"),
):
    """Run the non-GNN baselines on a task: print val/test metrics, write results.json."""
    import time

    from rdl.baselines import run_baselines
    from rdl.db import connect
    from rdl.db.write import normalize_url
    from rdl.report import print_results
    from rdl.results import write_results
    from rdl.tasks import load_task

    t0 = time.perf_counter()
    url = normalize_url(db)
    database = connect(url)
    results = run_baselines(database, load_task(task, database), seed=seed,
                            baselines=only.split(",") if only else None, protocol=protocol,
                            log=lambda msg: console.print(msg, markup=False))
    results.update(task=task, db=url, total_seconds=time.perf_counter() - t0)
    print_results(results, console)
    written = f"; wrote {write_results(results, out)}" if out else ""
    console.print(f"total {results['total_seconds']:.1f} s{written}", markup=False)
