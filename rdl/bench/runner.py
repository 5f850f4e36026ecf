"""`run_bench`: every task x run x seed x protocol of a suite, resumable, within a budget,
then the leaderboard (``leaderboard.json``, ``leaderboard.md``, ``leaderboard.html``).

Cells run seed by seed (all tasks of the first seed, then the next), so a run stopped by
its budget still covers every task. Each finished cell is written at once
(`rdl.bench.cells`); ``resume=True`` keeps the cells that finished with the same spec, so
a killed bench loses at most the cell in progress.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rdl.bench.cells import (
    CELL_FILE,
    Cell,
    finished,
    read_record,
    write_json,
    write_record,
)
from rdl.bench.estimate import Estimator
from rdl.bench.models import check_models, units_for
from rdl.bench.suite import Suite, task_kind
from rdl.db.errors import arg

PROTOCOLS = {"relbench": ["relbench"], "rolling": ["rolling"], "both": ["relbench", "rolling"]}


class Reporter:
    """What `run_bench` says while it works (the CLI shows a progress bar); no-ops here."""

    def begin(self, to_run: int, reused: int) -> None: ...

    def started(self, cell: Cell, eta_s: float | None) -> None: ...

    def finished(self, cell: Cell, record: dict, eta_s: float | None) -> None: ...


def check_protocol(protocol: str) -> list[str]:
    """``--protocol`` -> the protocols to run.

    Raises:
        ConfigError: not relbench, rolling or both.
    """
    from rdl.train.config import ConfigError

    if protocol not in PROTOCOLS:
        raise ConfigError(
            "protocol",
            f"{arg('protocol', repr(protocol), cli=protocol)}: "
            "write relbench (inputs cut at the test timestamp), rolling or both",
        )
    return PROTOCOLS[protocol]


def check_seeds(seeds: list[int]) -> list[int]:
    from rdl.train.config import ConfigError

    if not seeds or any(s < 0 for s in seeds):
        raise ConfigError(
            "seeds",
            f"{arg('seeds')}: give seeds >= 0, e.g. "
            f"{arg('seeds', '[42, 43, 44]', cli='42,43,44')} (got {seeds})",
        )
    return list(dict.fromkeys(seeds))


def plan_cells(
    suite: Suite, models: list[str], seeds: list[int], protocols: list[str], urls: dict[str, str]
) -> list[Cell]:
    """The cells of a bench in the order they run (seed, protocol, task, unit)."""
    kinds = {t.id: task_kind(t.spec) for t in suite.tasks}
    return [
        Cell(
            task=t.id,
            task_spec=t.spec,
            kind=kinds[t.id],
            db_url=urls[t.database.name],
            protocol=p,
            seed=s,
            unit=u,
            slug=t.slug,
            schema=t.database.schema,
            train=t.database.train,
        )
        for s in seeds
        for p in protocols
        for t in suite.tasks
        for u in units_for(models, kinds[t.id])
    ]


def _run_isolated(cell: Cell, out: Path, cache_dir) -> tuple[bool, str | None]:
    from rdl.bench.worker import ERROR_PREFIX

    folder = cell.folder(out)
    log = folder / "log.txt"
    folder.mkdir(parents=True, exist_ok=True)
    # the worker needs the real URL (a password in it must not land in the run folder)
    with tempfile.TemporaryDirectory() as tmp, open(log, "w") as fh:
        spec = Path(tmp) / "spec.json"
        write_json(spec, cell.spec())
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "rdl.bench.worker",
                str(spec),
                str(out),
                *([str(cache_dir)] if cache_dir else []),
            ],
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    if proc.returncode == 0:
        return True, None
    lines = [
        ln for ln in log.read_text(errors="replace").splitlines() if ln.startswith(ERROR_PREFIX)
    ]
    return False, (
        lines[-1][len(ERROR_PREFIX) :]
        if lines
        else f"the worker exited with code {proc.returncode}; see {log}"
    )


def _run_here(cell: Cell, out: Path, cache_dir) -> tuple[bool, str | None]:
    from rdl.bench.worker import run_cell

    try:
        run_cell(cell, out, cache_dir)
    except Exception as e:  # the bench goes on; the cell is reported as failed
        return False, " ".join(f"{type(e).__name__}: {e}".split())
    return True, None


def run_one(cell: Cell, out: Path, cache_dir=None, isolate: bool = True) -> dict:
    """Run one cell and write its ``cell.json``; returns that record."""
    import json

    folder = cell.folder(out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CELL_FILE).unlink(missing_ok=True)  # a kill from here on leaves no record
    t0 = time.perf_counter()
    ok, error = (_run_isolated if isolate else _run_here)(cell, out, cache_dir)
    wall = time.perf_counter() - t0
    peak = None
    if ok:
        res = json.loads((folder / "results.json").read_text())
        peak = res.get("peak_rss_mb")
    return write_record(
        cell,
        out,
        status="ok" if ok else "failed",
        wall_s=wall,
        peak_rss_mb=peak,
        isolated=isolate,
        error=error,
    )


def open_databases(
    suite: Suite, cache_dir=None, log: Callable[[str], None] = lambda _m: None
) -> tuple[dict[str, str], dict[str, str]]:
    """``({database: URL}, {database: why it cannot be used})``: recipes built once
    (`rdl.bench.databases`); a database that fails leaves out its own tasks only."""
    from rdl.bench.databases import database_url

    urls, unusable = {}, {}
    for task in suite.tasks:
        db = task.database
        if db.name in urls or db.name in unusable:
            continue
        try:
            urls[db.name] = database_url(db, cache_dir, log)
        except Exception as e:  # e.g. a generator that is not installed: the rest runs
            unusable[db.name] = " ".join(f"{type(e).__name__}: {e}".split())
            log(
                f"database {db.name!r} cannot be built or opened, its tasks are left out: "
                f"{unusable[db.name]}"
            )
    return urls, unusable


def run_bench(
    suite: Suite,
    models: list[str],
    seeds: list[int],
    protocol: str,
    out: str | Path,
    *,
    budget: float | None = None,
    resume: bool = False,
    isolate: bool = True,
    cache_dir: str | Path | None = None,
    reporter: Reporter | None = None,
    log: Callable[[str], None] = lambda _m: None,
) -> dict:
    """Run the suite and write the leaderboard into ``out``.

    Args:
        models: ``--models`` names (`rdl.bench.models`); seeds: one run per seed.
        protocol: ``"relbench"``, ``"rolling"`` or ``"both"``.
        budget: seconds; no cell starts once the time used (since this call) plus the
            cell's estimate (`rdl.bench.estimate.Estimator`) exceeds it. Cells without an
            estimate (nothing finished yet) start.
        resume: keep cells that finished with the same spec (else every cell reruns).
        isolate: each cell in a fresh process (its own peak memory); ``False``: here.
        cache_dir: recipes' databases and the graph cache (default ``~/.cache/rdl``).

    Returns:
        the leaderboard dict (`rdl.bench.aggregate.leaderboard`), also written to
        ``out/leaderboard.json``; ``out/leaderboard.md`` and ``out/leaderboard.html``.

    Raises:
        ConfigError: bad models, seeds or protocol (before any work).
    """
    from rdl.bench.aggregate import leaderboard
    from rdl.report.leaderboard import write_leaderboard

    t_start = time.perf_counter()
    models, seeds, protocols = check_models(models), check_seeds(seeds), check_protocol(protocol)
    out = Path(out)
    reporter = reporter or Reporter()
    urls, unusable = open_databases(suite, cache_dir, log)
    planned = plan_cells(
        suite, models, seeds, protocols, {**urls, **{name: "" for name in unusable}}
    )
    by_db = {t.id: t.database.name for t in suite.tasks}
    cells = [c for c in planned if by_db[c.task] not in unusable]
    left_out = [
        (c, f"database: {unusable[by_db[c.task]]}") for c in planned if by_db[c.task] in unusable
    ]
    records: dict[tuple, dict] = {}  # Cell.key -> cell.json record
    estimator = Estimator()
    done_before = [(c, finished(c, out)) for c in cells]
    done_before = [(c, r) for c, r in done_before if r is not None]
    if resume:
        for c, r in done_before:
            assert r is not None  # kept above
            records[c.key] = r
            estimator.add(c, r["wall_s"])
    elif done_before:
        log(f"{len(done_before)} finished cells under {out} run again (--resume keeps them)")
    todo = [c for c in cells if c.key not in records]
    changed = [c for c in todo if resume and (read_record(c, out) or {}).get("status") == "ok"]
    if changed:
        log(
            f"{len(changed)} cells finished with other settings (suite, database) run again: "
            + ", ".join(c.label for c in changed)
        )
    reporter.begin(len(todo), len(records))
    skipped = []
    for i, cell in enumerate(todo):
        est = estimator.estimate(cell)
        used = time.perf_counter() - t_start
        if budget is not None and est is not None and used + est > budget:
            skipped = todo[i:]
            log(
                f"budget {budget:.0f} s: {used:.0f} s used and the next cell ({cell.label}) "
                f"needs about {est:.0f} s; {len(skipped)} cells not started: "
                + ", ".join(c.label for c in skipped)
            )
            break
        reporter.started(cell, estimator.remaining(todo[i:]))
        rec = run_one(cell, out, cache_dir, isolate)
        records[cell.key] = rec
        if rec["status"] == "ok":
            estimator.add(cell, rec["wall_s"])
        else:
            log(f"{cell.label} failed: {rec['error']}")
        reporter.finished(cell, rec, estimator.remaining(todo[i + 1 :]))
    board = leaderboard(
        suite,
        models,
        seeds,
        protocols,
        cells,
        records,
        out,
        skipped=left_out + [(c, "budget") for c in skipped],
    )
    write_json(out / "leaderboard.json", board)
    write_leaderboard(board, out)
    return board


__all__ = [
    "PROTOCOLS",
    "Reporter",
    "check_protocol",
    "check_seeds",
    "open_databases",
    "plan_cells",
    "run_bench",
    "run_one",
]
