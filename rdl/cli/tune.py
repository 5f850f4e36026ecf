"""``rdl tune``: hyperparameter search within a time budget (`rdl.train.tune`)."""

from __future__ import annotations

from typing import Optional

import typer

from rdl.cli.app import app, console


@app.command()
def tune(
    db: str = typer.Option(..., "--db", help="SQLAlchemy URL or a .duckdb/.sqlite/.db path"),
    task: str = typer.Option(..., "--task", help="FILE.py:NAME or a built-in name (rel-f1/driver-dnf)"),
    budget: float = typer.Option(..., "--budget", help="wall-clock budget in seconds"),
    out: str = typer.Option(..., "--out", help="directory for best_config.json, trials.csv and study.json"),
    trials: Optional[int] = typer.Option(None, "--trials", help="at most this many trials"),
    protocol: str = typer.Option("relbench", "--protocol", help="relbench | rolling"),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="epochs per trial (default: rdl train's)"),
    seed: int = typer.Option(42, "--seed", help="seed of every trial's training"),
    sampler_seed: int = typer.Option(0, "--sampler-seed", help="seed of the TPE sampler"),
    threads: Optional[int] = typer.Option(None, "--threads", help="torch threads"),
    config_file: Optional[str] = typer.Option(None, "--config", help="base configuration file (default: rdl train's defaults)"),
    cache_dir: Optional[str] = typer.Option(None, "--cache-dir"),
):
    """Search the GNN's hyperparameters on the validation split within a time budget;
    write the best configuration (use it with `rdl train --config OUT/best_config.json`)
    and a table of the trials."""
    import json

    from rdl.train import TrainConfig
    from rdl.train.tune import tune as run_tune

    base = TrainConfig()
    if config_file:
        with open(config_file) as f:
            data = json.load(f)
        base = TrainConfig.from_dict(data.get("config", data), config_file)
    changes = {"protocol": protocol, "seed": seed, "threads": threads}
    if epochs is not None:
        changes["epochs"] = epochs
    base = TrainConfig.from_dict({**base.to_dict(), **changes})
    result = run_tune(db, task, budget, trials=trials, base=base, out_dir=out,
                      cache_dir=cache_dir, seed=sampler_seed)
    console.print(result.trials.to_string(index=False), markup=False)
    best = "none finished" if result.best_value is None else f"{result.best_value:.4f}"
    console.print(f"best val {result.metric}: {best} after {len(result.trials)} trial(s) in "
                  f"{result.seconds:.0f} s (budget {budget:.0f} s); wrote {out}/best_config.json "
                  f"(rdl train --config {out}/best_config.json)", markup=False)
