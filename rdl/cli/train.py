"""``rdl train``, ``rdl predict`` and ``rdl baseline``."""

from __future__ import annotations

from typing import Optional

import typer

from rdl.cli.app import app, console


#: ``rdl train`` parameter -> (TrainConfig field, conversion of the CLI value)
_FIELDS = {
    "epochs": ("epochs", None), "seed": ("seed", None), "lr": ("lr", None),
    "batch_size": ("batch_size", None), "channels": ("channels", None),
    "num_neighbors": ("num_neighbors", lambda v: [int(x) for x in v.split(",")]),
    "temporal_strategy": ("temporal_strategy", None), "pooling": ("pooling", None),
    "patience": ("patience", None), "no_text": ("text", lambda v: not v),
    "precision": ("precision", None), "max_steps": ("max_steps_per_epoch", None),
    "batch_order": ("batch_order", None), "threads": ("threads", None),
    "group_size": ("entity_group_size", lambda v: v or None), "protocol": ("protocol", None),
    "stale_prob": ("stale_prob", None), "time_reference": ("time_reference", None),
    "stale_val": ("stale_val", None),
    "seed_features": ("seed_features", lambda v: [p for p in v.split(",") if p and p != "none"]),
    "blend": ("blend", None),
}


def config_from_cli(ctx: typer.Context, preset: str | None, config_file: str | None,
                    values: dict):
    """The `TrainConfig` of an ``rdl train`` call: `TrainConfig`'s defaults, or the
    ``--preset``, or the ``--config`` file (`rdl tune`'s ``best_config.json``, a
    ``results.json``'s ``"config"``), with every option given on the command line on top."""
    import json

    from rdl.train import TrainConfig
    from rdl.train.config import preset_config

    if preset and config_file:
        raise typer.BadParameter("give --preset or --config, not both")
    base = {}
    if preset:
        base = preset_config(preset).to_dict()
    elif config_file:
        data = json.loads(open(config_file).read())
        base = TrainConfig.from_dict(data.get("config", data), config_file).to_dict()
    for name, (field, conv) in _FIELDS.items():
        source = ctx.get_parameter_source(name)
        if getattr(source, "name", None) in ("COMMANDLINE", "ENVIRONMENT"):
            base[field] = conv(values[name]) if conv else values[name]
            if field == "num_neighbors":
                base["num_layers"] = len(base[field])
    return TrainConfig.from_dict(base)


@app.command()
def train(
    ctx: typer.Context,
    db: str = typer.Option(..., "--db", help="SQLAlchemy URL or a .duckdb/.sqlite/.db path"),
    task: str = typer.Option(..., "--task", help="FILE.py:NAME or a built-in name (rel-f1/driver-dnf)"),
    epochs: int = typer.Option(10, "--epochs"),
    seed: int = typer.Option(42, "--seed"),
    out: Optional[str] = typer.Option(None, "--out", help="directory for results.json and model.pt"),
    lr: float = typer.Option(0.005, "--lr"),
    batch_size: int = typer.Option(512, "--batch-size"),
    channels: int = typer.Option(128, "--channels"),
    num_neighbors: str = typer.Option("128,64", "--num-neighbors", help="fanout per hop, comma separated"),
    temporal_strategy: str = typer.Option("uniform", "--temporal-strategy", help="uniform | last | mixed (the most recent half of the fanout, the rest uniform among older rows)"),
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
    stale_prob: float = typer.Option(0.0, "--stale-prob", help="probability that a training seed is sampled at a random earlier information cut-off, as stale as the test seeds (relbench protocol)"),
    time_reference: str = typer.Option("seed", "--time-reference", help="seed (ages against the seed time) | cutoff (ages against the information cut-off, staleness as an input)"),
    stale_val: bool = typer.Option(False, "--stale-val/--no-stale-val", help="relbench protocol: select on the stale validation (each val seed cut at a fixed random earlier date, as stale as the test seeds) instead of RelBench's"),
    seed_features: str = typer.Option("aggregates,past_labels", "--seed-features", help="comma-separated: aggregates (time-bounded relational aggregates of the entity), past_labels (its labels known at the cut-off); none: no seed features"),
    blend: bool = typer.Option(True, "--blend/--no-blend", help="also report a GNN + LightGBM blend, weight chosen on validation"),
    preset: Optional[str] = typer.Option(None, "--preset", help="a named configuration: relbench-2024 (rdl's GNN before issue 9's levers)"),
    config_file: Optional[str] = typer.Option(None, "--config", help="a configuration file (rdl tune's best_config.json or a results.json); options given on the command line override it"),
):
    """Train the GNN on a task and print its val/test metrics beside the baselines."""
    from rdl.report import print_results
    from rdl.train import train_task

    config = config_from_cli(ctx, preset, config_file, dict(locals()))
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
