"""``rdl tune``: hyperparameter search within a time budget (`rdl.train.tune`)."""

from __future__ import annotations

import typer

from rdl.cli.app import app, console
from rdl.cli.config_options import Settings, config_options
from rdl.config.option import DATA, PROTOCOL, TASK, TRAINING


@app.command()
@config_options(
    "tune",
    helps={
        "epochs": "epochs per trial (default: rdl train's)",
        "seed": "seed of every trial's training (applied over --config)",
        "protocol": "relbench | rolling (applied over --config)",
        "threads": "torch threads (applied over --config)",
    },
)
def tune(
    db: str = typer.Option(
        ..., "--db", help="SQLAlchemy URL or a .duckdb/.sqlite/.db path", rich_help_panel=TASK
    ),
    task: str = typer.Option(
        ...,
        "--task",
        help="FILE.py:NAME or a built-in name (rel-f1/driver-dnf)",
        rich_help_panel=TASK,
    ),
    budget: float = typer.Option(
        ..., "--budget", help="wall-clock budget in seconds", rich_help_panel=TASK
    ),
    out: str = typer.Option(
        ...,
        "--out",
        help="directory for best_config.json, trials.csv and study.json",
        rich_help_panel=TASK,
    ),
    trials: int | None = typer.Option(
        None, "--trials", help="at most this many trials", rich_help_panel=TRAINING
    ),
    sampler_seed: int = typer.Option(
        0, "--sampler-seed", help="seed of the TPE sampler", rich_help_panel=TRAINING
    ),
    config_file: str | None = typer.Option(
        None,
        "--config",
        help="base configuration file (default: rdl train's defaults)",
        rich_help_panel=PROTOCOL,
    ),
    cache_dir: str | None = typer.Option(
        None, "--cache-dir", help="graph/text cache", rich_help_panel=DATA
    ),
    settings: Settings | None = None,  # given by @config_options
):
    """Search the GNN's hyperparameters on the validation split within a time budget;
    write the best configuration (use it with `rdl train --config OUT/best_config.json`)
    and a table of the trials. The searched settings and their ranges:
    `rdl.train.tune.SPACE`."""
    import json

    from rdl.train import TrainConfig
    from rdl.train.tune import tune as run_tune

    base = {}
    if config_file:
        with open(config_file) as f:
            data = json.load(f)
        base = TrainConfig.from_dict(data.get("config", data), config_file).to_dict()
    # the seed, protocol and threads of the command apply over the file; the epochs
    # only when given
    assert settings is not None  # given by @config_options
    changes = {k: v for k, v in settings.values.items() if k != "epochs" or k in settings.given}
    result = run_tune(
        db,
        task,
        budget,
        trials=trials,
        base=TrainConfig(**{**base, **changes}),
        out_dir=out,
        cache_dir=cache_dir,
        seed=sampler_seed,
    )
    console.print(result.trials.to_string(index=False), markup=False)
    best = "none finished" if result.best_value is None else f"{result.best_value:.4f}"
    console.print(
        f"best val {result.metric}: {best} after {len(result.trials)} trial(s) in "
        f"{result.seconds:.0f} s (budget {budget:.0f} s); wrote {out}/best_config.json "
        f"(rdl train --config {out}/best_config.json)",
        markup=False,
    )
