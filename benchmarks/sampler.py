"""Sampler throughput on the rel-f1 graph (driver-dnf train seeds) and on a synthetic
graph of >= 5 M edges; plus, on rel-f1, how many sampled rows are distinct per batch
(the rows `RDLModel` encodes once) for random vs entity-grouped batches.

    python benchmarks/sampler.py [--db rel-f1.duckdb] [--batches 20] [--strategy uniform|last]
                                 [--skip-synthetic]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rdl.db import connect
from rdl.graph import build_graph
from rdl.sampling import TemporalNeighborSampler, build_csc
from rdl.tasks import load_task
from rdl.train.entity import entity_groups
from rdl.train.seeds import make_seeds

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from sampler_synthetic import measure, peak_rss_mib, report  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default=None)
    p.add_argument("--batches", type=int, default=20)
    p.add_argument("--strategy", default="uniform", choices=["uniform", "last"])
    p.add_argument("--skip-synthetic", action="store_true")
    a = p.parse_args()
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
    graph = build_graph(db, text=False, use_cache=False)
    seeds = make_seeds(task, task.get_table("train"), graph)
    t = time.perf_counter()
    csc = build_csc(graph.num_nodes, graph.node_time, graph.edge_index)
    num_edges = sum(ei.shape[1] for ei in graph.edge_index.values())
    print(
        f"rel-f1: {sum(graph.num_nodes.values()):,} nodes, {num_edges:,} edges, "
        f"build_csc {time.perf_counter() - t:.2f} s"
    )
    sampler = TemporalNeighborSampler(
        csc, graph.num_nodes, graph.node_time, [128, 64], a.strategy, seed=0
    )
    rng = np.random.default_rng(0)
    orders = {"random": rng.permutation(len(seeds.node))}
    for size in (8, None):  # rdl's default entity groups, and whole entities
        group = entity_groups(seeds.node, seeds.time, size)
        rank = rng.permutation(np.unique(group, return_inverse=True)[1].reshape(-1).max() + 1)
        gid = np.unique(group, return_inverse=True)[1].reshape(-1)
        orders[f"entity-grouped ({size or 'all'} seed times per group)"] = np.lexsort(
            (rng.random(len(seeds.node)), rank[gid])
        )
    for name, order in orders.items():
        batches = [
            (seeds.node[order[i : i + 512]], seeds.time[order[i : i + 512]])
            for i in range(0, min(len(order), 512 * a.batches), 512)
        ]
        print(
            f"\nrel-f1 driver-dnf train seeds, {name} batches of 512, fanout [128, 64], "
            f"strategy={a.strategy}"
        )
        report(measure(sampler, "drivers", batches), 1)
        copies = distinct = 0
        for s, ts in batches:
            out = sampler.sample("drivers", s, ts)
            copies += sum(len(v) for v in out.node.values())
            distinct += sum(len(np.unique(v)) for v in out.node.values())
        print(
            f"sampled rows per batch: {copies / len(batches):,.0f}; distinct: "
            f"{distinct / len(batches):,.0f} (ratio {distinct / copies:.2f})"
        )
    print(f"peak RSS: {peak_rss_mib():,.0f} MiB")
    if not a.skip_synthetic:
        print("\nsynthetic graph (benchmarks/sampler_synthetic.py):", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve().parent / "sampler_synthetic.py"),
                "--strategy",
                a.strategy,
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
