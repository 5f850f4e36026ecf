"""One bench cell: a trained run (`rdl.train.train_task`) or the baselines
(`rdl.baselines.run_baselines`), written to the cell's folder as ``results.json``.

``python -m rdl.bench.worker CELL.json OUT [CACHE_DIR]`` runs it in a fresh process (what
``rdl bench`` does by default: the peak memory is the run's own, a crash costs one cell);
on failure it prints one ``rdl bench worker error: ...`` line and exits 1.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from rdl.bench.cells import Cell
from rdl.bench.models import BASELINES_UNIT

ERROR_PREFIX = "rdl bench worker error: "


def _database(cell: Cell, storage: str):
    """A URL, or (schema options in the suite) the database opened with them over the
    task file's ``SCHEMA``."""
    if not cell.schema:
        return cell.db_url
    from rdl.db import connect
    from rdl.runtime.storage import task_schema

    return connect(cell.db_url, **{**task_schema(cell.task_spec), **cell.schema})


def run_cell(cell: Cell, out: str | Path, cache_dir: str | Path | None = None) -> dict:
    """Run ``cell`` in this process; write its ``results.json`` (trained runs also
    ``model.pt``; both ``predictions.parquet``) into ``cell.folder(out)``.

    Returns:
        the results dict; ``peak_rss_mb`` is this process's peak so far.

    Raises:
        whatever the run raises (bad task, bad options, a model that does not fit).
    """
    from rdl.train import TrainConfig

    folder = cell.folder(out)
    folder.mkdir(parents=True, exist_ok=True)
    config = TrainConfig(**cell.train, seed=cell.seed, protocol=cell.protocol)
    if cell.unit != BASELINES_UNIT:
        from rdl.train import train_task

        model = None if cell.unit == "gnn" else cell.unit
        return train_task(
            _database(cell, config.storage),
            cell.task_spec,
            config,
            folder,
            baselines=False,
            progress=False,
            cache_dir=cache_dir,
            model=model,
        )
    return _run_baselines(cell, config, folder)


def _run_baselines(cell: Cell, config, folder: Path) -> dict:
    from rdl.baselines import run_baselines
    from rdl.results import merge_predictions, write_predictions, write_results
    from rdl.runtime.storage import open_for_training
    from rdl.tasks import load_task
    from rdl.train.job import peak_rss_mb

    t0 = time.perf_counter()
    db = _database(cell, config.storage)
    database = (
        db if not isinstance(db, str) else open_for_training(db, cell.task_spec, config.storage)[0]
    )
    task = load_task(cell.task_spec, database)
    frames: list = []
    results = run_baselines(
        database, task, seed=cell.seed, protocol=cell.protocol, predictions=frames
    )
    results.update(
        task=cell.task_spec,
        db=cell.db_url,
        seed=cell.seed,
        timing={"total_s": time.perf_counter() - t0},
        peak_rss_mb=peak_rss_mb(),
    )
    write_results(results, folder)
    write_predictions(merge_predictions(frames), folder)
    return results


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text())
    cell = Cell(**spec)
    try:
        run_cell(cell, argv[1], argv[2] if len(argv) > 2 else None)
    except Exception as e:  # one line the parent shows; the traceback stays in log.txt
        import traceback

        traceback.print_exc()
        text = " ".join(f"{type(e).__name__}: {e}".split())
        print(ERROR_PREFIX + text, file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover - run as a subprocess
    sys.exit(main(sys.argv[1:]))
