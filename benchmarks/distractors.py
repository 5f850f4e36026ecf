"""Readout robustness to distractors on real data (Brothers 2025, "Robust Noise
Attenuation via Adaptive Pooling of Transformer Outputs", on rel-f1): ``k`` rows of
unrelated drivers (dated <= the seed time) are added to every seed's subgraph in
training and evaluation, for ``k`` in {0, 16, 64, 256}; test AUROC per readout.

    python benchmarks/distractors.py [sweep|report] [--task driver-top3] [--ks 0,16,64,256]
        [--poolings seed,mean,...] [--seeds 42,43,44] [--mode attach|pool]
        [--protocol relbench|rolling] [--jobs 2]
        [--runs /tmp/rdl-runs/distractors] [--out benchmarks/results/distractors]
    python benchmarks/distractors.py run --pooling adaptive --k 256 --seed 42 --json FILE

Distractors: ``distractor_transform.DistractorTransform` (beside this script)`. ``--mode attach`` (default)
links each distractor to its seed like a real first-hop row, so message passing sees
it (the paper's setting: noise is part of the encoder's input); ``--mode pool`` adds
it to the pooled set only. Each (pooling, k, seed) is one process (``run``
subcommand), one torch thread, at most ``--jobs`` at once; finished runs are reused.
Writes ``OUT.md`` (table: val and test AUROC, mean ± std over seeds) and ``OUT.png``
(test AUROC against k, one line per readout). ``report`` renders both from the runs
finished so far under ``--runs`` and runs nothing (a point without runs is a "—" cell
and a gap in its line).
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
POOLINGS = "seed,mean,max,attention,adaptive,rn,gem,simpool,gated,gnp"


def run(args) -> None:
    """One training with distractors; writes a JSON of val / test AUROC."""
    from distractor_transform import DistractorLoader, DistractorTransform

    from rdl.db import connect
    from rdl.metrics import METRICS
    from rdl.sampling.loader import NodeLoader
    from rdl.tasks import load_task
    from rdl.train import EntityTrainer, TrainConfig
    from rdl.train.job import split_tables_and_graph
    from rdl.train.seeds import make_seeds

    t0 = time.perf_counter()
    # the GNN alone, as every run of this benchmark (MiniLM text, RelBench's fixed batch,
    # no seed features, stale cut-offs or blend: rdl's defaults before issues 9 and 11)
    config = TrainConfig(
        pooling=args.pooling,
        seed=args.seed,
        epochs=args.epochs,
        threads=1,
        protocol=args.protocol,
        text="minilm",
        min_steps_per_epoch=0,
        seed_features=[],
        blend=False,
        stale_prob=0.0,
    )
    db = connect(f"duckdb:///{Path(args.db).resolve()}")
    task = load_task(f"rel-f1/{args.task}", db)
    tables, graph, _ = split_tables_and_graph(task, config)
    seeds = {s: make_seeds(task, t, graph) for s, t in tables.items()}
    attach = args.mode == "attach"

    class DistractorTrainer(EntityTrainer):
        """`EntityTrainer` whose batches carry ``k`` distractors per seed."""

        def __init__(self, *a):
            super().__init__(*a)
            self.train_transform = DistractorTransform(
                graph, task.entity_table, args.k, attach, seed=args.seed
            )

        def train_batches(self, s, rng):
            return DistractorLoader(super().train_batches(s, rng), self.train_transform)

        @torch.no_grad()
        def predict(self, s, batch_size=None):
            self.model.eval()
            loader = NodeLoader(
                self.sampler(),
                graph.node_time,
                task.entity_table,
                s.node,
                s.time,
                batch_size=config.batch_size,
            )
            fixed = DistractorTransform(
                graph, task.entity_table, args.k, attach, seed=10_000 + args.seed
            )
            with config.autocast():
                out = [self.model(fixed(b), graph.tf_dict).float() for b, _ in loader]
            return torch.sigmoid(torch.cat(out).view(-1)).numpy()

    trainer = DistractorTrainer(task, graph, config, seeds["train"].y)
    history = trainer.fit(seeds["train"], seeds["val"], progress=False)
    metric = task.metrics[0]
    res = {
        "task": args.task,
        "pooling": args.pooling,
        "k": args.k,
        "seed": args.seed,
        "mode": args.mode,
        "protocol": config.protocol,
        "metric": metric,
        "val": trainer.evaluate(seeds["val"])[metric],
        "test": float(METRICS[metric](seeds["test"].y.numpy(), trainer.predict(seeds["test"]))),
        "epochs": len(history),
        "seconds": time.perf_counter() - t0,
        "epoch_s": float(np.mean([h["seconds"] for h in history])),
    }
    Path(args.json).write_text(json.dumps(res))


def sweep(args) -> None:
    runs = Path(args.runs)
    runs.mkdir(parents=True, exist_ok=True)
    ks = [int(k) for k in args.ks.split(",")]
    poolings = args.poolings.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    jobs = [(p, k, s) for s in seeds for k in ks for p in poolings]

    def work(job):
        p, k, s = job
        path = runs / f"{args.task}-{args.protocol}-{args.mode}-{p}-k{k}-{s}.json"
        if not path.exists():
            cmd = [
                sys.executable,
                __file__,
                "run",
                "--db",
                args.db,
                "--task",
                args.task,
                "--pooling",
                p,
                "--k",
                str(k),
                "--seed",
                str(s),
                "--mode",
                args.mode,
                "--epochs",
                str(args.epochs),
                "--protocol",
                args.protocol,
                "--json",
                str(path),
            ]
            with open(path.with_suffix(".log"), "w") as log:
                subprocess.run(cmd, check=True, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        res = json.loads(path.read_text())
        print(
            f"{p} k={k} seed={s}: val {res['val']:.4f} test {res['test']:.4f} "
            f"({res['seconds']:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
        return job, res

    with ThreadPoolExecutor(args.jobs) as pool:
        results = dict(pool.map(work, jobs))
    report(args, results, poolings, ks, seeds)


def finished(args, poolings: list[str], ks: list[int], seeds: list[int]) -> dict:
    """``(pooling, k, seed) -> result`` of the runs under ``--runs`` that finished."""
    runs = Path(args.runs)
    out = {}
    for p in poolings:
        for k in ks:
            for s in seeds:
                path = runs / f"{args.task}-{args.protocol}-{args.mode}-{p}-k{k}-{s}.json"
                if path.exists():
                    out[(p, k, s)] = json.loads(path.read_text())
    return out


def report(args, results: dict, poolings: list[str], ks: list[int], seeds: list[int]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def stats(p, k, split):
        """(mean, std, n) over the seeds with a run (NaN, NaN, 0 without any)."""
        v = [results[(p, k, s)][split] for s in seeds if (p, k, s) in results]
        if not v:
            return float("nan"), float("nan"), 0
        return statistics.mean(v), (statistics.stdev(v) if len(v) > 1 else 0.0), len(v)

    metric = next(iter(results.values()))["metric"]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = " ".join(["python benchmarks/distractors.py", *sys.argv[1:]])
    lines = [
        f"# Readouts under distractors — rel-f1 {args.task}, mode `{args.mode}`, "
        f"protocol `{args.protocol}`",
        "",
        f"Command: `{cmd}`",
        "",
        f"Test {metric} (mean ± std over seeds {', '.join(map(str, seeds))}; a cell of "
        "fewer seeds says n); val in brackets; — : not run. k distractor rows of other "
        "drivers (dated <= the seed time) per seed, in training and evaluation.",
        "",
        "| pooling | " + " | ".join(f"k = {k}" for k in ks) + f" | drop k=0 -> {ks[-1]} |",
        "|---|" + "---|" * (len(ks) + 1),
    ]
    for p in poolings:
        cells = []
        for k in ks:
            (tm, ts, n), (vm, _, _) = stats(p, k, "test"), stats(p, k, "val")
            few = f", n={n}" if 0 < n < len(seeds) else ""
            cells.append(
                "—"
                if n == 0
                else f"{tm:.4f}" + (f" ± {ts:.4f}" if len(seeds) > 1 else "") + f" ({vm:.4f}{few})"
            )
        drop = stats(p, ks[0], "test")[0] - stats(p, ks[-1], "test")[0]
        lines.append(
            f"| {p} | "
            + " | ".join(cells)
            + " | "
            + ("—" if np.isnan(drop) else f"{drop:+.4f}")
            + " |"
        )
    secs = [r["seconds"] for r in results.values()] or [0.0]
    lines += [
        "",
        f"{len(results)} runs, {sum(secs) / 3600:.1f} h of single-thread run time "
        f"(median {statistics.median(secs):.0f} s per run).",
    ]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    fig, ax = plt.subplots(figsize=(7, 4.5))
    xs = np.arange(len(ks))
    for p in poolings:
        m = np.array([stats(p, k, "test")[0] for k in ks])
        s = np.array([stats(p, k, "test")[1] for k in ks])
        if np.isnan(m).all():
            continue
        style = "-" if p in ("adaptive", "mean", "max", "seed") else "--"
        ax.errorbar(xs, m, yerr=s, label=p, linestyle=style, marker="o", capsize=2)
    ax.set_xticks(xs, [str(k) for k in ks])
    ax.set_xlabel("distractor rows per seed (k)")
    ax.set_ylabel(f"test {metric}")
    ax.set_title(f"rel-f1 {args.task}: readouts under distractors ({args.mode})")
    ax.legend(ncol=2, fontsize=8)
    fig.tight_layout()
    fig.savefig(out.with_suffix(".png"), dpi=120)
    print("\n".join(lines))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("command", nargs="?", default="sweep", choices=["sweep", "run", "report"])
    p.add_argument("--db", default="/work/bench/rel-f1.duckdb")
    p.add_argument("--task", default="driver-top3")
    p.add_argument("--mode", default="attach", choices=["attach", "pool"])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--protocol", default="relbench", choices=["relbench", "rolling"])
    p.add_argument("--ks", default="0,16,64,256")
    p.add_argument("--poolings", default=POOLINGS)
    p.add_argument("--seeds", default="42,43,44")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--runs", default="/tmp/rdl-runs/distractors")
    p.add_argument("--out", default="benchmarks/results/distractors")
    # `run` only
    p.add_argument("--pooling", default="seed")
    p.add_argument("--k", type=int, default=0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--json", default=None)
    args = p.parse_args()
    torch.set_num_threads(1)
    if args.command == "run":
        run(args)
    elif args.command == "report":
        ks, poolings = [int(k) for k in args.ks.split(",")], args.poolings.split(",")
        seeds = [int(s) for s in args.seeds.split(",")]
        report(args, finished(args, poolings, ks, seeds), poolings, ks, seeds)
    else:
        sweep(args)


if __name__ == "__main__":
    main()
