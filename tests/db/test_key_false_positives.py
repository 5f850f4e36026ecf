"""Keys without false positives: a small-integer column is not a reference to its own
table's serial key by containment alone (control: a ``parent_id`` self-key is), and a
dimension keyed by a short code gets its primary key so its references become edges
(control: a unique text column nobody references stays a plain column)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

import rdl

RNG = np.random.default_rng(0)


def _duckdb(tmp_path, tables: dict[str, pd.DataFrame], name: str = "k.duckdb") -> str:
    path = tmp_path / name
    con = duckdb.connect(str(path))
    for t, df in tables.items():
        con.register("x", df)
        con.execute(f'CREATE TABLE "{t}" AS SELECT * FROM x')
        con.unregister("x")
    con.close()
    return f"duckdb:///{path}"


def _ratings(n: int = 600) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rating_id": np.arange(1, n + 1),
            "rating": RNG.integers(1, 6, n),  # 1..5, inside the serial key
            "stars_given": RNG.integers(1, 11, n),
            "ts": pd.Timestamp("2021-01-01") + pd.to_timedelta(np.arange(n), "h"),
        }
    )


def test_small_integers_are_no_reference_to_their_own_tables_key(tmp_path):
    db = rdl.connect(_duckdb(tmp_path, {"rating": _ratings()}))
    assert db["rating"].pkey_col == "rating_id"
    assert db["rating"].fkey_col_to_pkey_table == {}  # the rating stays a feature
    misses = {m["column"]: m["reason"] for m in db.rejected_fkeys}
    assert "role name" in misses["rating"] and "span" in misses["rating"]


def test_control_a_parent_id_self_key_is_inferred(tmp_path):
    n = 300
    posts = pd.DataFrame(
        {
            "post_id": np.arange(1, n + 1),
            "parent_id": [None] * 30 + list(RNG.integers(1, 30, n - 30)),
            "ts": pd.Timestamp("2021-01-01") + pd.to_timedelta(np.arange(n), "h"),
        }
    )
    posts["parent_id"] = posts["parent_id"].astype("Int64")
    db = rdl.connect(_duckdb(tmp_path, {"posts": posts}))
    assert db["posts"].fkey_col_to_pkey_table == {"parent_id": "posts"}


def _airports_and_flights(n: int = 500):
    codes = ["JFK", "LGA", "EWR", "BOS", "SFO", "LAX", "ORD", "ATL", "SEA", "MIA"]
    airports = pd.DataFrame(
        {
            "faa": codes,
            "name": [f"{c} International" for c in codes],
            "alt": RNG.integers(0, 900, len(codes)),
        }
    )
    flights = pd.DataFrame(
        {
            "flight_id": np.arange(n),
            "origin": RNG.choice(codes[:3], n),
            "dest": RNG.choice(codes, n),
            "flight": RNG.integers(1, 4000, n),
            "dep": pd.Timestamp("2021-01-01") + pd.to_timedelta(np.arange(n), "h"),
        }
    )
    return airports, flights


def test_a_code_keyed_dimension_gets_its_primary_key_and_edges(tmp_path):
    airports, flights = _airports_and_flights()
    db = rdl.connect(_duckdb(tmp_path, {"airports": airports, "flights": flights}))
    assert db["airports"].pkey_col == "faa"
    assert db["flights"].fkey_col_to_pkey_table == {"origin": "airports", "dest": "airports"}
    notes = [p.message for p in db.report.problems if p.table == "airports"]
    assert any("code-keyed dimension" in m and "flights." in m for m in notes)


def test_control_an_unreferenced_unique_text_column_is_no_primary_key(tmp_path):
    airports, flights = _airports_and_flights()
    flights = flights.drop(columns=["origin", "dest"])
    db = rdl.connect(_duckdb(tmp_path, {"airports": airports, "flights": flights}))
    assert db["airports"].pkey_col is None
