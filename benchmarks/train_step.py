"""Seconds per training batch of 512 seeds on rel-f1 driver-dnf, for the four speed
settings (batch order x precision): thread CPU time with one torch thread, median over
batches after two warm-up batches (CPU time is far less disturbed by other jobs than wall
time).

    python benchmarks/train_step.py [--db rel-f1.duckdb] [--batches 8]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from rdl.db import connect
from rdl.graph import build_graph
from rdl.tasks import load_task
from rdl.train import EntityTrainer, TrainConfig
from rdl.train.seeds import make_seeds

ROOT = Path(__file__).resolve().parent.parent


def step_times(task, graph, seeds, config: TrainConfig, batches: int) -> dict[str, float]:
    trainer = EntityTrainer(task, graph, config, seeds.y)
    loader = trainer.loader(
        seeds, trainer.train_sampler, True, config.batch_size, np.random.default_rng(0)
    )
    opt = torch.optim.Adam(trainer.model.parameters(), lr=config.lr)
    out: dict[str, list[float]] = {"sample": [], "forward": [], "backward": []}
    it = iter(loader)
    for step in range(batches + 2):
        a = time.thread_time()
        batch, idx = next(it)
        b = time.thread_time()
        with config.autocast():
            pred = trainer.model(batch, graph.tf_dict).float()
        c = time.thread_time()
        loss = trainer.loss_fn(pred.view(-1), seeds.y[torch.from_numpy(idx)])
        opt.zero_grad()
        loss.backward()
        opt.step()
        d = time.thread_time()
        if step >= 2:
            out["sample"].append(b - a)
            out["forward"].append(c - b)
            out["backward"].append(d - c)
    return {k: float(np.median(v)) for k, v in out.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default=None)
    p.add_argument("--batches", type=int, default=8)
    a = p.parse_args()
    torch.set_num_threads(1)
    db_path = a.db
    if db_path is None:
        db_path = str(Path(tempfile.mkdtemp()) / "rel-f1.duckdb")
        subprocess.run(
            [sys.executable, "-m", "rdl.cli", "datasets", "build", "rel-f1", "--out", db_path],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )
    db = connect(db_path if "://" in db_path else f"duckdb:///{Path(db_path).resolve()}")
    task = load_task("rel-f1/driver-dnf", db)
    graph = build_graph(db, stats_until=task.test_timestamp)
    seeds = make_seeds(task, task.get_table("train"), graph)
    print("| batch order | precision | sample s | forward s | backward s | total s / batch |")
    print("|---|---|---|---|---|---|")
    for order in ("random", "entity"):
        for precision in ("fp32", "bf16"):
            t = step_times(
                task, graph, seeds, TrainConfig(batch_order=order, precision=precision), a.batches
            )
            print(
                f"| {order} | {precision} | {t['sample']:.3f} | {t['forward']:.3f} | "
                f"{t['backward']:.3f} | {sum(t.values()):.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
