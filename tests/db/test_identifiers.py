"""Odd table and column names (a reserved word, quotes, a dot, a space, ``%``, non-ASCII,
mixed case) survive every SQL text rdl writes: `rdl.db.sql.quote_identifier` itself, and a
`Database` written with `to_url` and read back with `rdl.connect` on DuckDB, SQLite and
PostgreSQL. (The baselines' DuckDB aggregates over such names are tested in
``test_baselines_features.py``.)"""

from __future__ import annotations

import sqlite3

import duckdb
import pandas as pd
import pytest

import rdl
from rdl.db.sql import DIALECTS, quote_identifier
from rdl.db.write import to_url

ODD = ["order", 'my "col"', "a.b", "Größe", "with space", "100%", "MixedCase", "select"]


def test_dialects_agree_and_always_quote():
    for name in ODD + ["plain"]:
        quoted = {quote_identifier(name, d) for d in DIALECTS}
        assert quoted == {'"' + name.replace('"', '""') + '"'}, name
    assert quote_identifier("order") == '"order"'  # DuckDB is the default
    with pytest.raises(ValueError, match="unknown SQL dialect 'mysql'"):
        quote_identifier("x", "mysql")


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_quoted_names_address_the_right_table_and_column(engine):
    con = duckdb.connect() if engine == "duckdb" else sqlite3.connect(":memory:")
    q = [quote_identifier(n, engine) for n in ODD]
    con.execute(f"CREATE TABLE {q[0]} ({', '.join(f'{c} INTEGER' for c in q)})")
    con.execute(f"INSERT INTO {q[0]} VALUES ({', '.join(str(i) for i in range(len(q)))})")
    for i, c in enumerate(q):
        assert con.execute(f"SELECT {c} FROM {q[0]}").fetchall() == [(i,)]
    # control: the same text unquoted is not valid SQL
    with pytest.raises((duckdb.Error, sqlite3.Error)):
        con.execute(f"SELECT {ODD[1]} FROM {ODD[0]}")
    con.close()


def odd_db() -> rdl.Database:
    """``Größe`` (static) <- ``order`` (timed, child) -> ``a.b`` (static parent), with
    odd column names for every role: primary key, foreign key, time column, values; and
    ``50% off``, a table with ``%`` in its name."""
    groesse = pd.DataFrame(
        {"my id": [1, 2, 3], 'my "col"': [0.5, 1.5, 2.5], "Select": ["x", "y", "x"]}
    )
    ab = pd.DataFrame({"a.b": [10, 20], "100%": [1.0, 2.0]})
    order = pd.DataFrame(
        {
            "Order ID": [1, 2, 3, 4],
            "Größe.fk": [1, 1, 2, 3],
            "with space": [10, 20, 20, 10],
            "when?": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-02-01", "2020-03-01"]),
            "MixedCase": [1.25, -2.0, 3.5, 0.0],
        }
    )
    order["when?"] = order["when?"].astype("datetime64[ns]")
    return rdl.Database(
        {
            "Größe": rdl.Table(
                groesse, {}, "my id", None, {'my "col"': "numerical", "Select": "categorical"}
            ),
            "a.b": rdl.Table(ab, {}, "a.b", None, {"100%": "numerical"}),
            "50% off": rdl.Table(
                pd.DataFrame({"id": [7], "x": [0.5]}), {}, "id", None, {"x": "numerical"}
            ),
            "order": rdl.Table(
                order,
                {"Größe.fk": "Größe", "with space": "a.b"},
                "Order ID",
                "when?",
                {"when?": "timestamp", "MixedCase": "numerical"},
            ),
        }
    )


@pytest.mark.parametrize("backend", ["duckdb", "sqlite", "postgresql"])
def test_write_and_read_back_odd_names(tmp_path, request, backend):
    db = odd_db()
    if backend == "postgresql":
        url = request.getfixturevalue("pg_url")
    else:
        url = f"{backend}:///{tmp_path / ('odd.' + backend)}"
    to_url(db, url)
    back = rdl.connect(url, time_cols={"order": "when?"})
    assert sorted(back) == sorted(db)
    for name in db:
        assert back[name].pkey_col == db[name].pkey_col
        assert back[name].fkey_col_to_pkey_table == db[name].fkey_col_to_pkey_table
    assert back.equals(db)
    to_url(db, url, replace=True)  # dropping the odd names works too
    assert rdl.connect(url, time_cols={"order": "when?"}).equals(db)
