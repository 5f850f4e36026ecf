"""Throughput of rdl's temporal neighbour sampler on a synthetic graph.

A RelBench-shaped temporal heterogeneous graph: ``users`` (timed sign-up),
``items`` (no time), ``events`` (timed; foreign keys to a user and an item)
and a ``follows`` relation between users, with every edge type also reversed
(``rev_*``), as rdl.graph builds from a database. Seeds are random users at
random times; fanout ``[128, 64]`` and batch 512 as in RelBench.

Prints sampled edges per second, seeds per second and peak RSS. Numba compile
time is excluded (one warm-up batch first).

    python benchmarks/sampler_synthetic.py              # default: ~18M edges
    python benchmarks/sampler_synthetic.py --strategy last --batches 30
    python benchmarks/sampler_synthetic.py --parallel   # numba thread pool
"""

from __future__ import annotations

import argparse
import resource
import time

import numba
import numpy as np

from rdl.sampling import TemporalNeighborSampler, build_csc


def make_graph(num_users: int, num_items: int, num_events: int, num_follows: int, seed: int):
    rng = np.random.default_rng(seed)
    t0, t1 = 1_500_000_000, 1_700_000_000  # seconds since epoch
    num_nodes = {"users": num_users, "items": num_items, "events": num_events}
    node_time = {
        "users": rng.integers(t0, t1, num_users),
        "items": None,
        "events": rng.integers(t0, t1, num_events),
    }
    ev = np.arange(num_events)
    # Skewed popularity, as in real tables.
    ev_user = np.minimum(
        (rng.pareto(1.5, num_events) * num_users / 20).astype(np.int64), num_users - 1
    )
    ev_user = rng.permutation(num_users)[ev_user]
    ev_item = rng.integers(0, num_items, num_events)
    f_src = rng.integers(0, num_users, num_follows)
    f_dst = rng.integers(0, num_users, num_follows)
    e_user = np.stack([ev, ev_user])
    e_item = np.stack([ev, ev_item])
    e_fol = np.stack([f_src, f_dst])
    edge_index = {
        ("events", "f2p_user", "users"): e_user,
        ("users", "rev_f2p_user", "events"): e_user[::-1].copy(),
        ("events", "f2p_item", "items"): e_item,
        ("items", "rev_f2p_item", "events"): e_item[::-1].copy(),
        ("users", "follows", "users"): e_fol,
        ("users", "rev_follows", "users"): e_fol[::-1].copy(),
    }
    return num_nodes, node_time, edge_index


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(sampler: TemporalNeighborSampler, seed_type: str, batches) -> dict:
    """Time ``sampler.sample`` over ``batches`` of ``(seed_nodes, seed_time)``.

    One warm-up call first (numba compile or cache load, excluded). Returns
    wall/CPU seconds and sampled edge/node totals.
    """
    t = time.perf_counter()
    sampler.sample(seed_type, *batches[0])
    warmup = time.perf_counter() - t
    n_edges = n_nodes = n_seeds = 0
    t, cpu = time.perf_counter(), time.process_time()
    for seeds, times in batches:
        out = sampler.sample(seed_type, seeds, times)
        n_edges += sum(ei.shape[1] for ei in out.edge_index.values())
        n_nodes += sum(len(v) for v in out.node.values())
        n_seeds += len(seeds)
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    return dict(
        warmup=warmup,
        wall=wall,
        cpu=cpu,
        edges=n_edges,
        nodes=n_nodes,
        seeds=n_seeds,
        batches=len(batches),
    )


def report(m: dict, threads: int) -> None:
    b = m["batches"]
    print(f"warm-up (compile or cache load, excluded): {m['warmup']:.2f} s")
    print(
        f"per batch: {m['wall'] / b * 1e3:.1f} ms, {m['edges'] / b:,.0f} edges, "
        f"{m['nodes'] / b:,.0f} nodes"
    )
    print(
        f"sampled edges/s: {m['edges'] / m['wall'] / 1e6:.2f} M (wall); "
        f"CPU time {m['cpu'] / m['wall']:.2f}x wall (numba threads: {threads})"
    )
    print(f"seeds/s: {m['seeds'] / m['wall']:,.0f}")
    print(f"peak RSS: {peak_rss_mib():,.0f} MiB")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=50_000)
    p.add_argument("--items", type=int, default=20_000)
    p.add_argument("--events", type=int, default=4_000_000)
    p.add_argument("--follows", type=int, default=1_000_000)
    p.add_argument("--batch-size", type=int, default=512)
    p.add_argument("--batches", type=int, default=20)
    p.add_argument("--fanout", type=int, nargs="+", default=[128, 64])
    p.add_argument("--strategy", default="uniform", choices=["uniform", "last"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--parallel",
        action="store_true",
        help="parallel=True (numba threads; helps only on idle cores)",
    )
    a = p.parse_args()

    num_nodes, node_time, edge_index = make_graph(a.users, a.items, a.events, a.follows, a.seed)
    num_edges = sum(ei.shape[1] for ei in edge_index.values())
    t = time.perf_counter()
    csc = build_csc(num_nodes, node_time, edge_index)
    t_csc = time.perf_counter() - t
    print(
        f"graph: {num_nodes} nodes, {num_edges:,} edges in {len(edge_index)} edge types; "
        f"build_csc {t_csc:.2f} s; RSS {peak_rss_mib():,.0f} MiB"
    )

    sampler = TemporalNeighborSampler(
        csc, num_nodes, node_time, a.fanout, a.strategy, a.seed, parallel=a.parallel
    )
    rng = np.random.default_rng(a.seed + 1)
    t_lo, t_hi = 1_550_000_000, 1_700_000_000
    batches = [
        (rng.integers(0, a.users, a.batch_size), rng.integers(t_lo, t_hi, a.batch_size))
        for _ in range(a.batches)
    ]
    print(
        f"strategy={a.strategy} fanout={a.fanout} batch={a.batch_size} batches={a.batches} "
        f"parallel={a.parallel}"
    )
    report(measure(sampler, "users", batches), numba.get_num_threads() if a.parallel else 1)


if __name__ == "__main__":
    main()
