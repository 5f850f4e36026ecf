"""Recommending new items: link models vs popularity on synthetic-ratings (users never
rate an item twice), with peak memory.

    python benchmarks/recommend_new_items.py [--models contextgnn,two-tower,idgnn]
        [--seeds 42,43,44] [--epochs 5] [--extra "--threads 1"] [--db FILE]
        [--out benchmarks/results/recommend_new_items.md]

Builds the ~100k-row database with ``rdl datasets build synthetic-ratings`` (or takes
``--db``) and runs ``rdl train --task synthetic-ratings/user-item-rate --model M`` once per
model and seed under ``/usr/bin/time -v`` (peak resident memory of the whole process,
graph build and evaluation included). Prints a markdown table of MAP@10 (val / test, mean
± std over seeds) beside the link baselines (global popularity, past visits), the fit
time, the peak RSS and the warnings of the report.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASK = "synthetic-ratings/user-item-rate"


def run(db: str, model: str, seed: int, extra: list[str], out: Path) -> dict:
    done = out / "results.json"
    if done.exists() and (out / "time-v.txt").exists():  # --runs-dir: resume
        res = json.loads(done.read_text())
        res.update(json.loads((out / "time-v.txt").read_text()))
        return res
    cmd = [
        "/usr/bin/time",
        "-v",
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
        "--seed",
        str(seed),
        "--out",
        str(out),
        *extra,
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    res = json.loads(done.read_text())
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    extra_fields = {
        "wall_s": time.perf_counter() - t0,
        "time_v_peak_mb": int(m.group(1)) / 1024 if m else None,
    }
    (out / "time-v.txt").write_text(json.dumps(extra_fields))
    res.update(extra_fields)
    return res


def ms(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f} ± {sd:.4f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default="contextgnn,two-tower,idgnn")
    p.add_argument("--seeds", default="42,43,44")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--db", default=None)
    p.add_argument("--extra", default="")
    p.add_argument("--out", default=None)
    p.add_argument(
        "--runs-dir",
        default=None,
        help="keep each run's output here; runs already there are read, not run again",
    )
    args = p.parse_args()
    tmp = Path(args.runs_dir) if args.runs_dir else Path(tempfile.mkdtemp())
    tmp.mkdir(parents=True, exist_ok=True)
    db = args.db
    if db is None:
        db = str(tmp / "ratings.duckdb")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "rdl.cli",
                "datasets",
                "build",
                "synthetic-ratings",
                "--out",
                db,
            ],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
    extra = ["--epochs", str(args.epochs), *args.extra.split()]
    t0 = time.perf_counter()
    rows, baselines, first = [], None, None
    for model in args.models.split(","):
        runs = [run(db, model, int(s), extra, tmp / f"{model}-{s}") for s in args.seeds.split(",")]
        first = first or runs[0]
        baselines = baselines or runs[0]["baselines"]
        rows.append((model, runs))
        print(f"{model} done ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    cmd = "python benchmarks/recommend_new_items.py " + " ".join(sys.argv[1:])
    lines = [
        f"# Recommending new items: {TASK} (users never rate an item twice)",
        "",
        f"Command: `{cmd}` — total {time.perf_counter() - t0:.0f} s. RelBench protocol, "
        f"{args.epochs} epochs, seeds {args.seeds}; every other setting rdl's default.",
        "",
        "Rows (train / val / test): "
        + " / ".join(f"{first['splits'][s]:,}" for s in ("train", "val", "test")),
        "",
        "| model | val MAP@10 | test MAP@10 | test recall@10 | fit s | peak RSS MB "
        "(/usr/bin/time) |",
        "|---|---|---|---|---|---|",
    ]
    for name, entry in baselines.items():
        lines.append(
            f"| {name} | {entry['val']['map_at_k']:.4f} | "
            f"{entry['test']['map_at_k']:.4f} | {entry['test']['recall_at_k']:.4f} "
            "| | |"
        )
    for model, runs in rows:
        trained = sorted({n for r in runs for n in r["models"]})
        label = model if trained == [model] else f"{model} (trained: {', '.join(trained)})"
        get = lambda r, s, m: next(iter(r["models"].values()))[s][m]  # noqa: E731
        lines.append(
            f"| **{label}** | {ms([get(r, 'val', 'map_at_k') for r in runs])} | "
            f"{ms([get(r, 'test', 'map_at_k') for r in runs])} | "
            f"{ms([get(r, 'test', 'recall_at_k') for r in runs])} | "
            f"{statistics.mean(next(iter(r['models'].values()))['fit_seconds'] for r in runs):.0f} | "
            f"{max(r['time_v_peak_mb'] or r['peak_rss_mb'] for r in runs):.0f} |"
        )
    warnings = sorted({w for _, runs in rows for r in runs for w in r.get("warnings", [])})
    if warnings:
        lines += ["", "Warnings printed under the results (any run):", ""]
        lines += [f"- {w}" for w in warnings]
    text = "\n".join(lines) + "\n"
    if args.out:
        Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
