"""Data-parallel training on rel-f1 driver-dnf: 1 process against 2 (``rdl train --nproc
2``, i.e. ``torchrun --nproc-per-node 2 -m rdl.train``), one torch thread each, 3 seeds.

    nice -n 10 python benchmarks/ddp_f1.py --db /work/bench/rel-f1.duckdb --epochs 3

Writes ``benchmarks/results/ddp_f1.json`` and ``ddp_f1.md``: per run the training seeds
per second (all processes together; mean over the epochs), the test AUROC of the
restored best epoch, and the throughput ratio and metric difference of 2 processes to 1.
Each process keeps ``--batch-size 512``: 2 processes take twice the seeds per optimiser
step and half the steps per epoch.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def one_run(db: str, nproc: int, seed: int, epochs: int, out: Path) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "rdl.cli",
        "train",
        "--db",
        db,
        "--task",
        "rel-f1/driver-dnf",
        "--no-baselines",
        "--threads",
        "1",
        "--epochs",
        str(epochs),
        "--seed",
        str(seed),
        "--nproc",
        str(nproc),
        "--out",
        str(out),
    ]
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        cmd, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "OMP_NUM_THREADS": "1"}
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    r = json.loads((out / "results.json").read_text())
    m = r["models"]["gnn"]
    return {
        "nproc": nproc,
        "seed": seed,
        "wall_s": time.perf_counter() - t0,
        "seeds_per_s": statistics.mean(h["seeds_per_s"] for h in m["history"]),
        "train_s": r["timing"]["train_s"],
        "test_roc_auc": m["test"]["roc_auc"],
        "val_roc_auc": m["val"]["roc_auc"],
        "peak_rss_mb": r["peak_rss_mb"],
        "cpu_s": cpu_s,  # CPU seconds of every process of the run (all ranks)
        "load_avg": os.getloadavg()[0],
    }


def report(runs: list[dict], cmd: str) -> str:
    by = {n: [r for r in runs if r["nproc"] == n] for n in (1, 2)}
    lines = [
        "# rel-f1 driver-dnf: 1 process against 2 (data-parallel, gloo, 1 thread each)",
        "",
        f"Command: `{cmd}`",
        "",
        "| processes | seed | seeds/s (train) | train s | whole run: wall s / CPU s | test AUROC "
        "| val AUROC | load avg |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        cpu = f"{r['cpu_s']:.0f}" if "cpu_s" in r else "-"
        lines.append(
            f"| {r['nproc']} | {r['seed']} | {r['seeds_per_s']:.0f} | {r['train_s']:.0f} "
            f"| {r['wall_s']:.0f} / {cpu} | {r['test_roc_auc']:.4f} "
            f"| {r['val_roc_auc']:.4f} | {r['load_avg']:.1f} |"
        )
    if all(by.values()):
        sps = {n: statistics.mean(r["seeds_per_s"] for r in v) for n, v in by.items()}
        auc = {n: [r["test_roc_auc"] for r in v] for n, v in by.items()}
        sd = {n: statistics.stdev(a) if len(a) > 1 else 0.0 for n, a in auc.items()}
        lines += ["", "| processes | seeds/s (mean) | test AUROC (mean ± sd) |", "|---|---|---|"]
        for n in (1, 2):
            lines.append(f"| {n} | {sps[n]:.0f} | {statistics.mean(auc[n]):.4f} ± {sd[n]:.4f} |")
        lines += [
            "",
            f"Throughput ratio (2 / 1): **{sps[2] / sps[1]:.2f}x**; test AUROC "
            f"difference (2 - 1): **{statistics.mean(auc[2]) - statistics.mean(auc[1]):+.4f}**.",
        ]
        cpu = {n: [r["cpu_s"] for r in v if "cpu_s" in r] for n, v in by.items()}
        lane = statistics.mean(r["load_avg"] for r in runs)
        wall = {n: statistics.mean(r["wall_s"] for r in v) for n, v in by.items()}
        if lane < 3:  # an otherwise idle machine: the ratios are the speed-ups
            lines += [
                "",
                (
                    f"Measured on an otherwise idle machine (load average ~{lane:.1f}, the runs' "
                    f"own processes): 2 processes train {sps[2] / sps[1]:.2f}x the seeds per "
                    f"second of 1; the whole run (each rank also loads the database, builds its "
                    f"task tables, opens the graph and predicts its share) took "
                    f"{wall[1]:.0f} s with 1 process and {wall[2]:.0f} s with 2 "
                    f"({wall[1] / wall[2]:.2f}x faster). Each process keeps batches of 512, so 2 "
                    f"processes make half the optimiser steps per epoch; compare the test AUROC "
                    f"difference with the seeds' spread."
                ),
            ]
        elif all(cpu.values()):
            c1, c2 = statistics.mean(cpu[1]), statistics.mean(cpu[2])
            lines += [
                "",
                (
                    f"Read the throughput ratio with the machine's load: the 2 cores were shared "
                    f"with other jobs (load average ~{lane:.0f} during the runs), and the "
                    f"scheduler gives every runnable process a like share, so two processes got "
                    f"about twice the CPU of one — most of the {sps[2] / sps[1]:.1f}x. The whole "
                    f"run (each rank loads the database, builds its task tables, opens the graph "
                    f"and predicts its share) cost {c1:.0f} CPU-seconds with 1 process and "
                    f"{c2:.0f} with 2 ({c2 / c1:.2f}x), so on an idle 2-core machine the whole "
                    f"run could be at most ~{2 * c1 / c2:.1f}x faster with 2 processes (an "
                    f"estimate from CPU time, not a measurement). The metric difference is "
                    f"within the seeds' spread."
                ),
            ]
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", default="/work/bench/rel-f1.duckdb")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--runs-dir", default="/work/bench/ddp_runs")
    p.add_argument("--report-only", action="store_true")
    a = p.parse_args()
    RESULTS.mkdir(exist_ok=True)
    raw = RESULTS / "ddp_f1.json"
    runs = json.loads(raw.read_text()) if raw.exists() else []
    done = {(r["nproc"], r["seed"]) for r in runs}
    for seed in [] if a.report_only else a.seeds:
        for nproc in (1, 2):
            if (nproc, seed) in done:
                continue
            runs.append(
                one_run(a.db, nproc, seed, a.epochs, Path(a.runs_dir) / f"n{nproc}-s{seed}")
            )
            raw.write_text(json.dumps(runs, indent=1))
            print(runs[-1], flush=True)
    cmd = f"nice -n 10 python benchmarks/ddp_f1.py --db {a.db} --epochs {a.epochs}"
    (RESULTS / "ddp_f1.md").write_text(report(runs, cmd))
    print((RESULTS / "ddp_f1.md").read_text())


if __name__ == "__main__":
    main()
