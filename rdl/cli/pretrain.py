"""``rdl pretrain``: self-supervised relational pretraining of the backbone."""

from __future__ import annotations

import typer

from rdl.cli.app import app, console
from rdl.cli.config_options import Settings, config_options
from rdl.config.option import DATA, TASK
from rdl.config.pretrain import PretrainConfig

#: where ``rdl pretrain``'s defaults differ from `TrainConfig`'s (``--batch-size``:
#: entities per step, each with ``--views`` views)
PRETRAIN_DEFAULTS = {"epochs": 5, "lr": 0.001, "batch_size": 128, "max_steps_per_epoch": 100}


@app.command()
@config_options(
    "pretrain",
    defaults=PRETRAIN_DEFAULTS,
    extra=(PretrainConfig,),
    helps={
        "batch_size": "seeds per step (each with --views views)",
        "patience": "stop after this many epochs without a better held-out relation log loss",
        "text": "text-column encoder (rdl train --init must use the same)",
        "protocol": "with --task: relbench (inputs cut at the test timestamp) | rolling",
    },
)
def pretrain(
    db: str = typer.Option(
        ..., "--db", help="SQLAlchemy URL or a .duckdb/.sqlite/.db path", rich_help_panel=TASK
    ),
    entity_table: str | None = typer.Option(
        None,
        "--entity-table",
        help="table whose rows are the seeds (default: the --task's)",
        rich_help_panel=TASK,
    ),
    out: str = typer.Option(
        ..., "--out", help="directory for backbone.pt and pretrain.json", rich_help_panel=TASK
    ),
    task: str | None = typer.Option(
        None,
        "--task",
        help="FILE.py:NAME or built-in name: use its graph (inputs cut at its test timestamp) "
        "and seeds up to its val timestamp, so `rdl train --task ... --init OUT` may use the "
        "backbone",
        rich_help_panel=TASK,
    ),
    until: str | None = typer.Option(
        None,
        "--until",
        help="last seed time (default: the task's val timestamp, else --cut, else the last "
        "row's time)",
        rich_help_panel=TASK,
    ),
    cut: str | None = typer.Option(
        None, "--cut", help="without --task: use only rows dated <= this time", rich_help_panel=TASK
    ),
    cache_dir: str | None = typer.Option(
        None, "--cache-dir", help="graph/text cache (default ~/.cache/rdl)", rich_help_panel=DATA
    ),
    settings: Settings | None = None,  # given by @config_options
):
    """Pretrain the relational backbone without labels (self-supervised relational
    reasoning, Patacchiola & Storkey 2020): views of the same entity are told apart from
    views of different entities. Writes OUT/backbone.pt for `rdl train --init OUT` and
    `rdl embed --model OUT`. Errors (and ``--debug``) go the way of every command
    (`rdl.cli.app.RdlGroup`)."""
    from rdl.pretrain import pretrain as run

    assert settings is not None  # given by @config_options
    config = settings.config(everything=True)
    options = settings.build(PretrainConfig)
    res = run(
        db, entity_table, config, options, out, task=task, until=until, cut=cut, cache_dir=cache_dir
    )
    best = res["best"]
    s, t = res["seeds"], res["timing"]
    console.print(
        f"{res['entity_table']}: {s['train']:,} seeds ({s['grid_times']} times every "
        f"{s['every_days']:g} days up to {res['seed_until']}), {s['val']:,} held out; "
        f"held-out relation accuracy {best.get('accuracy', float('nan')):.3f}, AUROC "
        f"{best.get('roc_auc', float('nan')):.3f}, log loss "
        f"{best.get('log_loss', float('nan')):.4f}",
        markup=False,
        soft_wrap=True,
    )
    console.print(
        f"train {t['train_s']:.1f} s ({t['epoch_s']:.1f} s/epoch), total "
        f"{t['total_s']:.1f} s, peak RSS {res['peak_rss_mb']:.0f} MB; wrote "
        f"{out}/backbone.pt and {out}/pretrain.json",
        markup=False,
        soft_wrap=True,
    )
