"""``rdl pretrain``: self-supervised relational pretraining of the backbone."""

from __future__ import annotations

from typing import Optional

import typer

from rdl.cli.app import app, console


@app.command()
def pretrain(
    db: str = typer.Option(..., "--db", help="SQLAlchemy URL or a .duckdb/.sqlite/.db path"),
    entity_table: Optional[str] = typer.Option(None, "--entity-table", help="table whose rows are the seeds (default: the --task's)"),
    out: str = typer.Option(..., "--out", help="directory for backbone.pt and pretrain.json"),
    epochs: int = typer.Option(5, "--epochs"),
    task: Optional[str] = typer.Option(None, "--task", help="FILE.py:NAME or built-in name: use its graph (inputs cut at its test timestamp) and seeds up to its val timestamp, so `rdl train --task ... --init OUT` may use the backbone"),
    until: Optional[str] = typer.Option(None, "--until", help="last seed time (default: the task's val timestamp, else --cut, else the last row's time)"),
    cut: Optional[str] = typer.Option(None, "--cut", help="without --task: use only rows dated <= this time"),
    views: int = typer.Option(4, "--views", help="augmented views per seed (K)"),
    every_days: Optional[float] = typer.Option(None, "--every-days", help="seed-time grid spacing in days (default: the task's timedelta, else 1/50 of the span)"),
    active_within_days: float = typer.Option(365.0, "--active-within-days", help="keep a seed (entity, t) only if a row referencing the entity is dated in (t - days, t]; 0 keeps every row"),
    max_cutoff_days: float = typer.Option(180.0, "--max-cutoff-days", help="information cut-off: up to this many days before the view time"),
    max_jitter_days: float = typer.Option(30.0, "--max-jitter-days", help="time jitter: view time up to this many days before t"),
    neighbor_dropout: float = typer.Option(0.2, "--neighbor-dropout"),
    feature_mask: float = typer.Option(0.2, "--feature-mask", help="probability of masking each cell"),
    seed_mask: float = typer.Option(0.5, "--seed-mask", help="probability of masking the seed row's every cell"),
    negatives: str = typer.Option("any", "--negatives", help="any (random batches, the paper) | same_time (batches grouped by seed time: negatives are contemporaries)"),
    lr: float = typer.Option(0.001, "--lr"),
    batch_size: int = typer.Option(128, "--batch-size", help="seeds per step (each with --views views)"),
    channels: int = typer.Option(128, "--channels"),
    num_neighbors: str = typer.Option("128,64", "--num-neighbors", help="fanout per hop, comma separated"),
    temporal_strategy: str = typer.Option("uniform", "--temporal-strategy", help="uniform | last"),
    max_steps: int = typer.Option(100, "--max-steps-per-epoch"),
    patience: Optional[int] = typer.Option(None, "--patience", help="stop after this many epochs without a better held-out relation log loss"),
    text: Optional[str] = typer.Option(None, "--text", help="text-column encoder: tfidf (default) | minilm | none; rdl train --init must use the same"),
    no_text: bool = typer.Option(False, "--no-text", help="same as --text none"),
    precision: str = typer.Option("auto", "--precision", help="auto | fp32 | bf16"),
    protocol: str = typer.Option("relbench", "--protocol", help="with --task: relbench (inputs cut at the test timestamp) | rolling"),
    threads: Optional[int] = typer.Option(None, "--threads", help="torch threads (default: torch's, = cores)"),
    seed: int = typer.Option(42, "--seed"),
    cache_dir: Optional[str] = typer.Option(None, "--cache-dir", help="graph/text cache (default ~/.cache/rdl)"),
):
    """Pretrain the relational backbone without labels (self-supervised relational
    reasoning, Patacchiola & Storkey 2020): views of the same entity are told apart from
    views of different entities. Writes OUT/backbone.pt for `rdl train --init OUT` and
    `rdl embed --model OUT`. Errors (and ``--debug``) go the way of every command
    (`rdl.cli.app.RdlGroup`)."""
    from rdl.cli.errors import CliError
    from rdl.cli.train import _text_option
    from rdl.cli.train_config import parse_fanouts
    from rdl.db import RdlError
    from rdl.pretrain import PretrainConfig
    from rdl.pretrain import pretrain as run
    from rdl.train import TrainConfig

    fanouts = parse_fanouts(num_neighbors)
    config = TrainConfig(epochs=epochs, lr=lr, batch_size=batch_size, channels=channels,
                         num_neighbors=fanouts, num_layers=len(fanouts),
                         temporal_strategy=temporal_strategy, patience=patience,
                         text=_text_option(text, no_text), precision=precision,
                         max_steps_per_epoch=max_steps,
                         threads=threads, seed=seed, protocol=protocol)
    try:
        options = PretrainConfig(num_views=views, every_days=every_days,
                                 active_within_days=active_within_days or None,
                                 max_cutoff_days=max_cutoff_days, max_jitter_days=max_jitter_days,
                                 neighbor_dropout=neighbor_dropout, feature_mask=feature_mask,
                                 seed_mask=seed_mask, negatives=negatives)
    except ValueError as e:  # PretrainConfig's range checks (plain ValueErrors): one paragraph
        if isinstance(e, RdlError):
            raise
        raise CliError(str(e)) from e
    res = run(db, entity_table, config, options, out, task=task, until=until, cut=cut,
              cache_dir=cache_dir)
    best = res["best"]
    s, t = res["seeds"], res["timing"]
    console.print(
        f"{res['entity_table']}: {s['train']:,} seeds ({s['grid_times']} times every "
        f"{s['every_days']:g} days up to {res['seed_until']}), {s['val']:,} held out; "
        f"held-out relation accuracy {best.get('accuracy', float('nan')):.3f}, AUROC "
        f"{best.get('roc_auc', float('nan')):.3f}, log loss {best.get('log_loss', float('nan')):.4f}",
        markup=False, soft_wrap=True)
    console.print(f"train {t['train_s']:.1f} s ({t['epoch_s']:.1f} s/epoch), total "
                  f"{t['total_s']:.1f} s, peak RSS {res['peak_rss_mb']:.0f} MB; wrote "
                  f"{out}/backbone.pt and {out}/pretrain.json", markup=False, soft_wrap=True)
