"""rel-f1 quality and speed: the GNN on driver-dnf / driver-top3 / driver-position over
several seeds, beside LightGBM and RelBench's published numbers.

    python benchmarks/rel_f1.py [--tasks driver-dnf,...] [--seeds 42,43,44] [--epochs 10]
                                [--precision fp32|bf16] [--out benchmarks/results/rel_f1]

Prints a markdown table: test metric mean ± std over seeds, wall time per run and peak RSS.
Every run is a separate `rdl train`-equivalent call (graph cache shared across runs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# RelBench (Robinson et al. 2024), Table: rel-f1 entity tasks, test split.
RELBENCH = {
    "driver-dnf": {"metric": "roc_auc", "gnn": 0.7262, "lightgbm": 0.6856},
    "driver-top3": {"metric": "roc_auc", "gnn": 0.7554, "lightgbm": 0.7392},
    "driver-position": {"metric": "mae", "gnn": 4.022, "lightgbm": 4.170},
}


def run_one(db: str, task: str, seed: int, args, out: Path) -> dict:
    """One training run in a fresh process (clean peak-RSS and timing)."""
    cmd = [sys.executable, "-m", "rdl.cli", "train", "--db", db, "--task", f"rel-f1/{task}",
           "--epochs", str(args.epochs), "--seed", str(seed), "--out", str(out),
           "--precision", args.precision]
    if args.no_baselines:
        cmd.append("--no-baselines")
    if args.extra:
        cmd += args.extra.split()
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    res = json.loads((out / "results.json").read_text())
    res["wall_s"] = time.perf_counter() - t0
    return res


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", default=",".join(RELBENCH))
    p.add_argument("--seeds", default="42,43,44")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--precision", default="auto")
    p.add_argument("--db", default=None, help="rel-f1 URL (default: build into a temp DuckDB)")
    p.add_argument("--out", default=None)
    p.add_argument("--no-baselines", action="store_true")
    p.add_argument("--extra", default="", help="extra `rdl train` options, quoted")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp())
    db = args.db
    if db is None:
        path = tmp / "rel-f1.duckdb"
        subprocess.run([sys.executable, "-m", "rdl.cli", "datasets", "build", "rel-f1", "--out",
                        str(path)], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        db = str(path)
    out_root = Path(args.out) if args.out else tmp / "runs"
    rows = []
    for task in args.tasks.split(","):
        metric = RELBENCH[task]["metric"]
        runs = [run_one(db, task, int(s), args, out_root / f"{task}-{s}") for s in args.seeds.split(",")]
        vals = [r["models"]["gnn"]["test"][metric] for r in runs]
        lgb = runs[0]["baselines"].get("lightgbm_aggregated", {}).get("test", {}).get(metric)
        lgb_e = runs[0]["baselines"].get("lightgbm_entity", {}).get("test", {}).get(metric)
        rows.append((task, metric, vals, lgb_e, lgb, runs))
        print(f"{task}: {metric} {[round(v, 4) for v in vals]}", file=sys.stderr)
    print(f"\n| task | metric | rdl GNN (mean ± std, {len(vals)} seeds) | RelBench GNN | "
          "rdl LightGBM entity | rdl LightGBM aggregated | RelBench LightGBM | wall s / run | "
          "epoch s | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for task, metric, vals, lgb_e, lgb, runs in rows:
        mean = statistics.mean(vals)
        std = statistics.stdev(vals) if len(vals) > 1 else 0.0
        ref = RELBENCH[task]
        wall = statistics.mean(r["wall_s"] for r in runs)
        epoch = statistics.mean(r["timing"]["epoch_s"] for r in runs)
        rss = max(r["peak_rss_mb"] for r in runs)
        f = lambda v: "n/a" if v is None else f"{v:.4f}"  # noqa: E731
        print(f"| {task} | {metric} | {mean:.4f} ± {std:.4f} | {ref['gnn']:.4f} | {f(lgb_e)} | "
              f"{f(lgb)} | {ref['lightgbm']:.4f} | {wall:.0f} | {epoch:.1f} | {rss:.0f} |")


if __name__ == "__main__":
    main()
