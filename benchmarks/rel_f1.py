"""rel-f1 quality and speed: rdl's models on driver-dnf / driver-top3 / driver-position over
several seeds and both protocols, beside both LightGBM baselines and published figures.

    python benchmarks/rel_f1.py [--db rel-f1.duckdb] [--tasks driver-dnf,...]
        [--seeds 42,43,44] [--protocols relbench,rolling] [--variants today,final,...]
        [--runs DIR] [--threads 1] [--md benchmarks/results/rel_f1.md]
        [--epochs 10] [--precision auto] [--extra "..."] [--no-baselines]
        [--splits test] [--no-published] [--no-train]

Every run is a separate ``rdl train`` process (graph cache shared); a run whose
``results.json`` already sits under ``--runs`` is reused, so an interrupted benchmark
resumes. Variants (``VARIANTS``): ``today`` is rdl's GNN before issue 9
(``--preset relbench-2024``), ``final`` is ``rdl train``'s defaults, the others add or
remove one lever each. The baselines come from ``rdl baseline --seed S`` per seed.
Prints, per protocol and split (``--splits``: ``test``, ``val``, ``val_stale``), one
markdown table (the task's metric, mean ± std over the seeds): the comparison with
RelBench's published figures only under ``relbench`` and on the test split.
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
METRIC = {"driver-dnf": "roc_auc", "driver-top3": "roc_auc", "driver-position": "mae"}
# Published test figures under RelBench's inputs (issue 9's table): RelBench (Robinson et
# al. 2024) GNN and LightGBM, RelGNN, RT fine-tuned, KumoRFM-2, GelGT.
PUBLISHED = {
    "driver-dnf": {
        "RelBench GNN": 0.7262,
        "RelBench LightGBM": 0.6856,
        "RelGNN": 0.7530,
        "RT (fine-tuned)": 0.8420,
        "KumoRFM-2": 0.8460,
    },
    "driver-top3": {
        "RelBench GNN": 0.7554,
        "RelBench LightGBM": 0.7392,
        "RelGNN": 0.8570,
        "RT (fine-tuned)": 0.9210,
        "KumoRFM-2": 0.9220,
        "GelGT": 0.84,
    },
    "driver-position": {"RelBench GNN": 4.022, "RelBench LightGBM": 4.170, "GelGT": 3.73},
}
# name -> (extra `rdl train` options, models of the run to report: results key -> label)
_TODAY = ["--preset", "relbench-2024"]
VARIANTS = {
    "today": (_TODAY, {"gnn": "rdl GNN, today (`--preset relbench-2024`)"}),
    "final": (
        [],
        {
            "gnn": "rdl GNN, default (today + seed features + stale cut-offs)",
            "lightgbm_cutoff": "rdl LightGBM on the seed features at the cut-off",
            "blend": "rdl blend (default GNN + LightGBM at the cut-off), default",
        },
    ),
    # levers screened (issue 9); each adds or removes one option
    "final-stale0": (
        ["--stale-prob", "0"],
        {
            "gnn": "default without stale cut-offs (`--stale-prob 0`)",
            "blend": "blend, default without stale cut-offs",
        },
    ),
    "today+aggregates": (
        [*_TODAY, "--seed-features", "aggregates"],
        {"gnn": "today + aggregates of the entity"},
    ),
    "today+past-labels": (
        [*_TODAY, "--seed-features", "past_labels"],
        {"gnn": "today + past labels"},
    ),
    "final+cutoff": (["--time-reference", "cutoff"], {"gnn": "default + ages against the cut-off"}),
    "final+last": (["--temporal-strategy", "last"], {"gnn": "default + last sampling"}),
    "final+mixed": (["--temporal-strategy", "mixed"], {"gnn": "default + mixed sampling"}),
}


def run_train(
    db: str, task: str, seed: int, protocol: str, flags: list[str], out: Path, args
) -> dict:
    """One ``rdl train`` in a fresh process (clean timing and peak RSS), reused if done."""
    path = out / "results.json"
    if not path.exists() and args.no_train:
        return None
    if not path.exists():
        cmd = [
            sys.executable,
            "-m",
            "rdl.cli",
            "train",
            "--db",
            db,
            "--task",
            f"rel-f1/{task}",
            "--seed",
            str(seed),
            "--protocol",
            protocol,
            "--out",
            str(out),
            "--no-baselines",
            *flags,
        ]
        if args.epochs is not None:
            cmd += ["--epochs", str(args.epochs)]
        if args.precision:
            cmd += ["--precision", args.precision]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        cmd += args.extra.split()
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        res = json.loads(path.read_text())
        res["wall_s"] = time.perf_counter() - t0
        path.write_text(json.dumps(res, indent=1))
    res = json.loads(path.read_text())
    cfg = res["config"]
    if cfg["seed"] != seed or cfg["protocol"] != protocol:
        raise RuntimeError(
            f"{path} holds seed {cfg['seed']} / {cfg['protocol']}, expected "
            f"{seed} / {protocol}: delete it"
        )
    return res


def run_baseline(db: str, task: str, seed: int, protocol: str, out: Path, args) -> dict | None:
    path = out / "results.json"
    if not path.exists() and args.no_train:
        return None
    if not path.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "rdl.cli",
                "baseline",
                "--db",
                db,
                "--task",
                f"rel-f1/{task}",
                "--seed",
                str(seed),
                "--protocol",
                protocol,
                "--only",
                "lightgbm_entity,lightgbm_aggregated",
                "--out",
                str(out),
            ],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
    return json.loads(path.read_text())


def fmt(values: list[float], expected: int | None = None) -> str:
    """mean ± std; a cell of fewer seeds than ``expected`` says how many it has."""
    if not values:
        return "—"
    if len(values) == 1:
        return f"{values[0]:.4f} (1 seed)"
    sd = statistics.stdev(values)
    short = f" ({len(values)} seeds)" if expected and len(values) < expected else ""
    return f"{statistics.mean(values):.4f} ± {sd:.4f}{short}"


def table(
    rows: dict,
    tasks: list[str],
    protocol: str,
    nseeds: int,
    split: str = "test",
    published: bool = True,
) -> str:
    """Markdown: one row per model, one column per task (test metric, mean ± std)."""
    head = (
        "| model | "
        + " | ".join(f"{t} ({'AUROC ↑' if METRIC[t] == 'roc_auc' else 'MAE ↓'})" for t in tasks)
        + " |"
    )
    lines = [head, "|---|" + "---|" * len(tasks)]
    for label, per_task in rows.items():
        lines.append(
            f"| {label} | " + " | ".join(fmt(per_task.get(t, []), nseeds) for t in tasks) + " |"
        )
    if protocol == "relbench" and split == "test" and published:
        names = sorted({n for t in tasks for n in PUBLISHED[t]})
        for n in names:
            cells = [
                f"{PUBLISHED[t][n]:.4f} (published)" if n in PUBLISHED[t] else "—" for t in tasks
            ]
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + f"\n\n{split} split, mean ± std over {nseeds} seeds.\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", default=",".join(METRIC))
    p.add_argument("--seeds", default="42,43,44")
    p.add_argument("--protocols", default="relbench,rolling")
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--precision", default=None)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--db", default=None, help="rel-f1 URL (default: build into a temp DuckDB)")
    p.add_argument(
        "--runs",
        "--out",
        dest="runs",
        default=None,
        help="directory of the runs (reused when present)",
    )
    p.add_argument("--md", default=None, help="also write the tables to this markdown file")
    p.add_argument("--no-baselines", action="store_true")
    p.add_argument("--extra", default="", help="extra `rdl train` options, quoted")
    p.add_argument("--splits", default="test", help="comma-separated: test, val, val_stale")
    p.add_argument("--no-published", action="store_true", help="leave out published figures")
    p.add_argument(
        "--no-train",
        action="store_true",
        help="only report the runs already under --runs (train nothing)",
    )
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
    runs = Path(args.runs) if args.runs else tmp / "runs"
    tasks, seeds = args.tasks.split(","), [int(s) for s in args.seeds.split(",")]
    splits = args.splits.split(",")
    out = []
    for protocol in args.protocols.split(","):
        rows: dict[str, dict[str, dict[str, list[float]]]] = {sp: {} for sp in splits}
        timing: dict[str, list[float]] = {}
        for task in tasks:
            metric = METRIC[task]
            for name in args.variants.split(","):
                flags, models = VARIANTS[name]
                for s in seeds:
                    res = run_train(
                        db, task, s, protocol, flags, runs / name / protocol / f"{task}-{s}", args
                    )
                    if res is None:
                        continue
                    for key, label in models.items():
                        for sp in splits:
                            value = res["models"].get(key, {}).get(sp, {}).get(metric)
                            if value is not None:
                                rows[sp].setdefault(label, {}).setdefault(task, []).append(value)
                    timing.setdefault(f"{name} {task}", []).append(res["timing"]["total_s"])
                    print(
                        f"{protocol} {task} {name} seed {s}: "
                        f"{res['models']['gnn']['test'][metric]:.4f}",
                        file=sys.stderr,
                    )
            if not args.no_baselines:
                for s in seeds:
                    b = run_baseline(
                        db, task, s, protocol, runs / "baselines" / protocol / f"{task}-{s}", args
                    )
                    if b is None:
                        continue
                    for key, label in (
                        ("lightgbm_entity", "rdl LightGBM entity"),
                        ("lightgbm_aggregated", "rdl LightGBM aggregated"),
                    ):
                        for sp in splits:
                            value = b["baselines"][key].get(sp, {}).get(metric)
                            if value is not None:
                                rows[sp].setdefault(label, {}).setdefault(task, []).append(value)
        title = (
            "## RelBench protocol (inputs cut at the test timestamp; comparable with "
            "RelBench's published figures)"
            if protocol == "relbench"
            else "## Rolling protocol (each seed sees every row up to its seed time; NOT "
            "comparable with RelBench's figures)"
        )
        times = "; ".join(f"{k}: {statistics.mean(v):.0f} s" for k, v in timing.items())
        tables = "\n".join(
            table(rows[sp], tasks, protocol, len(seeds), sp, not args.no_published)
            for sp in splits
            if rows[sp]
        )
        out.append(f"{title}\n\n{tables}\nMean `rdl train` total seconds per run: {times}.\n")
    text = "\n".join(out)
    print(text)
    if args.md:
        Path(args.md).write_text(text)


if __name__ == "__main__":
    main()
