"""Values read right, or refused with a reason (issue 10, item 5): epoch units and date
integers, day/month text, out-of-range sentinels, non-finite numbers, foreign keys to
UNIQUE columns and across TEXT/INTEGER, views and other schemas, empty databases; and the
time-column rules of item 3 (audit columns, creation names, child before parent)."""

from __future__ import annotations

import sqlite3

import duckdb
import numpy as np
import pandas as pd
import pytest

import rdl
from rdl.db import DataError, SchemaError


def sqlite_db(tmp_path, sql: str, rows: dict | None = None, name: str = "v.sqlite") -> str:
    path = tmp_path / name
    con = sqlite3.connect(path)
    con.executescript(sql)
    for table, values in (rows or {}).items():
        marks = ", ".join("?" * len(values[0]))
        con.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
    con.commit()
    con.close()
    return f"sqlite:///{path}"


def duckdb_db(tmp_path, sql: str, name: str = "v.duckdb") -> str:
    path = tmp_path / name
    con = duckdb.connect(str(path))
    con.execute(sql)
    con.close()
    return f"duckdb:///{path}"


def notes(db, column=None, level=None) -> list[str]:
    return [
        p.message
        for p in db.report.problems
        if (column is None or p.column == column) and (level is None or p.level == level)
    ]


# ---- numbers as timestamps --------------------------------------------------------------
@pytest.mark.parametrize("unit, scale", [("s", 1), ("ms", 10**3), ("us", 10**6), ("ns", 10**9)])
def test_epoch_integers_in_a_timestamp_column_detect_their_unit(tmp_path, unit, scale):
    t = pd.Timestamp("2020-09-13 12:26:40")
    secs = int(t.timestamp())
    url = sqlite_db(
        tmp_path,
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, created_at TIMESTAMP);",
        {"ev": [(1, secs * scale), (2, (secs + 3600) * scale), (3, None)]},
    )
    db = rdl.connect(url)
    ts = db["ev"].df["created_at"]
    assert ts.tolist()[:2] == [t, t + pd.Timedelta(hours=1)]  # not 1970-01-01 00:00:01.6
    assert db["ev"].time_col == "created_at"
    (note,) = [n for n in notes(db, "created_at") if "read as" in n]
    word = {"s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds"}
    assert f"numbers read as {word[unit]} since 1970-01-01 UTC (detected from the values" in note
    assert db.schema["time_formats"] == {"ev.created_at": f"epoch-{unit}"}  # pinned


def test_epoch_override_reads_another_unit(tmp_path):
    url = sqlite_db(
        tmp_path,
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, ts INTEGER);",
        {"ev": [(1, 1_600_000_000_000), (2, 1_600_000_100_000)]},
    )
    db = rdl.connect(url)
    assert db["ev"].df["ts"].iloc[0] == pd.Timestamp("2020-09-13 12:26:40")  # ms detected
    db = rdl.connect(url, time_formats={"ev.ts": "epoch-us"})
    assert db["ev"].df["ts"].iloc[0] == pd.Timestamp("1970-01-19 12:26:40")


def test_yyyymmdd_is_detected_and_yymmdd_needs_a_reading(tmp_path):
    url = sqlite_db(
        tmp_path,
        """
        CREATE TABLE a (id INTEGER PRIMARY KEY, opened_date INTEGER);
        CREATE TABLE b (id INTEGER PRIMARY KEY, date INTEGER, amount REAL);""",
        {
            "a": [(1, 20210304), (2, 19991231)],
            "b": [(1, 930705, 1.0), (2, 980101, 2.0), (3, 951231, 3.0)],
        },
    )
    db = rdl.connect(url)
    assert db["a"].df["opened_date"].tolist() == [
        pd.Timestamp("2021-03-04"),
        pd.Timestamp("1999-12-31"),
    ]
    # Berka's YYMMDD: left as numbers, with the reading to pass
    assert db["b"].time_col is None and db["b"].df["date"].dtype.kind in "if"
    (note,) = notes(db, "date")
    assert "may be yymmdd (930705 .. 980101)" in note
    assert "time_cols={'b': 'date'}, time_formats={'b.date': 'yymmdd'}" in note
    db = rdl.connect(url, time_cols={"b": "date"}, time_formats={"b.date": "yymmdd"})
    assert db["b"].df["date"].tolist() == [
        pd.Timestamp("1993-07-05"),
        pd.Timestamp("1998-01-01"),
        pd.Timestamp("1995-12-31"),
    ]  # rows by id


def test_integer_years_as_time_column_default_to_the_end_of_the_year(tmp_path):
    url = sqlite_db(
        tmp_path,
        "CREATE TABLE season_stats (id INTEGER PRIMARY KEY, year INTEGER, hr INTEGER);",
        {"season_stats": [(1, 2019, 10), (2, 2020, 20)]},
    )
    db = rdl.connect(url, time_cols={"season_stats": "year"})
    assert db["season_stats"].df["year"].tolist() == [
        pd.Timestamp("2019-12-31 23:59:59"),
        pd.Timestamp("2020-12-31 23:59:59"),
    ]
    (note,) = [n for n in notes(db, "year") if "END of the period" in n]
    assert "time_formats={'season_stats.year': 'year-start'}" in note
    start = rdl.connect(
        url, time_cols={"season_stats": "year"}, time_formats={"season_stats.year": "year-start"}
    )
    assert start["season_stats"].df["year"].iloc[0] == pd.Timestamp("2019-01-01")


def test_six_digit_integers_fitting_two_readings_are_refused(tmp_path):
    url = sqlite_db(
        tmp_path,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, period INTEGER);",
        {"t": [(1, 200101), (2, 200112)]},
    )  # 2001-01 / 2020-01-01 ...
    with pytest.raises(DataError) as e:
        rdl.connect(url, time_cols={"t": "period"})
    msg = str(e.value)
    assert (
        "they fit month-end and yymmdd" in msg and "time_formats={'t.period': 'month-end'}" in msg
    )


# ---- text dates ------------------------------------------------------------------------
def test_day_month_text_is_read_day_first_only_when_a_value_proves_it(tmp_path):
    dates = ["04/03/2021", "25/03/2021", "01/12/2020"]
    url = sqlite_db(
        tmp_path,
        "CREATE TABLE p (id INTEGER PRIMARY KEY, paid TIMESTAMP);",
        {"p": [(i, d) for i, d in enumerate(dates)]},
    )
    db = rdl.connect(url)
    assert db["p"].df["paid"].tolist() == [
        pd.Timestamp("2021-03-04"),
        pd.Timestamp("2021-03-25"),
        pd.Timestamp("2020-12-01"),
    ]
    assert any(
        "read dayfirst (1 of 3 distinct values have a first field > 12" in n
        for n in notes(db, "paid")
    )


def test_ambiguous_day_month_text_is_refused_with_the_format_to_pass(tmp_path):
    url = sqlite_db(
        tmp_path,
        "CREATE TABLE p (id INTEGER PRIMARY KEY, paid TIMESTAMP);",
        {"p": [(1, "04/03/2021"), (2, "01/12/2020")]},
    )
    with pytest.raises(DataError) as e:
        rdl.connect(url)
    msg = str(e.value)
    assert "could be day/month or month/day" in msg and "rdl does not guess" in msg
    assert "time_formats={'p.paid': '%d/%m/%Y'}" in msg and "%m/%d/%Y" in msg
    db = rdl.connect(url, time_formats={"p.paid": "%d/%m/%Y"})
    assert db["p"].df["paid"].tolist() == [pd.Timestamp("2021-03-04"), pd.Timestamp("2020-12-01")]
    assert rdl.connect(url, time_formats={"p.paid": "monthfirst"})["p"].df["paid"].iloc[
        0
    ] == pd.Timestamp("2021-04-03")


def test_inconsistent_day_month_text_is_refused(tmp_path):
    url = sqlite_db(
        tmp_path,
        "CREATE TABLE p (id INTEGER PRIMARY KEY, paid TIMESTAMP);",
        {"p": [(1, "25/03/2021"), (2, "03/25/2021")]},
    )
    with pytest.raises(DataError, match="the values disagree: 1 values have a first field > 12"):
        rdl.connect(url)


# ---- out of range and non-finite -----------------------------------------------------------
@pytest.mark.parametrize("backend", ["sqlite", "duckdb"])
def test_open_ended_sentinel_dates_become_null_with_a_note(tmp_path, backend):
    sql = (
        "CREATE TABLE contracts (id INTEGER PRIMARY KEY, signed_at TIMESTAMP, valid_to TIMESTAMP);"
    )
    rows = "INSERT INTO contracts VALUES (1, '2020-01-01', '9999-12-31'), (2, '2020-02-01', '2021-01-01');"
    url = (
        sqlite_db(tmp_path, sql + rows) if backend == "sqlite" else duckdb_db(tmp_path, sql + rows)
    )
    db = rdl.connect(url)
    v = db["contracts"].df["valid_to"]
    assert str(v.dtype) == "datetime64[ns]" and v.isna().tolist() == [True, False]
    (note,) = [n for n in notes(db, "valid_to") if "sentinel" in n]
    assert "1 values are open-ended sentinels" in note and "read as null" in note


def test_other_out_of_range_dates_are_named_in_the_error(tmp_path):
    url = sqlite_db(
        tmp_path,
        "CREATE TABLE h (id INTEGER PRIMARY KEY, built_at TIMESTAMP);"
        "INSERT INTO h VALUES (1, '1500-06-01'), (2, '2020-01-01');",
    )
    with pytest.raises(DataError) as e:
        rdl.connect(url)
    msg = str(e.value)
    assert "1 dates lie outside the years 1678..2261" in msg and "'1500-06-01'" in msg
    assert "rows with id [1]" in msg and "stypes={'h.built_at': 'ignore'}" in msg
    assert rdl.connect(url, stypes={"h.built_at": "ignore"})["h"].time_col is None


def test_non_finite_numbers_become_missing_with_a_warning(tmp_path):
    url = sqlite_db(
        tmp_path,
        "CREATE TABLE m (id INTEGER PRIMARY KEY, x REAL, y REAL);",
        {"m": [(1, 1.0, 2.0), (2, float("inf"), 1.0), (3, float("-inf"), None)]},
    )
    db = rdl.connect(url)
    assert db["m"].df["x"].isna().tolist() == [False, True, True]
    (w,) = notes(db, "x", "warning")
    assert "2 values are not finite (['-inf', 'inf']; rows with id [2, 3])" in w
    assert np.isfinite(db["m"].df["x"].dropna()).all()


# ---- foreign keys keep their links ---------------------------------------------------------
def test_foreign_key_to_a_unique_column_keeps_its_links(tmp_path):
    url = sqlite_db(
        tmp_path,
        """
        CREATE TABLE airports (id INTEGER PRIMARY KEY, code TEXT UNIQUE, name TEXT);
        CREATE TABLE flights (id INTEGER PRIMARY KEY, origin TEXT REFERENCES airports(code),
                              dep TIMESTAMP);
        INSERT INTO airports VALUES (1, 'JFK', 'a'), (2, 'LAX', 'b');
        INSERT INTO flights VALUES (1, 'LAX', '2020-01-01'), (2, 'JFK', '2020-01-02'),
                                   (3, 'XXX', '2020-01-03');""",
    )
    db = rdl.connect(url)
    f = db["flights"]
    assert f.fkey_col_to_pkey_table == {"_rdl_fkey_origin": "airports"}
    assert f.df["_rdl_fkey_origin"].tolist()[:2] == [2, 1] and pd.isna(
        f.df["_rdl_fkey_origin"].iloc[2]
    )
    assert f.df["origin"].tolist() == ["LAX", "JFK", "XXX"]  # the user's column stays
    assert "origin" not in f.stypes  # a key, not a feature
    (w,) = notes(db, "origin", "warning")
    assert "1 rows reference no row of airports ['code'] (examples: ['XXX'])" in w
    assert db.schema["foreign_keys"] == {"flights": {"origin": "airports.code"}}


@pytest.mark.parametrize("child, parent", [("TEXT", "INTEGER"), ("INTEGER", "TEXT")])
def test_text_and_integer_keys_find_each_other(tmp_path, child, parent):
    c = "'2'" if child == "TEXT" else "2"
    p = "'2'" if parent == "TEXT" else "2"
    url = sqlite_db(
        tmp_path,
        f"""
        CREATE TABLE users (id {parent} PRIMARY KEY, name TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id {child} REFERENCES users(id));
        INSERT INTO users VALUES ({p}, 'a');
        INSERT INTO orders VALUES (1, {c}), (2, {c});""",
    )
    db = rdl.connect(url)
    assert db["orders"].df["user_id"].notna().all()  # no link lost
    assert not notes(db, "user_id", "warning")
    assert any("to match the" in n for n in notes(db, "user_id", "note"))


# ---- catalog: views, schemas, empty --------------------------------------------------------
def test_views_and_other_schemas_are_listed_and_included_on_request(tmp_path):
    url = duckdb_db(
        tmp_path,
        """
        CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR);
        INSERT INTO users VALUES (1, 'a'), (2, 'b');
        CREATE VIEW active_users AS SELECT * FROM users WHERE id = 1;
        CREATE SCHEMA archive;
        CREATE TABLE archive.orders (id INTEGER, user_id INTEGER);
        INSERT INTO archive.orders VALUES (1, 1), (2, 2);""",
    )
    db = rdl.connect(url)
    assert list(db) == ["users"]
    listed = " ".join(n for n in notes(db) if "not read" in n)
    assert "1 views not read: ['active_users']" in listed and "include=['active_users']" in listed
    assert "1 tables in other schemas not read: ['archive.orders']" in listed
    db = rdl.connect(url, include=["users", "active_users", "archive.orders"])
    assert sorted(db) == ["active_users", "archive.orders", "users"]
    assert len(db["active_users"]) == 1
    assert db["archive.orders"].fkey_col_to_pkey_table == {"user_id": "users"}  # inferred


def test_sqlite_views_are_listed(tmp_path):
    url = sqlite_db(
        tmp_path, "CREATE TABLE t (id INTEGER PRIMARY KEY); CREATE VIEW v AS SELECT * FROM t;"
    )
    assert any("views not read: ['v']" in n for n in notes(rdl.connect(url)))


@pytest.mark.parametrize("backend", ["sqlite", "duckdb"])
def test_an_empty_database_is_an_error(tmp_path, backend):
    url = (
        sqlite_db(tmp_path, "CREATE VIEW v AS SELECT 1 AS x;")
        if backend == "sqlite"
        else duckdb_db(tmp_path, "CREATE VIEW v AS SELECT 1 AS x;")
    )
    with pytest.raises(SchemaError) as e:
        rdl.connect(url)
    assert "has no tables: there is nothing to learn from" in str(e.value)
    assert "include=['v']" in str(e.value)


def test_excluding_every_table_is_an_error(tmp_path):
    url = sqlite_db(tmp_path, "CREATE TABLE a (id INTEGER); CREATE TABLE b (id INTEGER);")
    with pytest.raises(
        SchemaError,
        match=r"every table of .* is left out by include / "
        r"exclude \(tables: \['a', 'b'\]\)",
    ):
        rdl.connect(url, exclude=["a", "b"])


# ---- time columns (item 3) -------------------------------------------------------------------
def test_audit_columns_are_never_time_columns_and_events_are(tmp_path):
    """DVD-rental style: last_update holds one value (or the export's date) on every row."""
    rows = [
        (
            i,
            f"2005-0{1 + i % 8}-1{i % 9} 10:00:00",
            f"2005-0{1 + i % 8}-2{i % 9} 10:00:00",
            "2006-02-15 09:34:33",
        )
        for i in range(30)
    ]
    url = sqlite_db(
        tmp_path,
        """
        CREATE TABLE film (film_id INTEGER PRIMARY KEY, title TEXT, last_update TIMESTAMP);
        CREATE TABLE rental (rental_id INTEGER PRIMARY KEY, rental_date TIMESTAMP,
                             return_date TIMESTAMP, last_update TIMESTAMP);""",
        {"film": [(i, f"t{i}", "2006-02-15 09:34:33") for i in range(5)], "rental": rows},
    )
    db = rdl.connect(url)
    assert db["film"].time_col is None and db["rental"].time_col == "rental_date"
    (film,) = notes(db, None, "note")[:0] or [
        n for n in notes(db) if n.startswith("no time column")
    ]
    assert (
        "'last_update' not used: one value on every row (2006-02-15 09:34:33): an audit column"
        in film
    )
    (rental,) = [n for n in notes(db, "rental_date")]
    assert "chosen as time column (a creation/event name)" in rental
    assert "'return_date' (an end name; not earlier on 100% of rows)" in rental
    assert "'last_update' not used: one value on every row" in rental


def test_a_column_holding_the_export_date_on_most_rows_is_an_audit_column(tmp_path):
    rows = [(i, f"2019-0{1 + i % 9}-01", "2020-06-30 00:00:0" + str(i % 5)) for i in range(20)]
    url = sqlite_db(
        tmp_path,
        "CREATE TABLE u (id INTEGER PRIMARY KEY, created TIMESTAMP, updated_at TIMESTAMP);",
        {"u": rows},
    )
    db = rdl.connect(url)
    assert db["u"].time_col == "created"
    assert any(
        "'updated_at' not used: the database's latest date (2020-06-30) on 100% of rows" in n
        for n in notes(db, "created")
    )


def test_child_rows_dated_before_their_parent_are_warned(tmp_path):
    url = sqlite_db(
        tmp_path,
        """
        CREATE TABLE albums (id INTEGER PRIMARY KEY, release_date TIMESTAMP);
        CREATE TABLE sales (id INTEGER PRIMARY KEY, album_id INTEGER REFERENCES albums(id),
                            sold_at TIMESTAMP);
        INSERT INTO albums VALUES (1, '2020-01-01'), (2, '2021-06-01');
        INSERT INTO sales VALUES (1, 1, '2020-02-01'), (2, 2, '2021-01-01'), (3, 2, '2021-07-01');""",
    )
    db = rdl.connect(url)
    (w,) = notes(db, "album_id", "warning")
    assert "1 of 3 rows (33%) are dated before the albums row they reference" in w
    assert "id 2 dated 2021-01-01 00:00:00 -> albums 2 dated 2021-06-01 00:00:00" in w
    # the fix points the time column at the creation; it never proposes dropping the
    # parent's time column, which would show every later album to every seed
    assert "time_cols={'albums': 'COLUMN'}" in w and "time_cols={'albums': None}" not in w
    (sus,) = [s for s in db.leakage if s["kind"] == "child before parent"]
    assert "None" not in str(sus["fix"]) and "time_cols={'albums'" in str(sus["fix"])


def test_child_rows_on_the_parents_day_without_a_time_of_day_are_called_harmless(tmp_path):
    url = sqlite_db(
        tmp_path,
        """
        CREATE TABLE orders (id INTEGER PRIMARY KEY, placed_at TIMESTAMP);
        CREATE TABLE lines (id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES orders(id),
                            ship_date TIMESTAMP);
        INSERT INTO orders VALUES (1, '2020-01-01 15:30:00'), (2, '2020-01-02 09:00:00');
        INSERT INTO lines VALUES (1, 1, '2020-01-01'), (2, 2, '2020-01-02'), (3, 2, '2020-01-03');""",
    )
    (w,) = notes(rdl.connect(url), "order_id", "warning")
    assert "2 of them on the parent's own day with no time of day" in w and "harmless" in w
