"""Load time of rel-f1 through `rdl.connect` from DuckDB, SQLite and PostgreSQL.

Builds rel-f1 with the recipe (``datasets/f1.py``), writes it into a DuckDB file, a SQLite
file and a throwaway PostgreSQL 15 server (``tests/fixtures/pg.py``; skipped with a message when
the server binaries are missing), then times ``rdl.connect(url)`` (read, key reflection,
inference, time columns, stypes, validation) ``--repeat`` times per backend and prints the
median, with the write time (`rdl.db.write.to_url`) beside it.

    python benchmarks/load.py [--repeat 3] [--full]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' fixtures: tests.fixtures

import rdl  # noqa: E402
from rdl.db.write import to_url  # noqa: E402
from rdl.project import load_recipe  # noqa: E402
from tests.fixtures.pg import PostgresServer, pg_available  # noqa: E402


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="connect() runs per backend")
    ap.add_argument("--full", action="store_true", help="rel-f1 without the 2023 cut")
    args = ap.parse_args()

    ref, build_s = timed(
        load_recipe("rel-f1").build_database, cut=None if args.full else "2023-12-31"
    )
    rows = sum(len(t) for t in ref.values())
    print(f"rel-f1: {len(ref)} tables, {rows:,} rows; recipe build {build_s:.2f} s")
    print(f"{'backend':<12}{'write s':>9}{'load s (median)':>17}  all load runs (s)")

    with tempfile.TemporaryDirectory(prefix="rdl-bench-") as tmp:
        server = None
        targets = {
            "duckdb": f"duckdb:///{tmp}/rel-f1.duckdb",
            "sqlite": f"sqlite:///{tmp}/rel-f1.sqlite",
        }
        if pg_available():
            server, pg_s = timed(PostgresServer().start)
            targets["postgresql"] = server.create_database("rel_f1")
        try:
            for backend, url in targets.items():
                _, write_s = timed(to_url, ref, url)
                runs = []
                for _ in range(args.repeat):
                    db, s = timed(rdl.connect, url)
                    runs.append(s)
                assert db.equals(ref), f"{backend}: rel-f1 did not read back equal"
                print(
                    f"{backend:<12}{write_s:>9.2f}{statistics.median(runs):>17.2f}  "
                    + ", ".join(f"{r:.2f}" for r in runs)
                )
        finally:
            if server is not None:
                server.stop()
        if server is not None:
            print(
                f"throwaway PostgreSQL 15: initdb {server.initdb_seconds:.2f} s, "
                f"start {server.start_seconds:.2f} s (total {pg_s:.2f} s)"
            )
        else:
            print("postgresql: skipped (no server binaries in /usr/lib/postgresql/15/bin)")


if __name__ == "__main__":
    main()
