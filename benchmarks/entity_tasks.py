"""Every baseline and the GNN on a built-in dataset's entity tasks, over several seeds.

    python benchmarks/entity_tasks.py --dataset berka [--tasks loan-default] \\
        [--seeds 42,43,44] [--epochs 10] [--extra "--threads 1"] [--rule-off] \\
        [--out benchmarks/results/berka.md]

Builds the dataset with ``rdl datasets build`` (or takes ``--db``), runs ``rdl train`` once
per seed (RelBench protocol, default settings plus ``--extra``; baselines come with every
run — they do not depend on the GNN's seed except ``random``/LightGBM, which use their own
fixed seed) and writes a markdown table: val and test of the task's first metrics for
every baseline and for the GNN (mean ± std over seeds, and per seed), the split sizes, the
warnings of the report, and the wall time. ``--rule-off`` also trains the GNN with
``--min-steps-per-epoch 0`` (RelBench's fixed batch size) to measure the small-task rule.
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


def run(db: str, task: str, seed: int, extra: list[str], out: Path) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "rdl.cli",
        "train",
        "--db",
        db,
        "--task",
        task,
        "--seed",
        str(seed),
        "--out",
        str(out),
        *extra,
    ]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    res = json.loads((out / "results.json").read_text())
    res["wall_s"] = time.perf_counter() - t0
    return res


def ms(values: list[float]) -> str:
    if not values:
        return "n/a"
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f} ± {sd:.4f}"


def table(task: str, runs: list[dict], off: list[dict], metrics: list[str]) -> list[str]:
    first = runs[0]
    lines = [
        f"### {task}",
        "",
        "Rows (train / val / test): "
        + " / ".join(f"{first['splits'][s]:,}" for s in ("train", "val", "test")),
        "",
    ]
    head = "| model | " + " | ".join(f"val {m} | test {m}" for m in metrics) + " |"
    lines += [head, "|---|" + "---|" * (2 * len(metrics))]
    for name, entry in first["baselines"].items():
        cells = []
        for m in metrics:
            cells += [
                f"{entry['val'].get(m, float('nan')):.4f}",
                f"{entry['test'].get(m, float('nan')):.4f}",
            ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for label, group in (("**GNN** (mean ± std)", runs), ("GNN, min-steps rule off", off)):
        if not group:
            continue
        cells = []
        for m in metrics:
            cells += [
                ms([r["models"]["gnn"]["val"][m] for r in group]),
                ms([r["models"]["gnn"]["test"][m] for r in group]),
            ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    m0 = metrics[0]
    lines += [
        "",
        "Per seed ("
        + m0
        + ", val / test): "
        + "; ".join(
            f"{r['config']['seed']}: {r['models']['gnn']['val'][m0]:.4f} / "
            f"{r['models']['gnn']['test'][m0]:.4f} (batch {r['models']['gnn'].get('batch_size')})"
            for r in runs
        ),
    ]
    if off:
        lines += [
            "Rule off, per seed: "
            + "; ".join(
                f"{r['config']['seed']}: {r['models']['gnn']['val'][m0]:.4f} / "
                f"{r['models']['gnn']['test'][m0]:.4f} (batch {r['models']['gnn'].get('batch_size')})"
                for r in off
            )
        ]
    lines += [
        "",
        f"Wall time per run (incl. baselines): "
        f"{statistics.mean(r['wall_s'] for r in runs):.0f} s; GNN fit "
        f"{statistics.mean(r['models']['gnn']['fit_seconds'] for r in runs):.0f} s; "
        f"peak RSS {max(r['peak_rss_mb'] for r in runs):.0f} MB.",
        "",
    ]
    warnings = sorted({w for r in runs for w in r.get("warnings", [])})
    if warnings:
        lines += ["Warnings printed under the results (any seed):", ""]
        lines += [f"- {w}" for w in warnings] + [""]
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", required=True)
    p.add_argument("--tasks", default=None, help="comma-separated (default: all entity tasks)")
    p.add_argument("--seeds", default="42,43,44")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--db", default=None)
    p.add_argument("--extra", default="", help="extra `rdl train` options, quoted")
    p.add_argument("--rule-off", action="store_true")
    p.add_argument("--out", default=None, help="markdown file (default: print)")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp())
    db = args.db
    if db is None:
        db = str(tmp / f"{args.dataset}.duckdb")
        subprocess.run(
            [sys.executable, "-m", "rdl.cli", "datasets", "build", args.dataset, "--out", db],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
    if args.tasks:
        tasks = args.tasks.split(",")
    else:
        from rdl.project import TASKS_DIR, load_file

        mod = load_file(TASKS_DIR / f"{args.dataset.replace('-', '_')}.py")
        tasks = [
            c.name
            for c in vars(mod).values()
            if isinstance(c, type)
            and getattr(c, "name", None)
            and getattr(c, "entity_table", None)
            and c.__module__ == mod.__name__
        ]
    extra = ["--epochs", str(args.epochs), *args.extra.split()]
    seeds = [int(s) for s in args.seeds.split(",")]
    t0 = time.perf_counter()
    lines = []
    for task in tasks:
        spec = f"{args.dataset}/{task}"
        runs = [run(db, spec, s, extra, tmp / f"{task}-{s}") for s in seeds]
        off = (
            [
                run(db, spec, s, extra + ["--min-steps-per-epoch", "0"], tmp / f"{task}-{s}-off")
                for s in seeds
            ]
            if args.rule_off
            else []
        )
        metrics = runs[0]["metrics"][:2]
        lines += table(spec, runs, off, metrics)
        print(f"{spec} done ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    cmd = "python benchmarks/entity_tasks.py " + " ".join(sys.argv[1:])
    header = [
        f"# {args.dataset}: every baseline and the GNN, {len(seeds)} seeds (RelBench protocol)",
        "",
        f"Command: `{cmd}` — total {time.perf_counter() - t0:.0f} s.",
        "",
    ]
    text = "\n".join(header + lines)
    if args.out:
        Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
