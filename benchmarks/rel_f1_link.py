"""rel-f1 link task ``driver-circuit-compete``: both link models (two-tower, ID-GNN) and
both link baselines (past visits, global popularity), each from the CLI.

    python benchmarks/rel_f1_link.py [--models two-tower,idgnn] [--seeds 42] [--epochs 10]
                                     [--threads 1] [--db URL] [--out DIR] [--extra "..."]

Every model run is a separate ``rdl train --task rel-f1/driver-circuit-compete --model M``
process (fresh timing and peak RSS; graph cache shared); the baselines' metrics come from
the first run's report (they depend on neither the model nor the seed), their fit time
from one more run of their own (in a training run they share the observed-links history
with the model). Prints a markdown table of val/test MAP@10 and test recall@10,
precision@10, NDCG@10 (mean ± std over seeds), wall time per run, seconds per epoch and
peak RSS.

``--threads N`` sets ``OMP_NUM_THREADS`` for the runs: on a loaded 2-core machine, two
torch threads stall on each other (measured 60x slower steps on small graphs), so 1 is
the default here.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASK = "rel-f1/driver-circuit-compete"
METRICS = ("map_at_k", "recall_at_k", "precision_at_k", "ndcg_at_k")


def run_one(db: str, model: str, seed: int, args, out: Path, baselines: bool) -> dict:
    """One ``rdl train`` run in a fresh process."""
    cmd = [
        sys.executable,
        "-m",
        "rdl.cli",
        "train",
        "--db",
        db,
        "--task",
        TASK,
        "--model",
        model,
        "--epochs",
        str(args.epochs),
        "--seed",
        str(seed),
        "--out",
        str(out),
    ]
    if not baselines:
        cmd.append("--no-baselines")
    if args.extra:
        cmd += args.extra.split()
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, env=env)
    res = json.loads((out / "results.json").read_text())
    res["wall_s"] = time.perf_counter() - t0
    return res


def _ms(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default="two-tower,idgnn")
    p.add_argument("--seeds", default="42")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--db", default=None, help="rel-f1 URL (default: build into a temp DuckDB)")
    p.add_argument("--out", default=None)
    p.add_argument("--extra", default="", help="extra `rdl train` options, quoted")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp())
    db = args.db
    if db is None:
        path = tmp / "rel-f1.duckdb"
        subprocess.run(
            [sys.executable, "-m", "rdl.cli", "datasets", "build", "rel-f1", "--out", str(path)],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        db = str(path)
    out_root = Path(args.out) if args.out else tmp / "runs"
    seeds = [int(s) for s in args.seeds.split(",")]
    runs: dict[str, list[dict]] = {}
    for i, model in enumerate(args.models.split(",")):
        runs[model] = [
            run_one(db, model, s, args, out_root / f"{model}-{s}", baselines=(i == 0 and j == 0))
            for j, s in enumerate(seeds)
        ]
        maps = [r["models"][model]["test"]["map_at_k"] for r in runs[model]]
        print(f"{model}: test MAP@k {[round(v, 4) for v in maps]}", file=sys.stderr)
    first = next(iter(runs.values()))[0]
    k = first.get("eval_k", "k")
    # the baselines' own cost: in a training run they share the observed-links history
    # with the model (ID-GNN's popularity fill), so time them once more on their own
    from rdl.baselines.link import run_link_baselines
    from rdl.db import connect
    from rdl.db.write import normalize_url
    from rdl.tasks import load_task

    database = connect(normalize_url(db))
    alone = run_link_baselines(database, load_task(TASK, database))["baselines"]

    print(
        f"\n{TASK} (k = {k}; splits {first['splits']}; {args.epochs} epochs; "
        f"{len(seeds)} seed(s); OMP_NUM_THREADS={args.threads}; "
        f"extra options: {args.extra or 'none'})\n"
    )
    print(
        f"| method | val MAP@{k} | test MAP@{k} | test recall@{k} | test precision@{k} | "
        f"test NDCG@{k} | wall s / run | epoch s | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, entry in first["baselines"].items():
        cells = [f"{entry['val']['map_at_k']:.4f}"] + [f"{entry['test'][m]:.4f}" for m in METRICS]
        print(
            f"| baseline: {name} | "
            + " | ".join(cells)
            + f" | {alone[name]['fit_seconds']:.1f} (fit alone) | – | – |"
        )
    for model, rs in runs.items():
        cells = [_ms([r["models"][model]["val"]["map_at_k"] for r in rs])]
        cells += [_ms([r["models"][model]["test"][m] for r in rs]) for m in METRICS]
        wall = statistics.mean(r["wall_s"] for r in rs)
        epoch = statistics.mean(r["timing"]["epoch_s"] for r in rs)
        rss = max(r["peak_rss_mb"] for r in rs)
        print(
            f"| GNN: {model} | " + " | ".join(cells) + f" | {wall:.0f} | {epoch:.1f} | {rss:.0f} |"
        )


if __name__ == "__main__":
    main()
