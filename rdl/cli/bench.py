"""``rdl bench``: a suite's tasks x models x seeds (x protocols), resumable, with a progress
bar and an ETA, within a budget; writes the leaderboard (`rdl.bench`)."""

from __future__ import annotations

import typer

from rdl.cli.app import app, console


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "ETA: after the first cell"
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"ETA ~{h}h{m:02d}m" if h else f"ETA ~{m}m{s:02d}s"


def _reporter():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from rdl.bench import Reporter

    class RichReporter(Reporter):
        """A rich progress bar: cells done / to run, elapsed time, the estimator's ETA."""

        def __init__(self):
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[eta]}"),
                console=console,
                transient=False,
            )
            self.bar = None

        def begin(self, to_run, reused):
            if reused:
                console.print(f"resuming: {reused} finished cells kept", markup=False)
            self.progress.start()
            self.bar = self.progress.add_task("cells", total=to_run, eta=_eta(None))

        def started(self, cell, eta_s):
            self.progress.update(self.bar, description=cell.label, eta=_eta(eta_s))

        def finished(self, cell, record, eta_s):
            self.progress.console.print(
                f"{cell.label}: {record['status']} in {record['wall_s']:.1f} s", markup=False
            )
            self.progress.update(self.bar, advance=1, eta=_eta(eta_s))

        def stop(self):
            self.progress.stop()

    return RichReporter()


@app.command()
def bench(
    suite: str = typer.Option(
        ..., "--suite", help="panel | rel-f1 | FILE.toml (databases, tasks, train options)"
    ),
    models: str = typer.Option(
        "pick,gnn,lightgbm_aggregated",
        "--models",
        help="comma separated: pick (best on validation per run), gnn, blend, lightgbm_cutoff, "
        "two-tower, idgnn, contextgnn, or any baseline (lightgbm_aggregated, lightgbm_entity, "
        "entity_mean, ...)",
    ),
    seeds: str = typer.Option("42,43,44", "--seeds", help="comma-separated seeds, one run each"),
    protocol: str = typer.Option(
        "relbench",
        "--protocol",
        help="relbench (inputs cut at the test timestamp) | rolling | both (one table per regime)",
    ),
    out: str = typer.Option(
        ..., "--out", help="directory: one folder per cell, leaderboard.md / .json / .html"
    ),
    budget: float | None = typer.Option(
        None,
        "--budget",
        help="seconds; no cell starts once the next one (estimated from finished cells) would "
        "not fit",
    ),
    resume: bool = typer.Option(
        False, "--resume", help="keep cells that finished under --out (same spec); run the rest"
    ),
    cache_dir: str | None = typer.Option(
        None, "--cache-dir", help="built recipes and the graph cache (default ~/.cache/rdl)"
    ),
    in_process: bool = typer.Option(
        False,
        "--in-process",
        help="run cells in this process (faster start on tiny databases; peak memory then "
        "covers every earlier cell)",
    ),
):
    """Benchmark models over a suite's tasks and seeds and write a leaderboard: per task the
    metric ± its spread over seeds, mean ranks, wins / ties / losses against the best
    baseline, timing and peak memory of each run."""
    from rdl.bench import load_suite, run_bench
    from rdl.bench.models import check_models
    from rdl.bench.runner import check_protocol, check_seeds
    from rdl.cli.train import check_out_dir
    from rdl.train.config import ConfigError

    try:
        seed_list = [int(s) for s in seeds.split(",") if s.strip()]
    except ValueError:
        raise ConfigError(
            "seeds", f"option --seeds {seeds!r}: write integers, e.g. 42,43,44"
        ) from None
    if budget is not None and budget <= 0:
        raise ConfigError("budget", f"option --budget must be > 0 seconds (got {budget:g})")
    check_models(models.split(","))
    check_seeds(seed_list)
    check_protocol(protocol)
    check_out_dir(out)
    spec = load_suite(suite)
    reporter = _reporter()
    try:
        board = run_bench(
            spec,
            models.split(","),
            seed_list,
            protocol,
            out,
            budget=budget,
            resume=resume,
            isolate=not in_process,
            cache_dir=cache_dir,
            reporter=reporter,
            log=lambda msg: reporter.progress.console.print(msg, markup=False, soft_wrap=True),
        )
    finally:
        reporter.stop()
    failed = sum(c["status"] != "ok" for c in board["cells"])
    console.print(
        f"{len(board['cells'])} cells ({failed} failed, {len(board['skipped'])} not "
        f"started); wrote {out}/leaderboard.md, leaderboard.json, leaderboard.html",
        markup=False,
    )
