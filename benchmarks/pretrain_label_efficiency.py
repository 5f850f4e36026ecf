"""Label efficiency of self-supervised relational pretraining (issue 12): each task trained
from scratch and from the pretrained backbone (``rdl train --init``) on 5 %, 10 %, 25 %
and 100 % of its training rows, several seeds, RelBench protocol.

    # 1. pretrain once per database (the backbone fits every task with the same split dates)
    python benchmarks/pretrain_label_efficiency.py pretrain --db rel-f1.duckdb \\
        --task rel-f1/driver-dnf --name rel-f1 [--epochs 4 --steps 200 --batch-size 64]
    # 2. the grid (resumable: finished runs are read back from the runs file)
    python benchmarks/pretrain_label_efficiency.py grid --db rel-f1.duckdb --name rel-f1 \\
        --tasks rel-f1/driver-dnf,rel-f1/driver-top3,rel-f1/driver-position
    # 3. table + PNG
    python benchmarks/pretrain_label_efficiency.py report --name rel-f1

Protocol of a run: the task's train table is subsampled **by row** (a uniform random
``fraction`` of its (entity, seed time) rows, drawn with the run's seed, so both arms of a
seed see the same rows); batch size ``clip(512 * fraction, 64, 512)`` (so a small subsample
still takes several steps per epoch); the same epochs, learning rate and model for both
arms; the best validation epoch restored; test scored once. Both arms: the GNN alone
(``seed_features=[]``, ``blend=False``, ``stale_prob=0``, ``min_steps_per_epoch=0``), ``text=False``,
one torch thread. Everything lands in ``benchmarks/results/pretrain/<name>_*``.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "pretrain"
FRACTIONS = (0.05, 0.10, 0.25, 1.0)


def base_config(args, **kw):
    from rdl.train import TrainConfig

    # the model every run of this benchmark trained: the GNN alone (no seed features, no
    # blend) and the batch size set here (no min-steps rule); --config overrides
    kw = {
        "seed_features": [],
        "blend": False,
        "min_steps_per_epoch": 0,
        "stale_prob": 0.0,
        **kw,
        **json.loads(args.config),
    }
    return TrainConfig(text=False, threads=args.threads, seed=kw.pop("seed", 42), **kw)


def cmd_pretrain(args) -> None:
    from rdl.pretrain import PretrainConfig, pretrain

    out = OUT / f"{args.name}_backbone"
    config = base_config(
        args,
        epochs=args.epochs,
        lr=0.001,
        batch_size=args.batch_size,
        max_steps_per_epoch=args.steps,
    )
    t0 = time.perf_counter()
    res = pretrain(
        args.db,
        args.entity_table,
        config,
        PretrainConfig(num_views=args.views, negatives=args.negatives),
        out,
        task=args.task,
        cache_dir=args.cache_dir,
        progress=False,
    )
    res["wall_s"] = time.perf_counter() - t0
    (out / "pretrain.json").write_text(json.dumps(res, indent=2, default=str))
    for h in res["history"]:
        print(
            f"epoch {h['epoch']}: loss {h['loss']:.4f} held-out {h['val']} ({h['seconds']:.0f} s)"
        )
    print(f"pretrained in {res['wall_s']:.0f} s -> {out}")


def run_one(
    db,
    task_spec: str,
    fraction: float,
    seed: int,
    init: str | None,
    args,
    save: Path | None = None,
    arm: str | None = None,
) -> dict:
    """One training run; returns the record written to the runs file."""
    import numpy as np

    from rdl.tasks import load_task
    from rdl.train.checkpoint import save_checkpoint
    from rdl.train.init import prepare_init
    from rdl.train.job import make_trainer, open_database, peak_rss_mb, split_tables_and_graph

    t0 = time.perf_counter()
    database, _ = open_database(db)
    task = load_task(task_spec, database)
    batch = int(min(512, max(64, round(512 * fraction))))
    config = base_config(args, epochs=args.train_epochs, batch_size=batch, seed=seed, init=init)
    tables, graph, _ = split_tables_and_graph(task, config, args.cache_dir)
    loader = None
    if init:
        loader, graph = prepare_init(init, task, graph, config, args.cache_dir)
    train = tables["train"]
    if fraction < 1.0:
        rng = np.random.default_rng(seed)
        keep = np.sort(rng.choice(len(train.df), round(fraction * len(train.df)), replace=False))
        train = copy.copy(train)
        train.df = tables["train"].df.iloc[keep].reset_index(drop=True)
        tables["train"] = train
    trainer = make_trainer(task, graph, config, train)
    if loader is not None:
        loader.load_into(trainer.model)
    seeds = {s: trainer.make_seeds(t) for s, t in tables.items()}
    history = trainer.fit(seeds["train"], seeds["val"], progress=False)
    scores = {s: trainer.evaluate(seeds[s]) for s in ("val", "test")}
    if save is not None:
        save_checkpoint(save, trainer, task_spec=task_spec, db_url=str(db))
    return {
        "task": task_spec,
        "fraction": fraction,
        "seed": seed,
        "arm": arm or ("pretrained" if init else "scratch"),
        "train_rows": len(train.df),
        "batch_size": batch,
        "metric": task.metrics[0],
        "val": scores["val"],
        "test": scores["test"],
        "epochs_run": len(history),
        "best_epoch": 1
        + int(
            np.argmax([h["val"][task.metrics[0]] * (1 if _higher(task) else -1) for h in history])
        )
        if history
        else 0,
        "wall_s": time.perf_counter() - t0,
        "peak_rss_mb": peak_rss_mb(),
    }


def _higher(task) -> bool:
    from rdl.metrics import higher_is_better

    return higher_is_better(task.metrics[0])


def cmd_grid(args) -> None:
    runs_file = OUT / f"{args.name}_runs.jsonl"
    runs_file.parent.mkdir(parents=True, exist_ok=True)
    done = set()
    if runs_file.exists():
        for line in runs_file.read_text().splitlines():
            r = json.loads(line)
            done.add((r["task"], r["fraction"], r["seed"], r["arm"]))
    backbone = str(OUT / f"{args.backbone or args.name}_backbone")
    fractions = [float(f) for f in args.fractions.split(",")]
    for seed in [int(s) for s in args.seeds.split(",")]:
        for task in args.tasks.split(","):
            for fraction in fractions:
                for arm in args.arms.split(","):
                    if arm == "pretrained" and args.backbone:
                        arm = f"pretrained-{args.backbone}"
                    if (task, fraction, seed, arm) in done:
                        continue
                    save = None
                    if fraction == 1.0 and seed == int(args.seeds.split(",")[0]):
                        save = OUT / f"{args.name}_models" / f"{task.split('/')[-1]}_{arm}"
                    rec = run_one(
                        args.db,
                        task,
                        fraction,
                        seed,
                        None if arm == "scratch" else backbone,
                        args,
                        save,
                        arm,
                    )
                    with runs_file.open("a") as f:
                        f.write(json.dumps(rec) + "\n")
                    print(
                        f"{task} {fraction:.0%} seed {seed} {arm}: {rec['metric']} "
                        f"{rec['test'][rec['metric']]:.4f} (val {rec['val'][rec['metric']]:.4f}, "
                        f"{rec['wall_s']:.0f} s)",
                        flush=True,
                    )


def load_runs(name: str) -> list[dict]:
    return [json.loads(x) for x in (OUT / f"{name}_runs.jsonl").read_text().splitlines()]


def summary(runs: list[dict]) -> dict:
    """(task, fraction, arm) -> (mean, std, n, mean wall s) of the test metric."""
    groups: dict = {}
    for r in runs:
        groups.setdefault((r["task"], r["fraction"], r["arm"]), []).append(r)
    out = {}
    for k, rs in groups.items():
        vals = [r["test"][r["metric"]] for r in rs]
        out[k] = (
            statistics.mean(vals),
            statistics.stdev(vals) if len(vals) > 1 else 0.0,
            len(vals),
            statistics.mean(r["wall_s"] for r in rs),
            rs[0]["metric"],
        )
    return out


def cmd_report(args) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = load_runs(args.name)
    s = summary(runs)
    tasks = list(dict.fromkeys(r["task"] for r in runs))
    arms = ["scratch"] + sorted({r["arm"] for r in runs} - {"scratch"})
    fractions = sorted({k[1] for k in s})
    lines = [
        "| task | metric | train rows (fraction) | arm | test metric (mean ± std) | "
        "Δ vs scratch | seeds | wall s / run |",
        "|---|---|---|---|---|---|---|---|",
    ]
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.2 * len(tasks), 3.4), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        metric = next(v[4] for k, v in s.items() if k[0] == task)
        for arm, style in zip(arms, ("o-", "s-", "^--", "v:")):
            xs = [f for f in fractions if (task, f, arm) in s]
            if xs:
                ax.errorbar(
                    [100 * x for x in xs],
                    [s[(task, f, arm)][0] for f in xs],
                    yerr=[s[(task, f, arm)][1] for f in xs],
                    fmt=style,
                    capsize=3,
                    label=arm,
                )
        ax.set(
            xscale="log",
            xlabel="% of training labels (rows)",
            ylabel=f"test {metric} ({'higher' if metric != 'mae' else 'lower'} is better)",
            title=task.split("/")[-1].split(":")[-1],
        )
        ax.set_xticks([5, 10, 25, 100], ["5", "10", "25", "100"])
        ax.legend(fontsize=8)
        for f in fractions:
            base = s.get((task, f, "scratch"))
            rows = next(
                (r["train_rows"] for r in runs if r["task"] == task and r["fraction"] == f), 0
            )
            for arm in arms:
                v = s.get((task, f, arm))
                if v is None:
                    continue
                delta = "" if arm == "scratch" or base is None else f"{v[0] - base[0]:+.4f}"
                lines.append(
                    f"| {task.split('/')[-1].split(':')[-1]} | {metric} | {rows:,} "
                    f"({f:.0%}) | {arm} | {v[0]:.4f} ± {v[1]:.4f} | {delta} | {v[2]} | "
                    f"{v[3]:.0f} |"
                )
    fig.tight_layout()
    png = ROOT / "benchmarks" / "results" / f"pretrain_label_efficiency_{args.name}.png"
    fig.savefig(png, dpi=120)
    table = "\n".join(lines)
    (OUT / f"{args.name}_table.md").write_text(table + "\n")
    print(table)
    print(f"wrote {png}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("pretrain", "grid", "report"):
        q = sub.add_parser(name)
        q.add_argument("--name", required=True, help="results prefix, e.g. rel-f1")
        q.add_argument("--db")
        q.add_argument("--threads", type=int, default=1)
        q.add_argument("--cache-dir", default=None)
        q.add_argument("--config", default="{}", help="TrainConfig overrides as JSON (smoke runs)")
    sub.choices["pretrain"].add_argument("--task", required=True)
    sub.choices["pretrain"].add_argument("--entity-table", default=None)
    sub.choices["pretrain"].add_argument("--epochs", type=int, default=6)
    sub.choices["pretrain"].add_argument("--steps", type=int, default=100)
    sub.choices["pretrain"].add_argument("--views", type=int, default=4)
    sub.choices["pretrain"].add_argument("--negatives", default="any")
    sub.choices["pretrain"].add_argument(
        "--batch-size", type=int, default=64, help="seeds per step (each with --views views)"
    )
    sub.choices["grid"].add_argument("--tasks", required=True)
    sub.choices["grid"].add_argument("--seeds", default="42,43,44")
    sub.choices["grid"].add_argument("--fractions", default=",".join(map(str, FRACTIONS)))
    sub.choices["grid"].add_argument("--train-epochs", type=int, default=10)
    sub.choices["grid"].add_argument(
        "--backbone", default=None, help="results prefix of the backbone (default: --name)"
    )
    sub.choices["grid"].add_argument(
        "--arms", default="scratch,pretrained", help="run one arm per process to use two cores"
    )
    args = p.parse_args()
    {"pretrain": cmd_pretrain, "grid": cmd_grid, "report": cmd_report}[args.cmd](args)


if __name__ == "__main__":
    main()
