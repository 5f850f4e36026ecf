"""Baselines on rel-f1 (driver-dnf, driver-top3, driver-position) beside RelBench's
published LightGBM numbers, with the total wall time.

Builds rel-f1 into a temporary DuckDB file unless ``--db`` is given (the build is timed
apart), then in one process: ``rdl.connect``, and per task ``load_task`` + ``run_baselines``
(task tables, features, every baseline, scoring). The total wall time covers all of that.

    python benchmarks/baselines_f1.py [--db rel-f1.duckdb] [--out DIR]

RelBench's numbers: Robinson et al., "RelBench: A Benchmark for Deep Learning on Relational
Databases" (NeurIPS 2024 Datasets & Benchmarks), LightGBM rows of the entity-classification
and entity-regression tables (test AUROC in %, test MAE).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table as RichTable  # noqa: E402

import rdl  # noqa: E402
from rdl.baselines import run_baselines  # noqa: E402
from rdl.report import print_results  # noqa: E402
from rdl.results import write_results  # noqa: E402
from rdl.tasks import load_task  # noqa: E402

TASKS = {  # task -> (headline metric, RelBench LightGBM test value, scale to rdl's units)
    "driver-dnf": ("roc_auc", 68.56, 100),
    "driver-top3": ("roc_auc", 73.92, 100),
    "driver-position": ("mae", 4.170, 1),
}
SHOWN = {
    "entity_mean": "entity mean",
    "lightgbm_entity": "LGBM entity",
    "lightgbm_aggregated": "LGBM aggregated",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="an existing rel-f1 .duckdb file or URL (default: build one)")
    ap.add_argument("--out", help="write one results.json per task under this directory")
    ap.add_argument("--details", action="store_true", help="print each task's full table")
    args = ap.parse_args()
    console = Console(width=max(Console().width, 100))

    tmp = None
    if args.db is None:
        from rdl.db.write import to_url
        from rdl.project import load_recipe

        tmp = tempfile.TemporaryDirectory()
        path = Path(tmp.name) / "rel-f1.duckdb"
        t0 = time.perf_counter()
        to_url(load_recipe("rel-f1").build_database(), f"duckdb:///{path}")
        console.print(
            f"built rel-f1 into {path} in {time.perf_counter() - t0:.1f} s "
            "(not part of the total below)"
        )
        url = f"duckdb:///{path}"
    else:
        from rdl.db.write import normalize_url

        url = normalize_url(args.db)

    t_start = time.perf_counter()
    db = rdl.connect(url)
    t_connect = time.perf_counter() - t_start
    results = {}
    for name in TASKS:
        t0 = time.perf_counter()
        task = load_task(f"rel-f1/{name}", db)
        results[name] = run_baselines(db, task)
        results[name]["task"] = f"rel-f1/{name}"
        results[name]["wall_seconds"] = time.perf_counter() - t0
        if args.out:
            write_results(results[name], Path(args.out) / name)
        if args.details:
            print_results(results[name], console)
    total = time.perf_counter() - t_start

    table = RichTable(title="rel-f1 baselines, test split (AUROC in %, MAE in positions)")
    for col in ["task", "metric", "RelBench LGBM", *SHOWN.values(), "features", "s"]:
        table.add_column(
            col, justify="left" if col in ("task", "metric") else "right", no_wrap=col == "task"
        )
    for name, (metric, relbench, scale) in TASKS.items():
        r = results[name]
        b = r["baselines"]
        cells = [
            name,
            metric.upper().replace("ROC_AUC", "AUROC"),
            f"{relbench:.2f}" if scale == 100 else f"{relbench:.3f}",
        ]
        for s in SHOWN:
            v = b[s]["test"][metric] * scale
            cells.append(f"{v:.2f}" if scale == 100 else f"{v:.3f}")
        cells.append(str(b["lightgbm_aggregated"]["num_features"]))
        cells.append(f"{r['wall_seconds']:.1f}")
        table.add_row(*cells)
    console.print(table)
    console.print(
        f"connect {t_connect:.1f} s; total wall time for the three tasks "
        f"(connect, task tables, features, all baselines, scoring): {total:.1f} s "
        f"({'under' if total < 120 else 'OVER'} the 2-minute budget)"
    )
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
