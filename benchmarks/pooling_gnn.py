"""Message passing (``--gnn``) and readouts (``--pooling``) on rel-f1: seconds per training
batch on driver-dnf, and val / test metrics of 3-seed trainings on driver-top3 and
driver-dnf. Every option is measured with the other at its default (gnn ``sage``,
pooling ``seed``).

    python benchmarks/pooling_gnn.py speed [--db rel-f1.duckdb] [--batches 8] [--options ...]
    python benchmarks/pooling_gnn.py accuracy [--db rel-f1.duckdb] [--tasks driver-top3,driver-dnf]
        [--seeds 42,43,44] [--options gnn=gat+pooling=seed,...] [--protocol relbench|rolling]
        [--jobs 2] [--out DIR]

``speed``: thread CPU time of sampling, forward and backward (one torch thread, batch
512, median over ``--batches`` batches after two warm-ups; `benchmarks/train_step.py`'s
method). ``accuracy``: one ``rdl train --threads 1 --no-baselines`` per (task, option,
seed), at most ``--jobs`` at once; prints a markdown table of val and test (mean ± std)
and the wall time per run, and keeps each run's ``results.json`` under ``--out``
(``table``: the same table from the runs finished so far, running nothing).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

GNNS = ("sage", "gat", "rn", "hgt")
POOLINGS = ("seed", "mean", "max", "attention", "adaptive", "rn", "gem", "simpool", "gated", "gnp")
METRIC = {"driver-top3": "roc_auc", "driver-dnf": "roc_auc", "driver-position": "mae"}


def all_options() -> list[tuple[str, str]]:
    """(gnn, pooling) pairs: each gnn with the seed readout, each pooling with sage."""
    return [(g, "seed") for g in GNNS] + [("sage", p) for p in POOLINGS if p != "seed"]


def chosen_options(text: str) -> list[tuple[str, str]]:
    """``"gnn=gat,pooling=mean,gnn=rn+pooling=max"`` -> (gnn, pooling) pairs (the other at
    its default); ``""``: `all_options`."""
    if not text:
        return all_options()
    pairs = [dict(kv.split("=") for kv in o.split("+")) for o in text.split(",")]
    return [(d.get("gnn", "sage"), d.get("pooling", "seed")) for d in pairs]


def speed(args) -> None:
    from train_step import step_times

    from rdl.db import connect
    from rdl.graph import build_graph
    from rdl.tasks import load_task
    from rdl.train import TrainConfig
    from rdl.train.config import preset_config
    from rdl.train.seeds import make_seeds

    torch.set_num_threads(1)
    db = connect(f"duckdb:///{Path(args.db).resolve()}")
    task = load_task("rel-f1/driver-dnf", db)
    graph = build_graph(db, stats_until=task.test_timestamp)
    seeds = make_seeds(task, task.get_table("train"), graph)
    precision = TrainConfig().precision
    print(
        f"rel-f1 driver-dnf, batch 512, fanout [128, 64], entity batch order, {precision}, "
        "1 thread; thread CPU seconds per batch (median)\n"
    )
    print("| gnn | pooling | parameters | sample s | forward s | backward s | total s / batch |")
    print("|---|---|---|---|---|---|---|")
    for gnn, pooling in chosen_options(args.options):
        config = preset_config("relbench-2024", gnn=gnn, pooling=pooling, threads=1)
        torch.manual_seed(0)
        np.random.seed(0)
        t = step_times(task, graph, seeds, config, args.batches)
        from rdl.train import EntityTrainer

        n_params = sum(
            p.numel() for p in EntityTrainer(task, graph, config, seeds.y).model.parameters()
        )
        print(
            f"| {gnn} | {pooling} | {n_params:,} | {t['sample']:.3f} | {t['forward']:.3f} | "
            f"{t['backward']:.3f} | {sum(t.values()):.3f} |",
            flush=True,
        )


def run_one(
    db: str,
    task: str,
    gnn: str,
    pooling: str,
    seed: int,
    out: Path,
    extra: list[str],
    protocol: str = "relbench",
) -> dict:
    """One ``rdl train`` in a fresh process; its results.json plus the wall time."""
    out.mkdir(parents=True, exist_ok=True)
    # the GNN before issue 9's levers (the settings every run of this benchmark used)
    cmd = [
        sys.executable,
        "-m",
        "rdl.cli",
        "train",
        "--db",
        db,
        "--task",
        f"rel-f1/{task}",
        "--preset",
        "relbench-2024",
        "--seed",
        str(seed),
        "--gnn",
        gnn,
        "--pooling",
        pooling,
        "--threads",
        "1",
        "--no-baselines",
        "--protocol",
        protocol,
        "--out",
        str(out),
        *extra,
    ]
    path = out / "results.json"
    if path.exists():  # resume: a finished run is not repeated
        return json.loads(path.read_text())
    t0 = time.perf_counter()
    with open(out / "log.txt", "w") as log:
        subprocess.run(cmd, check=True, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    res = json.loads(path.read_text())
    res["wall_s"] = time.perf_counter() - t0
    path.write_text(json.dumps(res))
    return res


def accuracy(args) -> None:
    tasks = args.tasks.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    options = chosen_options(args.options)
    out = Path(args.out)
    jobs = [
        (t, g, p, s) for s in seeds for t in tasks for g, p in options
    ]  # one seed of everything first
    extra = args.extra.split() if args.extra else []

    def work(job):
        t, g, p, s = job
        res = run_one(
            args.db, t, g, p, s, out / f"{args.protocol}-{t}-{g}-{p}-{s}", extra, args.protocol
        )
        m = METRIC[t]
        print(
            f"{t} gnn={g} pooling={p} seed={s}: val {res['models']['gnn']['val'][m]:.4f} "
            f"test {res['models']['gnn']['test'][m]:.4f} ({res.get('wall_s', 0):.0f} s)",
            file=sys.stderr,
            flush=True,
        )
        return job, res

    if args.what == "accuracy":
        with ThreadPoolExecutor(args.jobs) as pool:
            list(pool.map(work, jobs))
    table(args, tasks, options, seeds)


def table(args, tasks, options, seeds) -> None:
    """The markdown table of every finished run under ``--out`` (seeds not run yet are
    left out; ``n`` says how many seeds each row has)."""
    out = Path(args.out)
    print(f"protocol `{args.protocol}`; `rdl train` defaults otherwise (10 epochs, 1 thread)\n")
    print(
        "| task | gnn | pooling | n | val (mean ± std) | test (mean ± std) | test per seed | wall s / run | epoch s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for t in tasks:
        m = METRIC[t]
        for g, p in options:
            paths = [out / f"{args.protocol}-{t}-{g}-{p}-{s}" / "results.json" for s in seeds]
            runs = [json.loads(x.read_text()) for x in paths if x.exists()]
            if not runs:
                continue
            val = [r["models"]["gnn"]["val"][m] for r in runs]
            test = [r["models"]["gnn"]["test"][m] for r in runs]
            sd = lambda v: statistics.stdev(v) if len(v) > 1 else 0.0  # noqa: E731
            wall = statistics.mean(r.get("wall_s", float("nan")) for r in runs)
            epoch = statistics.mean(r["timing"]["epoch_s"] for r in runs)
            print(
                f"| {t} | {g} | {p} | {len(runs)} | {statistics.mean(val):.4f} ± {sd(val):.4f} | "
                f"{statistics.mean(test):.4f} ± {sd(test):.4f} | "
                f"{' / '.join(f'{v:.4f}' for v in test)} | {wall:.0f} | {epoch:.1f} |"
            )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", choices=["speed", "accuracy", "table"])
    p.add_argument("--db", default="/work/bench/rel-f1.duckdb")
    p.add_argument("--batches", type=int, default=8)
    p.add_argument("--tasks", default="driver-top3,driver-dnf")
    p.add_argument("--seeds", default="42,43,44")
    p.add_argument(
        "--options", default="", help="comma-separated gnn=NAME+pooling=NAME (default: all)"
    )
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--protocol", default="relbench", choices=["relbench", "rolling"])
    p.add_argument("--extra", default="", help="extra `rdl train` options, quoted")
    p.add_argument("--out", default="/tmp/rdl-runs/pooling-gnn")
    args = p.parse_args()
    speed(args) if args.what == "speed" else accuracy(args)  # "table": accuracy without running


if __name__ == "__main__":
    main()
