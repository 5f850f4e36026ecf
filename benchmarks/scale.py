"""Cost of rdl against database size: TPC-H at several scale factors, out of core.

    # the databases (once; SF 10 takes ~40 min and 11 GB here):
    for sf in 0.1 1 3 10; do rdl datasets build tpch --scale $sf --out /work/bench/tpch/sf$sf.duckdb; done
    # the measurements, then the table and the figure:
    nice -n 10 python benchmarks/scale.py run --sf 0.1 1 3 10 --dir /work/bench/tpch
    python benchmarks/scale.py report

Per scale factor, each phase in its own process (so each peak RSS is its own):

* ``build``: open the DuckDB file out of core, build the graph of the task's input
  database (the RelBench protocol: cut at the test timestamp) into a memory-mapped
  store, plus the sampler's CSC arrays; time, size on disk, peak RSS;
* ``tables``: the train / val / test tables of ``tpch/customer-reorder`` and
  ``tpch/customer-parts`` from DuckDB SQL; time and rows;
* ``train``: ``rdl train --task tpch/customer-reorder --storage disk --no-text
  --no-baselines --epochs 1 --max-steps-per-epoch 100 --threads 1`` (RelBench's model
  and fanouts, batch 512) on the store built above: seconds per 100 training steps and
  the whole command's peak RSS (opening, task tables, the 100 steps, val and test
  predictions).

Results go to ``benchmarks/results/scale.json`` (raw), ``scale.md`` (table) and
``scale.png`` (log-log).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
ENTITY, LINK = "tpch/customer-reorder", "tpch/customer-parts"
PHASES = ("build", "tables", "train")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def phase_build(db: str, cache: str, reuse: bool = False) -> dict:
    from rdl.graph import build_graph
    from rdl.runtime.storage import open_for_training
    from rdl.sampling.csc_store import graph_csc
    from rdl.train.job import resolve_task

    t0 = time.perf_counter()
    database, _, _ = open_for_training(db, ENTITY, "disk")
    task, _ = resolve_task(ENTITY, database)
    t1 = time.perf_counter()
    g = build_graph(
        task.input_db("relbench"),
        text=False,
        stats_until=task.test_timestamp,
        cache_dir=cache,
        use_cache=reuse,
    )
    t2 = time.perf_counter()
    reused = bool(g.info.get("cached"))
    if reused:  # a store built by an earlier run: its own measured build time
        import shutil

        t1, t2 = t2 - g.info["build_seconds"], t2
        shutil.rmtree(Path(g.store_dir) / "csc", ignore_errors=True)
    graph_csc(g)
    t3 = time.perf_counter()
    rows = {t: len(tab) for t, tab in database.items()}
    return {
        "rows": sum(rows.values()),
        "table_rows": rows,
        "open_s": t1 - t0,
        "graph_s": t2 - t1,
        "csc_s": t3 - t2,
        "build_s": t3 - t1,
        "store_bytes": _du(Path(g.store_dir)),
        "build_rss_mb": _rss_mb(),
        "graph_reused": reused,
    }


def phase_tables(db: str) -> dict:
    from rdl.runtime.storage import open_for_training
    from rdl.train.job import resolve_task

    out = {}
    database, _, _ = open_for_training(db, ENTITY, "disk")
    for spec in (ENTITY, LINK):
        t0 = time.perf_counter()
        task, _ = resolve_task(spec, database)
        n = {s: len(task.get_table(s, mask_input_cols=False)) for s in ("train", "val", "test")}
        out[spec] = {"seconds": time.perf_counter() - t0, "rows": n}
    out["tables_rss_mb"] = _rss_mb()
    return out


def phase_train(db: str, cache: str, steps: int) -> dict:
    out = Path(cache) / "run"
    cmd = [
        sys.executable,
        "-m",
        "rdl.cli",
        "train",
        "--db",
        db,
        "--task",
        ENTITY,
        "--storage",
        "disk",
        "--no-text",
        "--no-baselines",
        "--epochs",
        "1",
        "--max-steps-per-epoch",
        str(steps),
        "--threads",
        "1",
        "--cache-dir",
        cache,
        "--seed-features",
        "none",
        "--no-blend",
        "--out",
        str(out),
    ]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    peak = _watch(proc.pid, proc.poll)
    if proc.wait() != 0:
        raise SystemExit(f"rdl train failed ({proc.returncode}): {' '.join(cmd)}")
    r = json.loads((out / "results.json").read_text())
    h = r["models"]["gnn"]["history"][0]
    return {
        "train_wall_s": time.perf_counter() - t0,
        "steps": steps,
        "s_per_100_steps": h["train_seconds"] * 100 / steps,
        "seeds_per_s": h["seeds_per_s"],
        "train_rss_mb": r["peak_rss_mb"],
        "eval_s": r["models"]["gnn"]["eval_seconds"],
        "test": r["models"]["gnn"]["test"],
        "timing": r["timing"],
        "splits": r["splits"],
        "model": "gnn (--seed-features none --no-blend)",
        "train_peak_anon_mb": peak["RssAnon"] / 1024,
        "train_peak_file_mb": peak["RssFile"] / 1024,
    }


def _watch(pid: int, running, every: float = 1.0) -> dict:
    """Peak anonymous and file-backed resident memory (kB, ``/proc/PID/status``) of a
    running process, sampled every ``every`` seconds until ``running()`` is not None.
    File-backed pages (the memory-mapped graph) count in RSS but are the kernel's to
    drop; anonymous pages are what the process really holds."""
    peak = {"RssAnon": 0, "RssFile": 0}
    while running() is None:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    key = line.split(":", 1)[0]
                    if key in peak:
                        peak[key] = max(peak[key], int(line.split()[1]))
        except OSError:
            break
        time.sleep(every)
    return peak


def run(
    sfs: list[str], folder: str, steps: int, reuse: bool = False, phases: tuple[str, ...] = PHASES
) -> None:
    """Measure ``phases`` for each SF; a subset updates those phases of an earlier record."""
    RESULTS.mkdir(exist_ok=True)
    raw_file = RESULTS / "scale.json"
    raw = json.loads(raw_file.read_text()) if raw_file.exists() else {}
    for sf in sfs:
        db, cache = f"{folder}/sf{sf}.duckdb", f"{folder}/cache-sf{sf}"
        rec = raw.get(sf, {}) if set(phases) != set(PHASES) else {}
        rec.update({"sf": float(sf), "load_avg_start": os.getloadavg()[0]})
        for ph in phases:
            t0 = time.perf_counter()
            proc = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "phase",
                    ph,
                    "--db",
                    db,
                    "--cache",
                    cache,
                    "--steps",
                    str(steps),
                ]
                + (["--reuse"] if reuse else []),
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                raise SystemExit(f"SF {sf} {ph} failed:\n{proc.stderr[-4000:]}")
            rec[ph] = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"SF {sf} {ph}: {time.perf_counter() - t0:.0f} s", flush=True)
        rec["load_avg_end"] = os.getloadavg()[0]
        raw = json.loads(raw_file.read_text()) if raw_file.exists() else {}  # others' SFs
        raw[sf] = rec
        raw_file.write_text(json.dumps(raw, indent=1))


def report() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    raw = json.loads((RESULTS / "scale.json").read_text())
    recs = sorted(raw.values(), key=lambda r: r["sf"])
    lines = [
        "# Cost against database size (TPC-H, out of core)",
        "",
        "Command: `python benchmarks/scale.py run --sf 0.1 1 3 10 --dir /work/bench/tpch "
        "&& python benchmarks/scale.py report` (databases from `rdl datasets build tpch "
        "--scale SF`), on a 2-core, 24 GiB machine; the load average at the start and end "
        "of each SF is listed (wall times grow with it). `rdl train`: the GNN alone, one "
        "epoch capped at 100 steps, 1 thread; its peak RSS is `getrusage`'s, the anonymous "
        "part sampled every second from `/proc` (the rest: pages of the memory-mapped "
        "graph and libraries).",
        "",
        "| SF | rows | graph build (s) | of which CSC (s) | graph on disk (GB) | peak RSS build (GiB) "
        "| task tables (s): entity / link | train rows | s per 100 steps | predictions after the fit (s) "
        "| `rdl train` in all (s) | peak RSS `rdl train` (GiB) | of which anonymous (GiB) | load avg |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in recs:
        b, t, tr = r["build"], r["tables"], r["train"]
        lines.append(
            f"| {r['sf']:g} | {b['rows']:,} | {b['build_s']:.0f} | {b['csc_s']:.0f} | "
            f"{b['store_bytes'] / 1e9:.2f} | {b['build_rss_mb'] / 1024:.2f} | "
            f"{t[ENTITY]['seconds']:.0f} / {t[LINK]['seconds']:.0f} | "
            f"{t[ENTITY]['rows']['train']:,} | {tr['s_per_100_steps']:.1f} | "
            f"{tr['eval_s']:.0f} | {tr['train_wall_s']:.0f} | "
            f"{tr['train_rss_mb'] / 1024:.2f} | "
            + (f"{tr['train_peak_anon_mb'] / 1024:.2f}" if "train_peak_anon_mb" in tr else "–")
            + f" | {r['load_avg_start']:.1f}-{r['load_avg_end']:.1f} |"
        )
    notes = RESULTS / "scale_notes.md"  # the reading of the figures, written by hand
    if notes.exists():
        lines += ["", notes.read_text().strip()]
    (RESULTS / "scale.md").write_text("\n".join(lines) + "\n")
    rows = [r["build"]["rows"] for r in recs]
    fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label in [
        (lambda r: r["build"]["build_s"], "graph build (s)"),
        (lambda r: r["tables"][ENTITY]["seconds"], "entity task tables (s)"),
        (lambda r: r["tables"][LINK]["seconds"], "link task tables (s)"),
        (lambda r: r["train"]["s_per_100_steps"], "s per 100 training steps"),
    ]:
        ax[0].loglog(rows, [key(r) for r in recs], "o-", label=label)
    for key, label in [
        (lambda r: r["build"]["store_bytes"] / 2**20, "graph on disk (MB)"),
        (lambda r: r["build"]["build_rss_mb"], "peak RSS, build (MB)"),
        (lambda r: r["train"]["train_rss_mb"], "peak RSS, rdl train (MB)"),
    ]:
        ax[1].loglog(rows, [key(r) for r in recs], "o-", label=label)
    ref = [rows[0], rows[-1]]
    for a, first in (
        (ax[0], recs[0]["build"]["build_s"]),
        (ax[1], recs[0]["build"]["store_bytes"] / 2**20),
    ):
        a.loglog(ref, [first, first * ref[1] / ref[0]], "k:", lw=1, label="linear in rows")
        a.set_xlabel("rows in the database")
        a.legend(fontsize=8)
        a.grid(True, which="both", alpha=0.3)
    ax[0].set_title("time")
    ax[1].set_title("memory and disk")
    fig.suptitle("rdl on TPC-H, out of core (2 cores)")
    fig.tight_layout()
    fig.savefig(RESULTS / "scale.png", dpi=110)
    print((RESULTS / "scale.md").read_text())


def main() -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--sf", nargs="+", default=["0.1", "1", "3", "10"])
    r.add_argument("--dir", default="/work/bench/tpch")
    r.add_argument("--steps", type=int, default=100)
    r.add_argument(
        "--reuse",
        action="store_true",
        help="reuse a graph store an earlier run built (its recorded build time)",
    )
    r.add_argument(
        "--phases",
        nargs="+",
        default=list(PHASES),
        choices=PHASES,
        help="measure only these phases (updating an earlier record)",
    )
    sub.add_parser("report")
    ph = sub.add_parser("phase")
    ph.add_argument("name", choices=["build", "tables", "train"])
    ph.add_argument("--db")
    ph.add_argument("--cache")
    ph.add_argument("--steps", type=int, default=100)
    ph.add_argument("--reuse", action="store_true")
    a = p.parse_args()
    if a.cmd == "run":
        run(a.sf, a.dir, a.steps, a.reuse, tuple(a.phases))
    elif a.cmd == "report":
        report()
    else:
        fn = {
            "build": lambda: phase_build(a.db, a.cache, a.reuse),
            "tables": lambda: phase_tables(a.db),
            "train": lambda: phase_train(a.db, a.cache, a.steps),
        }[a.name]
        print(json.dumps(fn(), default=str), flush=True)


if __name__ == "__main__":
    main()
