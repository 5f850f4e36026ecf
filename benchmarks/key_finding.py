"""How many keys rdl finds, per database: declared foreign keys read from the catalog,
undeclared ones inferred, false ones, candidate primary keys, near misses.

    python benchmarks/key_finding.py

Databases: the six shapes of tests/fixtures/shapes.py (music store, Q&A dump, flights, baseball,
DVD rental in PostgreSQL, ratings), and two real ones from /work/shared/data (or
$RDL_SHARED_DATA): Berka / PKDD'99 (the .asc files loaded into DuckDB without
constraints: every key must be inferred) and Northwind (the PostgreSQL script, declared
keys). Starts a throwaway PostgreSQL server (tests/fixtures/pg.py). Writes
benchmarks/results/key_finding.md.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' fixtures: tests.fixtures
DATA = Path(os.environ.get("RDL_SHARED_DATA", "/work/shared/data"))

BERKA_FKEYS = [
    ("account", "district_id", "district"),
    ("client", "district_id", "district"),
    ("disp", "client_id", "client"),
    ("disp", "account_id", "account"),
    ("card", "disp_id", "disp"),
    ("loan", "account_id", "account"),
    ("order", "account_id", "account"),
]
NORTHWIND_FKEYS = [
    ("orders", "customer_id", "customers"),
    ("orders", "employee_id", "employees"),
    ("orders", "ship_via", "shippers"),
    ("order_details", "product_id", "products"),
    ("order_details", "order_id", "orders"),
    ("products", "category_id", "categories"),
    ("products", "supplier_id", "suppliers"),
    ("territories", "region_id", "region"),
    ("employee_territories", "territory_id", "territories"),
    ("employee_territories", "employee_id", "employees"),
    ("customer_customer_demo", "customer_type_id", "customer_demographics"),
    ("customer_customer_demo", "customer_id", "customers"),
    ("employees", "reports_to", "employees"),
]


def berka(folder: Path) -> tuple[str, dict]:
    import duckdb

    path = folder / "berka.duckdb"
    con = duckdb.connect(str(path))
    for f in sorted((DATA / "berka").glob("*.asc")):
        con.execute(
            f"CREATE TABLE \"{f.stem}\" AS SELECT * FROM read_csv(?, delim=';', "
            "header=true, quote='\"')",
            [str(f)],
        )
    con.close()
    return f"duckdb:///{path}", {"declared": [], "undeclared": BERKA_FKEYS}


def northwind(url: str) -> tuple[str, dict]:
    import psycopg

    sql = (DATA / "northwind" / "northwind.sql").read_text()
    sql = sql.replace("SET default_with_oids = false;", "")
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        c.execute(sql)
    return url, {"declared": NORTHWIND_FKEYS, "undeclared": []}


def serial_ratings(folder: Path) -> tuple[str, dict]:
    """A ratings table keyed by a serial ``rating_id`` whose 1..5 ``rating`` and small
    ``flight``-number-like ``seat`` columns lie inside the key's range: no key at all."""
    import duckdb
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 5000
    df = pd.DataFrame(
        {
            "rating_id": np.arange(1, n + 1),
            "rating": rng.integers(1, 6, n),
            "seat": rng.integers(1, 200, n),
            "ts": pd.Timestamp("2021-01-01") + pd.to_timedelta(np.arange(n), "h"),
        }
    )
    path = folder / "serial.duckdb"
    con = duckdb.connect(str(path))
    con.register("x", df)
    con.execute("CREATE TABLE rating AS SELECT * FROM x")
    con.close()
    return f"duckdb:///{path}", {"declared": [], "undeclared": []}


def code_dimension(folder: Path) -> tuple[str, dict]:
    """A dimension keyed by a three-letter code column not named like a key (``faa``),
    referenced by ``flights.origin`` / ``dest``, no constraints declared."""
    import duckdb
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    codes = ["JFK", "LGA", "EWR", "ATL", "ORD", "LAX", "SFO", "SEA", "DEN", "BOS", "MIA", "DFW"]
    airports = pd.DataFrame(
        {
            "faa": codes,
            "name": [f"{c} airport" for c in codes],
            "alt": rng.integers(0, 900, len(codes)),
        }
    )
    n = 3000
    flights = pd.DataFrame(
        {
            "flight_id": np.arange(n),
            "origin": rng.choice(codes[:3], n),
            "dest": rng.choice(codes, n),
            "flight": rng.integers(1, 4000, n),
            "dep": pd.Timestamp("2021-01-01") + pd.to_timedelta(np.arange(n), "h"),
        }
    )
    path = folder / "codes.duckdb"
    con = duckdb.connect(str(path))
    for t, df in (("airports", airports), ("flights", flights)):
        con.register("x", df)
        con.execute(f"CREATE TABLE {t} AS SELECT * FROM x")
        con.unregister("x")
    con.close()
    return f"duckdb:///{path}", {
        "declared": [],
        "undeclared": [("flights", "origin", "airports"), ("flights", "dest", "airports")],
    }


def links(db) -> set[tuple[str, str, str]]:
    return {
        (t, c, tgt.split(".")[0])
        for t, m in db.schema["foreign_keys"].items()
        for c, tgt in m.items()
    }


def measure(name: str, url: str, expected: dict) -> dict:
    import rdl

    t0 = time.perf_counter()
    db = rdl.connect(url)
    seconds = time.perf_counter() - t0
    found = links(db)
    declared, undeclared = set(expected["declared"]), set(expected["undeclared"])
    inferred_pk = sum(
        "primary key" in p.message
        and p.message.startswith(("no primary key declared; chosen", "chosen as primary key"))
        for p in db.report.problems
    )
    return {
        "name": name,
        "tables": len(db),
        "rows": sum(len(t) for t in db.values()),
        "declared": (len(declared & found), len(declared)),
        "undeclared": (len(undeclared & found), len(undeclared)),
        "missed": sorted(f"{t}.{c}" for t, c, _ in (declared | undeclared) - found),
        "false": sorted(f"{t}.{c} -> {g}" for t, c, g in found - declared - undeclared),
        "dangling_found": sum(1 for e in db.inferred_fkeys if e["dangling"]),
        "pk_inferred": inferred_pk,
        "near_misses": len(db.rejected_fkeys),
        "suspects": len(db.leakage),
        "seconds": seconds,
    }


def main() -> None:
    from tests.fixtures import shapes
    from tests.fixtures.pg import PostgresServer

    warnings.filterwarnings("ignore")
    rows = []
    with tempfile.TemporaryDirectory() as d, PostgresServer() as server:
        d = Path(d)
        for name, build in shapes.BUILDERS.items():
            (d / name).mkdir()
            rows.append(measure(name.replace("_", " "), *build(d / name)))
        rows.append(
            measure("dvd rental (PostgreSQL)", *shapes.dvd_rental(server.create_database()))
        )
        rows.append(measure("serial key beside small integers", *serial_ratings(d)))
        rows.append(measure("code-keyed dimension (faa)", *code_dimension(d)))
        if (DATA / "berka").is_dir():
            rows.append(measure("Berka PKDD'99 (real, no constraints)", *berka(d)))
        if (DATA / "northwind").is_dir():
            rows.append(
                measure("Northwind (real, PostgreSQL)", *northwind(server.create_database()))
            )
    dec = [sum(r["declared"][i] for r in rows) for i in (0, 1)]
    und = [sum(r["undeclared"][i] for r in rows) for i in (0, 1)]
    false = sum(len(r["false"]) for r in rows)
    lines = [
        "# Keys found per database",
        "",
        "Command: `python benchmarks/key_finding.py`",
        "",
        "| database | tables | rows | declared FKs found | undeclared FKs found | missed | "
        "false FKs | inferred FKs with dangling values | primary keys inferred | near misses "
        "listed | leakage suspects | connect s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['tables']} | {r['rows']:,} | {r['declared'][0]} / {r['declared'][1]} "
            f"| {r['undeclared'][0]} / {r['undeclared'][1]} | {', '.join(r['missed']) or '-'} | "
            f"{', '.join(r['false']) or '-'} | {r['dangling_found']} | {r['pk_inferred']} | "
            f"{r['near_misses']} | {r['suspects']} | {r['seconds']:.2f} |"
        )
    lines += [
        "",
        f"Total: declared {dec[0]} / {dec[1]}, undeclared {und[0]} / {und[1]} "
        f"(all: {dec[0] + und[0]} / {dec[1] + und[1]}); false foreign keys: {false}.",
        "",
        "The shapes are generated by tests/fixtures/shapes.py (seed 0); Berka's .asc files are "
        "loaded as they are (no keys declared), Northwind from its PostgreSQL script "
        "(keys declared, composite primary keys on order_details, employee_territories, "
        "customer_customer_demo). A missed key is listed by name; Q&A's "
        "posts.AcceptedAnswerId fits the ids of posts, comments and votes alike and is "
        "listed as an ambiguous near miss (--fkey posts.AcceptedAnswerId=posts sets it).",
    ]
    text = "\n".join(lines) + "\n"
    out = ROOT / "benchmarks" / "results" / "key_finding.md"
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
