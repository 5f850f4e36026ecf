"""The random-schema no-leak property (tests/fixtures/random_schema.py) on many examples.

    nice -n 10 python benchmarks/random_schema.py --examples 1000 --threads 1

Each example: a hypothesis-drawn database (2-6 tables; Id-style, role-named, composite
and missing keys; dangling values; null and missing time columns) written to SQLite or
DuckDB, then connect -> task -> graph -> one training step -> prediction, checking that
no row dated after a seed time reaches the seed's subgraph (all neighbours, two hops)
or changes its prediction. Writes benchmarks/results/random_schema.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' fixtures: tests.fixtures


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "random_schema.md"))
    args = ap.parse_args()
    import torch
    from hypothesis import HealthCheck, given, settings

    from tests.fixtures import random_schema as R

    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    stats = {
        "examples": 0,
        "subgraph_leaks": 0,
        "feature_changes": 0,
        "seeds": 0,
        "tables": 0,
        "fkeys": 0,
        "predictions": 0,
        "sqlite": 0,
        "duckdb": 0,
        "declared": 0,
    }

    @settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(R.specs())
    def run(spec):
        with tempfile.TemporaryDirectory() as d:
            r = R.check_no_leak(spec, Path(d))
        stats["examples"] += 1
        for k in ("subgraph_leaks", "feature_changes", "seeds", "tables", "fkeys", "predictions"):
            stats[k] += r[k]
        stats[spec.backend] += 1
        stats["declared"] += spec.declare and spec.backend == "sqlite"  # DuckDB: never
        if stats["examples"] % 50 == 0:
            print(
                f"{stats['examples']} examples, {time.perf_counter() - t0:.0f} s, "
                f"leaks {stats['subgraph_leaks']} / {stats['feature_changes']}",
                flush=True,
            )
        assert r["subgraph_leaks"] == 0 and r["feature_changes"] == 0, (spec, r)

    t0 = time.perf_counter()
    run()
    wall = time.perf_counter() - t0
    n = stats["examples"]
    text = f"""# Random-schema no-leak property (issue 10, item 7)

Command: `nice -n 10 python benchmarks/random_schema.py --examples {args.examples} --threads {args.threads}`

| examples | SQLite / DuckDB | keys declared / inferred | tables (mean) | foreign keys found (mean) | seeds checked | predictions compared | rows after a seed time in its subgraph | predictions changed by future rows | wall time |
|---|---|---|---|---|---|---|---|---|---|
| {n} | {stats["sqlite"]} / {stats["duckdb"]} | {stats["declared"]} / {n - stats["declared"]} | {stats["tables"] / n:.2f} | {stats["fkeys"] / n:.2f} | {stats["seeds"]:,} | {stats["predictions"]:,} | {stats["subgraph_leaks"]} | {stats["feature_changes"]} | {wall:.0f} s ({wall / n:.2f} s per example) |

Each example: connect (keys inferred unless declared) -> an entity regression task ->
graph -> one training step -> every train/val/test seed's two-hop all-neighbour
subgraph checked for rows dated after its seed time (rows never dated count as after)
-> predictions at the first val seed time compared before and after giving every row
dated after it (or never) other feature values. 2 cores shared with other sessions.
"""
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
