"""``rdl train`` and the checks and printing it shares with ``rdl predict``
(`rdl.cli.predict`) and ``rdl baseline`` (`rdl.cli.baseline`).

Options are checked before any work (`check_config`, `check_out_dir`, `check_task`); the
database is opened with the schema options (`rdl.cli.schema_options`). ``rdl train``'s
settings are generated from their declarations (`rdl.cli.config_options`,
`rdl.config.sections`).
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from rdl.cli.app import app, console, err_console  # noqa: F401
from rdl.cli.config_options import Settings, config_options
from rdl.cli.errors import cli_text
from rdl.cli.schema_options import SchemaArgs, open_db, schema_options
from rdl.cli.train_config import config_from_cli, parse_fanouts  # noqa: F401
from rdl.config.option import DATA, MODEL, PROTOCOL, SCALE, TASK


def check_config(**kwargs):
    """A `TrainConfig` from the options; an out-of-range value names its option.

    Raises:
        ConfigError: its ``field`` names the option (``--epochs``) in the CLI's message.
    """
    from rdl.train.config import TrainConfig

    return TrainConfig(**kwargs)  # a ConfigError is shown with its option (rdl.cli.errors)


def check_out_dir(out: str | None, flag: str = "--out", file: bool = False) -> None:
    """Fail before any work if ``out`` cannot be written (a file where a directory is
    wanted, a directory without write permission, a missing parent for a file).

    Raises:
        ConfigError: the message names the option and the path.
    """
    from rdl.train.config import ConfigError

    if out is None:
        return
    p = Path(out)
    if file:
        if p.is_dir():
            raise ConfigError("out", f"option {flag} {out!r} is a directory; name a file")
        parent = p.parent if str(p.parent) else Path(".")
        if not parent.is_dir():
            raise ConfigError(
                "out",
                f"option {flag} {out!r}: the folder {str(parent)!r} does "
                "not exist; create it or name another file",
            )
        if not os.access(parent, os.W_OK):
            raise ConfigError(
                "out",
                f"option {flag} {out!r}: the folder {str(parent)!r} is "
                "not writable; name another file",
            )
        return
    if p.exists() and not p.is_dir():
        raise ConfigError(
            "out",
            f"option {flag} {out!r} is a file; name a directory for results.json and model.pt",
        )
    existing = p
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        raise ConfigError(
            "out",
            f"option {flag} {out!r}: {str(existing)!r} is not a writable "
            "directory; name another place",
        )


def check_task(spec: str) -> None:
    """Fail before any work if ``--task`` names a task that does not exist (a missing
    file, or a built-in name rdl does not know).

    Raises:
        TaskError: the message lists the built-in tasks.
    """
    from rdl.tasks import TaskError, builtin_tasks

    file_part, sep, _ = spec.rpartition(":")
    path = (
        file_part if sep and file_part.endswith(".py") else (spec if spec.endswith(".py") else None)
    )
    if path is not None:
        if not Path(path).exists():
            raise TaskError(f"option --task {spec!r}: the task file {path!r} does not exist.")
        return
    known = builtin_tasks()
    if spec in known or any(k.split("/", 1)[1] == spec for k in known):
        return
    raise TaskError(
        f"option --task {spec!r}: no such task. Built-in tasks: {sorted(known)}; "
        "a task of your own is FILE.py:NAME."
    )


@app.command()
@config_options("train")
@schema_options
def train(
    db: str = typer.Option(
        ..., "--db", help="SQLAlchemy URL or a .duckdb/.sqlite/.db path", rich_help_panel=TASK
    ),
    task: str | None = typer.Option(
        None,
        "--task",
        help="FILE.py:NAME or a built-in name (rel-f1/driver-dnf)",
        rich_help_panel=TASK,
    ),
    query: str | None = typer.Option(
        None,
        "--query",
        help='the task as a predictive query: "PREDICT AGG(table..., 0, 30 days) [> 0] '
        'FOR EACH table"',
        rich_help_panel=TASK,
    ),
    show_sql: bool = typer.Option(
        False, "--show-sql", help="print the --query's compiled SQL and stop", rich_help_panel=TASK
    ),
    out: str | None = typer.Option(
        None, "--out", help="directory for results.json and model.pt", rich_help_panel=TASK
    ),
    model: str | None = typer.Option(
        None,
        "--model",
        help="entity tasks: gnn (default); link tasks: two-tower (default) | idgnn | "
        "contextgnn (scores every destination, also those outside the source's subgraph)",
        rich_help_panel=MODEL,
    ),
    no_baselines: bool = typer.Option(
        False, "--no-baselines", help="skip the baselines", rich_help_panel=TASK
    ),
    preset: str | None = typer.Option(
        None,
        "--preset",
        help="a named configuration: relbench-2024 (rdl's GNN without the stale-history, "
        "seed-feature and blend levers)",
        rich_help_panel=PROTOCOL,
    ),
    config_file: str | None = typer.Option(
        None,
        "--config",
        help="a configuration file (rdl tune's best_config.json or a results.json); options "
        "given on the command line override it",
        rich_help_panel=PROTOCOL,
    ),
    cache_dir: str | None = typer.Option(
        None, "--cache-dir", help="graph/text cache (default ~/.cache/rdl)", rich_help_panel=DATA
    ),
    nproc: int = typer.Option(
        1,
        "--nproc",
        help="data-parallel processes on this machine (runs torchrun --nproc-per-node N -m "
        "rdl.train)",
        rich_help_panel=SCALE,
    ),
    schema: SchemaArgs | None = None,  # given by @schema_options
    settings: Settings | None = None,  # given by @config_options
):
    """Train the GNN on a task and print its val/test metrics beside the baselines."""
    from rdl.cli.query import check_task_or_query, task_spec
    from rdl.config import ConfigError
    from rdl.config.models import check_model_settings

    if nproc < 1:
        raise ConfigError("nproc", f"option --nproc must be >= 1 (got {nproc})")
    assert settings is not None  # given by @config_options
    config = config_from_cli(settings, preset, config_file)
    from rdl.train.models import model_names, models_help

    if model is not None and model not in model_names():
        raise ConfigError(
            "model", f"option --model {model!r} is not one of {model_names()} ({models_help()})"
        )
    check_model_settings(config, model, given=settings.given)
    check_out_dir(out)
    from rdl.runtime.device import check_device

    check_device(config.device)  # before the database is read
    check_task_or_query(task, query, show_sql)
    if query is None:
        assert task is not None  # checked: exactly one of the two
        check_task(task)

    from rdl.db.write import normalize_url
    from rdl.report import print_results
    from rdl.runtime.storage import resolve_storage
    from rdl.train import train_task

    storage = config.storage
    if not show_sql and (nproc > 1 or resolve_storage(normalize_url(db), storage) == "disk"):
        # the job opens the database itself (out of core, or once per process): the
        # schema comes from the task file's SCHEMA, not from flags
        if (schema or SchemaArgs()).schema({}):
            raise ConfigError(
                "storage",
                "schema options (--schema, --pkey, --fkey, ...) are "
                "read by the in-memory path only; with --storage disk or "
                "--nproc > 1 put them in the task file's SCHEMA = {...}",
            )
        task = task if query is None else query  # load_task compiles a query
        if nproc > 1:
            results = _train_torchrun(nproc, config, db, task, out, no_baselines, cache_dir, model)
        else:
            results = train_task(
                db, task, config, out, baselines=not no_baselines, cache_dir=cache_dir, model=model
            )
    else:
        database = open_db(db, schema, task=task if query is None else None)
        task = task_spec(task, query, database, show_sql)
        results = train_task(
            database,
            task,
            config,
            out,
            baselines=not no_baselines,
            cache_dir=cache_dir,
            model=model,
        )
    print_results(results, console, cli_text)
    print_leakage(results.get("leakage_suspects") or [])
    t = results["timing"]
    console.print(
        f"graph {t['graph_build_s']:.1f} s{' (cached)' if t['graph_cached'] else ''}, "
        f"train {t['train_s']:.1f} s ({t['epoch_s']:.1f} s/epoch), "
        f"total {t['total_s']:.1f} s, peak RSS {results['peak_rss_mb']:.0f} MB"
        + (f"; wrote {out}/results.json and {out}/model.pt" if out else "")
    )
    if out:
        _figures(out)


def _figures(out: str) -> None:
    """Draw the run's figures into ``out`` (rdl.report) and say where they went."""
    from rdl.report.figures import write_figures

    paths = write_figures(out)
    if paths:
        console.print(
            f"figures: {', '.join(p.name for p in paths)} in {out}; "
            f"`rdl report {out}` makes an HTML page",
            markup=False,
        )


def print_leakage(suspects: list[dict]) -> None:
    """The leakage audit's suspects, one line each (`rdl.db.audit`)."""
    if not suspects:
        return
    console.print(f"leakage suspects ({len(suspects)}; rdl inspect lists them too):", style="bold")
    for s in suspects:
        where = s["table"] + (f".{s['column']}" if s.get("column") else "")
        console.print(
            f"  {where} [{s['kind']}]: {cli_text(s['reason'])}"
            + (f" -> {cli_text(s['fix'])}" if s.get("fix") else ""),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _train_torchrun(nproc, config, db, task, out, no_baselines, cache_dir, model) -> dict:
    """``rdl train --nproc N``: the same job under torchrun (`rdl.scale.launch`); the
    results are read back from ``results.json``."""
    import subprocess
    import tempfile

    from rdl.results import read_results
    from rdl.scale.launch import torchrun_command

    with tempfile.TemporaryDirectory() as tmp:
        where = out or tmp
        cmd = torchrun_command(
            nproc,
            config,
            db=db,
            task=task,
            out=where,
            cache_dir=cache_dir,
            model=model,
            no_baselines=no_baselines,
        )
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise typer.Exit(proc.returncode)
        return read_results(where)
