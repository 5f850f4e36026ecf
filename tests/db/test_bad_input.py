"""Bad input to `rdl.connect`: each test builds a small broken database (SQLite or DuckDB
file, PostgreSQL where the type is PostgreSQL's) and checks that the error or reported
problem names the culprit table, column and example values, and says what to do; or that
an unusual-but-valid schema (empty tables, cycles, composite keys, odd names) just works."""

from __future__ import annotations

import re
import sqlite3

import duckdb
import pandas as pd
import psycopg
import pytest

import rdl
from rdl.db import DataError, SchemaError
from rdl.db.write import to_url


def sqlite_db(tmp_path, sql: str, name: str = "bad.sqlite") -> str:
    path = tmp_path / name
    con = sqlite3.connect(path)
    con.executescript(sql)
    con.commit()
    con.close()
    return f"sqlite:///{path}"


def duckdb_db(tmp_path, sql: str, name: str = "bad.duckdb") -> str:
    path = tmp_path / name
    con = duckdb.connect(str(path))
    con.execute(sql)
    con.close()
    return f"duckdb:///{path}"


def pg_exec(url: str, sql: str) -> None:
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        c.execute(sql)


def problems(db, level=None) -> list:
    return [p for p in db.report.problems if level is None or p.level == level]


USERS_ORDERS = """
    CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id),
                         created_at TIMESTAMP, amount REAL);
    INSERT INTO users VALUES (1, 'ann'), (2, 'bob');
"""


# ---- primary keys --------------------------------------------------------------------
def test_duplicate_primary_key(tmp_path):
    url = sqlite_db(
        tmp_path,
        """
        CREATE TABLE users (code TEXT, name TEXT);
        INSERT INTO users VALUES ('a', 'x'), ('a', 'y'), ('b', 'z'), ('c', 'w'), ('c', 'v');
    """,
    )
    with pytest.raises(DataError) as e:
        rdl.connect(url, primary_keys={"users": "code"})
    msg = str(e.value)
    assert "users.code" in msg and "4 rows share a primary-key value" in msg
    assert "['a', 'c']" in msg  # examples
    assert "primary_keys={'users': 'COLUMN'}" in msg  # the fix, as the Python argument
    assert "primary_keys={'users': None}" in msg and "--" not in msg  # no CLI flag
    # the fix works: no primary key (an event table)
    assert rdl.connect(url, primary_keys={"users": None})["users"].pkey_col is None


def test_null_primary_key(tmp_path):
    # SQLite lets a TEXT PRIMARY KEY hold NULL (a documented legacy quirk)
    url = sqlite_db(
        tmp_path,
        """
        CREATE TABLE users (code TEXT PRIMARY KEY, name TEXT);
        INSERT INTO users VALUES ('a', 'x'), (NULL, 'y'), ('b', 'z');
    """,
    )
    with pytest.raises(DataError) as e:
        rdl.connect(url)
    msg = str(e.value)
    assert "users.code" in msg and "1 rows have a null primary key" in msg
    assert "row positions [2]" in msg  # sorted by key, nulls last
    assert (
        "fill them in the source or choose another key column: primary_keys={'users': "
        "'COLUMN'}" in msg
    )


def test_composite_primary_key_gets_a_surrogate_and_foreign_keys_map_to_it(tmp_path):
    url = sqlite_db(
        tmp_path,
        """
        CREATE TABLE seasons (year INTEGER, league TEXT, name TEXT, PRIMARY KEY (year, league));
        CREATE TABLE games (id INTEGER PRIMARY KEY, year INTEGER, league TEXT,
                            played_at TIMESTAMP,
                            FOREIGN KEY (year, league) REFERENCES seasons(year, league));
        INSERT INTO seasons VALUES (2021, 'b', 'x'), (2020, 'a', 'y'), (2020, 'b', 'z');
        INSERT INTO games VALUES (1, 2020, 'b', '2020-05-01'), (2, 2021, 'b', '2021-05-01'),
            (3, 2020, 'a', '2020-06-01'), (4, NULL, NULL, '2020-07-01'),
            (5, 2019, 'a', '2019-07-01');
    """,
    )
    db = rdl.connect(url)
    seasons, games = db["seasons"], db["games"]
    assert seasons.pkey_col == "_rdl_key"
    assert seasons.df[["_rdl_key", "year", "league"]].values.tolist() == [
        [0, 2020, "a"],
        [1, 2020, "b"],
        [2, 2021, "b"],
    ]  # in key order
    assert games.fkey_col_to_pkey_table == {"_rdl_fkey_seasons": "seasons"}
    linked = games.df.set_index("id")["_rdl_fkey_seasons"]
    assert linked[[1, 2, 3]].tolist() == [1, 2, 0] and linked[[4, 5]].isna().all()
    # key columns are not features
    assert set(games.stypes) == {"played_at"} and set(seasons.stypes) == {"name"}
    dangling = [p for p in problems(db, "warning") if p.table == "games"]
    assert len(dangling) == 1 and dangling[0].column == "year,league"
    assert "1 rows reference no row of seasons" in dangling[0].message
    assert "(2019, 'a')" in dangling[0].message
    assert "they keep their row and lose the link" in dangling[0].message


def test_table_without_primary_key_is_an_event_table(tmp_path):
    url = sqlite_db(
        tmp_path,
        """
        CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE clicks (user_id INTEGER REFERENCES users(id), clicked_at TIMESTAMP,
                             page TEXT);
        INSERT INTO users VALUES (1, 'a'), (2, 'b');
        INSERT INTO clicks VALUES (2, '2020-01-02', 'p'), (1, '2020-01-01', 'q'),
                                  (1, '2020-01-01', 'q');
    """,
    )
    db = rdl.connect(url)
    clicks = db["clicks"]
    assert clicks.pkey_col is None  # user_id is unique-ish but named after users: not a pkey
    assert clicks.fkey_col_to_pkey_table == {"user_id": "users"}
    assert clicks.time_col == "clicked_at"
    assert len(clicks) == 3  # duplicates kept: events
    assert clicks.df["user_id"].tolist() == [1, 1, 2]  # sorted deterministically
    assert db.report.ok and not problems(db, "warning")


# ---- foreign keys --------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["sqlite", "duckdb"])
def test_dangling_foreign_keys_are_nulled_counted_and_reported(tmp_path, backend):
    rows = (
        "INSERT INTO orders VALUES (1, 1, '2020-01-01', 1.0), (2, 7, '2020-01-02', 2.0),"
        " (3, 9, '2020-01-03', 3.0), (4, NULL, '2020-01-04', 4.0), (5, 7, '2020-01-05', 5.0);"
    )
    if backend == "sqlite":  # SQLite does not enforce declared foreign keys
        url, kw = sqlite_db(tmp_path, USERS_ORDERS + rows), {}
    else:  # DuckDB enforces them: declare the key at connect() instead
        url = duckdb_db(tmp_path, USERS_ORDERS.replace(" REFERENCES users(id)", "") + rows)
        kw = {"foreign_keys": {"orders": {"user_id": "users"}}, "infer_foreign_keys": False}
    db = rdl.connect(url, **kw)
    (p,) = problems(db, "warning")
    assert (p.table, p.column, p.rows, p.examples) == ("orders", "user_id", 3, [7, 9])
    assert "3 values reference no row of users.id (examples: [7, 9])" in p.message
    assert "these rows keep their row and lose the link (set to null" in p.message
    assert "foreign_keys={'orders': {'user_id': None}}" in p.message and "--" not in p.message
    assert db["orders"].df["user_id"].isna().tolist() == [False, True, True, True, True]
    assert db["orders"].fkey_col_to_pkey_table == {"user_id": "users"}


def test_self_referencing_and_cyclic_foreign_keys_work_end_to_end(tmp_path, pg_url):
    url = sqlite_db(
        tmp_path,
        """
        CREATE TABLE employees (id INTEGER PRIMARY KEY,
                                manager_id INTEGER REFERENCES employees(id),
                                dept_id INTEGER REFERENCES depts(id), name TEXT,
                                hired_at TIMESTAMP);
        CREATE TABLE depts (id INTEGER PRIMARY KEY, head_id INTEGER REFERENCES employees(id),
                            title TEXT);
        INSERT INTO employees VALUES (1, NULL, 1, 'a', '2001-01-01'),
            (2, 1, 1, 'b', '2002-01-01'), (3, 1, 2, 'c', '2003-01-01');
        INSERT INTO depts VALUES (1, 1, 'x'), (2, 3, 'y');
    """,
    )
    db = rdl.connect(url)
    assert db["employees"].fkey_col_to_pkey_table == {"manager_id": "employees", "dept_id": "depts"}
    assert db["depts"].fkey_col_to_pkey_table == {"head_id": "employees"}
    assert db.report.ok and not problems(db, "warning")
    assert len(db.upto("2002-06-01")["employees"]) == 2
    assert rdl.Database.load(db.save(tmp_path / "saved")).equals(db)
    # write back out: SQLite and PostgreSQL declare every key ...
    to_url(db, str(tmp_path / "copy.sqlite"))
    assert rdl.connect(f"sqlite:///{tmp_path / 'copy.sqlite'}").equals(db)
    to_url(db, pg_url)
    assert rdl.connect(pg_url).equals(db)
    # ... DuckDB cannot hold them on loaded rows: a warning names them and the way back
    with pytest.warns(UserWarning, match="self-referencing or cyclic") as w:
        to_url(db, str(tmp_path / "copy.duckdb"))
    restore = eval(re.search(r"foreign_keys=(\{.*\})\)", str(w[0].message)).group(1))
    assert restore == {"employees": {"dept_id": "depts", "manager_id": "employees"}}
    back = rdl.connect(f"duckdb:///{tmp_path / 'copy.duckdb'}", foreign_keys=restore)
    assert back.equals(db)


@pytest.mark.parametrize("backend", ["sqlite", "duckdb"])
def test_table_names_that_clash_with_python_attributes(tmp_path, backend):
    sql = """
        CREATE TABLE items (id INTEGER PRIMARY KEY, "type" TEXT);
        CREATE TABLE "keys" (id INTEGER PRIMARY KEY, items_id INTEGER REFERENCES items(id));
        CREATE TABLE "type" (id INTEGER PRIMARY KEY, "values" DOUBLE);
        CREATE TABLE "values" (id INTEGER PRIMARY KEY, "type" INTEGER REFERENCES "type"(id),
                               "keys" INTEGER REFERENCES "keys"(id));
        INSERT INTO items VALUES (1, 'a'), (2, 'b');
        INSERT INTO "keys" VALUES (1, 1), (2, 2);
        INSERT INTO "type" VALUES (1, 0.5);
        INSERT INTO "values" VALUES (1, 1, 2);
    """
    url = sqlite_db(tmp_path, sql) if backend == "sqlite" else duckdb_db(tmp_path, sql)
    db = rdl.connect(url)
    assert sorted(db) == ["items", "keys", "type", "values"]
    assert db["keys"].fkey_col_to_pkey_table == {"items_id": "items"}
    assert db["values"].fkey_col_to_pkey_table == {"type": "type", "keys": "keys"}
    assert db["type"].stypes == {"values": "numerical"}
    assert dict(db.items())["items"] is db["items"]  # the Mapping methods still work
    assert len(list(db.keys())) == len(list(db.values())) == 4
    to_url(db, str(tmp_path / "copy.duckdb"))
    assert rdl.connect(f"duckdb:///{tmp_path / 'copy.duckdb'}").equals(db)


# ---- timestamps ----------------------------------------------------------------------
def test_unparseable_timestamps_name_rows_and_values(tmp_path):
    url = sqlite_db(
        tmp_path,
        """
        CREATE TABLE ev (id INTEGER PRIMARY KEY, created_at TIMESTAMP, x REAL);
        INSERT INTO ev VALUES (10, '2020-01-01', 1), (20, 'yesterday', 2),
                              (30, '2020-13-45', 3), (40, NULL, 4);
    """,
    )
    with pytest.raises(DataError) as e:
        rdl.connect(url)
    msg = str(e.value)
    assert "table 'ev', column 'created_at': 2 values are not timestamps" in msg
    assert "['yesterday', '2020-13-45']" in msg and "rows with id [20, 30]" in msg
    assert "stypes={'ev.created_at': 'ignore'}" in msg
    # the suggested fix works: the column is left as read and is not a feature
    db = rdl.connect(url, stypes={"ev.created_at": "ignore"})
    assert db["ev"].time_col is None and db["ev"].stypes == {"x": "numerical"}
    assert db["ev"].df["created_at"].tolist()[:2] == ["2020-01-01", "yesterday"]


def test_mixed_naive_and_aware_timestamps_are_an_error(tmp_path):
    url = sqlite_db(
        tmp_path,
        """
        CREATE TABLE ev (id INTEGER PRIMARY KEY, created_at TIMESTAMP);
        INSERT INTO ev VALUES (1, '2020-01-01 10:00:00'), (2, '2020-01-01 10:00:00+02:00'),
                              (3, NULL), (4, '2020-01-02');
    """,
    )
    with pytest.raises(DataError) as e:
        rdl.connect(url)
    msg = str(e.value)
    assert "table 'ev', column 'created_at': mixes 2 timestamps without a time zone" in msg
    assert "'2020-01-01 10:00:00'; rows with id [1, 4]" in msg
    assert "'2020-01-01 10:00:00+02:00'; rows with id [2]" in msg
    assert "Store all of them in UTC" in msg


def test_aware_timestamps_with_mixed_offsets_are_normalised_to_utc(tmp_path):
    url = sqlite_db(
        tmp_path,
        """
        CREATE TABLE ev (id INTEGER PRIMARY KEY, created_at TIMESTAMP);
        INSERT INTO ev VALUES (1, '2020-01-01 10:00:00Z'), (2, '2020-01-01 10:00:00+02:00'),
                              (3, '2020-01-01T05:30:00-05:00'), (4, NULL);
    """,
    )
    db = rdl.connect(url)
    ts = db["ev"].df["created_at"]
    assert str(ts.dtype) == "datetime64[ns]"  # naive, in UTC
    assert ts.tolist()[:3] == [
        pd.Timestamp("2020-01-01 10:00"),
        pd.Timestamp("2020-01-01 08:00"),
        pd.Timestamp("2020-01-01 10:30"),
    ]
    (note,) = [p for p in problems(db, "note") if "time zones" in p.message]
    assert (note.table, note.column) == ("ev", "created_at")
    assert "['+02:00', '-05:00', 'Z']; normalised to UTC" in note.message


def test_postgresql_timestamptz_is_normalised_to_utc(pg_url):
    pg_exec(
        pg_url,
        """
        SET TIME ZONE 'America/New_York';
        CREATE TABLE ev (id INTEGER PRIMARY KEY, created_at TIMESTAMPTZ, at_local TIMESTAMP);
        INSERT INTO ev VALUES (1, '2020-01-01 10:00:00+02', '2020-01-01 10:00:00'),
                              (2, '2020-06-01 10:00:00-05', NULL),
                              (3, '2020-01-01 08:00:00Z', '2020-01-01 09:00:00');
    """,
    )
    db = rdl.connect(pg_url, time_cols={"ev": "created_at"})
    df = db["ev"].df
    assert str(df["created_at"].dtype) == "datetime64[ns]"
    assert df["created_at"].tolist() == [
        pd.Timestamp("2020-01-01 08:00"),
        pd.Timestamp("2020-06-01 15:00"),
        pd.Timestamp("2020-01-01 08:00"),
    ]
    assert df["at_local"].iloc[0] == pd.Timestamp("2020-01-01 10:00")  # naive: unchanged
    assert any(
        p.column == "created_at" and "stored as naive UTC" in p.message
        for p in problems(db, "note")
    )


def test_several_time_like_columns_choose_the_event_by_rule_with_a_note(tmp_path):
    url = sqlite_db(
        tmp_path,
        """
        CREATE TABLE orders (id INTEGER PRIMARY KEY, ordered_at TIMESTAMP,
                             shipped_at TIMESTAMP, amount REAL);
        INSERT INTO orders VALUES (1, '2020-01-01', '2020-01-03', 3.5);
    """,
    )
    db = rdl.connect(url)
    assert db["orders"].time_col == "ordered_at"  # the event's creation, not its end
    (note,) = [p for p in problems(db, "note") if p.table == "orders"]
    assert note.column == "ordered_at"
    assert "chosen as time column (a creation/event name)" in note.message
    assert "also time-like: 'shipped_at' (an end name; not earlier on 100% of rows)" in note.message
    assert "time_cols={'orders': 'COLUMN'}" in note.message
    chosen = rdl.connect(url, time_cols={"orders": "shipped_at"})
    assert chosen["orders"].time_col == "shipped_at"
    assert any("chosen by time_cols=" in p.message for p in chosen.report.problems)
    assert rdl.connect(url, time_cols={"orders": None})["orders"].time_col is None


def test_time_cols_naming_a_missing_column(tmp_path):
    url = sqlite_db(tmp_path, USERS_ORDERS)
    with pytest.raises(SchemaError) as e:
        rdl.connect(url, time_cols={"orders": "ordered_at"})
    msg = str(e.value)
    assert "time_cols: table 'orders' has no column 'ordered_at'" in msg
    assert "['id', 'user_id', 'created_at', 'amount']" in msg  # what to name instead


# ---- column types --------------------------------------------------------------------
def test_binary_columns_are_left_out_with_a_note(tmp_path):
    """Binary data has no stype: a first try on a real database (Northwind's pictures)
    reads the rest, says so, and keeps the column as read."""
    url = sqlite_db(
        tmp_path,
        """
        CREATE TABLE files (id INTEGER PRIMARY KEY, data BLOB, name TEXT);
        INSERT INTO files VALUES (1, x'00ff', 'a'), (2, x'0102', 'b');
    """,
    )
    db = rdl.connect(url)
    assert db["files"].stypes == {"name": "categorical"}
    assert db["files"].df["data"].tolist() == [b"\x00\xff", b"\x01\x02"]  # kept, unused
    (note,) = [p for p in problems(db, "note") if p.column == "data"]
    assert (
        "binary values (SQL type BLOB) have no stype: not a feature (kept as read)" in note.message
    )
    assert "stypes={'files.data': 'ignore'}" in note.message
    silent = rdl.connect(url, stypes={"files.data": "ignore"})
    assert not [p for p in problems(silent) if p.column == "data"]


def test_mixed_objects_name_the_type_and_the_override(tmp_path):
    url = sqlite_db(
        tmp_path,
        """
        CREATE TABLE people (id INTEGER PRIMARY KEY, age);
        INSERT INTO people VALUES (1, 31), (2, 'unknown'), (3, 40);
    """,
    )
    with pytest.raises(SchemaError) as e:
        rdl.connect(url)
    msg = str(e.value)
    assert "table 'people', column 'age': values of type int" in msg
    assert "stypes={'people.age': 'ignore'}" in msg and "--stype" not in msg


def test_postgresql_types_bytea_jsonb_and_uuid(pg_url):
    pg_exec(
        pg_url,
        """
        CREATE TABLE docs (id INTEGER PRIMARY KEY, payload BYTEA, meta JSONB, ref UUID);
        INSERT INTO docs VALUES
            (1, '\\x00ff', '{"a": 1}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
            (2, NULL, NULL, 'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12');
    """,
    )
    db = rdl.connect(pg_url)
    notes = {p.column: p.message for p in problems(db, "note") if p.column in ("payload", "meta")}
    assert "binary values (SQL type BYTEA) have no stype" in notes["payload"]
    assert "JSON objects (SQL type JSONB) have no stype" in notes["meta"]
    assert db["docs"].df["ref"].tolist() == [
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12",
    ]
    assert db["docs"].stypes == {"ref": "categorical"}  # UUIDs read as strings


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (
            {"stypes": {"nope.name": "ignore"}},
            r"stypes names table 'nope', which .* does not have .*tables: \['orders', 'users'\]",
        ),
        ({"time_cols": {"nope": "x"}}, r"time_cols names table 'nope'.*\['orders', 'users'\]"),
        ({"primary_keys": {"nope": "id"}}, r"primary_keys names table 'nope'"),
        ({"foreign_keys": {"nope": {"a": "users"}}}, r"foreign_keys names table 'nope'"),
        (
            {"stypes": {"users.nope": "ignore"}},
            r"table 'users': stype override for 'nope', which is not a column \(columns: \['id', "
            r"'name'\]\)",
        ),
        (
            {"stypes": {"users.name": "blob"}},
            r"table 'users', column 'name': unknown stype 'blob'; use one of \['numerical', "
            r"'categorical'.*or 'ignore'",
        ),
        (
            {"stypes": {"name": "categorical"}},
            r"stypes key 'name' must be 'table.column', e.g. stypes=\{'users.name': 'categorical'\}",
        ),
        (
            {"primary_keys": {"users": "nope"}},
            r"primary_keys: table 'users' has no column 'nope'; name one of its columns \['id', ",
        ),
        (
            {"foreign_keys": {"orders": {"buyer": "users"}}},
            r"foreign key orders.buyer -> users: 'orders' has no column 'buyer'; its columns are "
            r"\['id', 'user_id', 'created_at', 'amount'\]",
        ),
        (
            {"foreign_keys": {"orders": {"user_id": "people"}}},
            r"foreign_keys: orders.user_id: 'people' is not a loaded table \(or table.column\); "
            r"tables: \['orders', 'users'\]",
        ),
    ],
)
def test_bad_override_names(tmp_path, kwargs, error):
    url = sqlite_db(tmp_path, USERS_ORDERS)
    with pytest.raises(SchemaError, match=error):
        rdl.connect(url, **kwargs)


# ---- tables and files ----------------------------------------------------------------
def test_empty_tables_are_fine_and_reported(tmp_path):
    url = duckdb_db(tmp_path, USERS_ORDERS.split("INSERT")[0].replace("REAL", "DOUBLE"))
    db = rdl.connect(url)
    assert [len(t) for t in db.values()] == [0, 0]
    assert {(p.table, p.message) for p in problems(db, "warning")} == {
        ("orders", "table is empty"),
        ("users", "table is empty"),
    }
    assert db["orders"].time_col == "created_at"
    assert db["orders"].fkey_col_to_pkey_table == {"user_id": "users"}
    assert db.min_timestamp is None and len(db.upto("2020-01-01")["orders"]) == 0
    assert db["orders"].stypes == {}  # no values: nothing to learn from


def test_all_null_column_is_not_a_feature(tmp_path):
    url = sqlite_db(
        tmp_path,
        """
        CREATE TABLE orders (id INTEGER PRIMARY KEY, created_at TIMESTAMP,
                             shipped_at TIMESTAMP, note TEXT, amount REAL);
        INSERT INTO orders VALUES (1, '2020-01-01', NULL, NULL, 1.0),
                                  (2, '2020-01-02', NULL, NULL, NULL);
    """,
    )
    db = rdl.connect(url)
    assert db["orders"].time_col == "created_at"  # the created_* column wins
    assert db["orders"].stypes == {"created_at": "timestamp", "amount": "numerical"}


def test_include_and_exclude_with_unknown_names(tmp_path):
    url = sqlite_db(tmp_path, USERS_ORDERS)
    for arg in ("include", "exclude"):
        with pytest.raises(SchemaError) as e:
            rdl.connect(url, **{arg: ["users", "Orders"]})
        msg = str(e.value)
        assert f"{arg} names tables ['Orders']" in msg and "--" not in msg
        assert "its tables are ['orders', 'users']" in msg and "case-sensitive" in msg
    with pytest.raises(
        SchemaError, match=r"include must be a list of names, e.g. include=\['users'\]"
    ):
        rdl.connect(url, include="users")
    # valid names work; a foreign key into an excluded table is dropped with a warning
    db = rdl.connect(url, exclude=["users"])
    assert list(db) == ["orders"] and db["orders"].fkey_col_to_pkey_table == {}
    (p,) = [p for p in problems(db, "warning") if p.column == "user_id"]
    assert p.table == "orders" and "'users', which is not loaded" in p.message
    assert "Load 'users' to keep this link" in p.message
    assert list(rdl.connect(url, include=["users"])) == ["users"]


@pytest.mark.parametrize("scheme, suffix", [("sqlite", "sqlite"), ("duckdb", "duckdb")])
def test_missing_database_file(tmp_path, scheme, suffix, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for url in (f"{scheme}:///{tmp_path}/nope.{suffix}", f"{scheme}:///nope.{suffix}"):
        with pytest.raises(FileNotFoundError) as e:
            rdl.connect(url)
        msg = str(e.value)
        assert f"'{tmp_path}/nope.{suffix}' does not exist" in msg and "Check the path" in msg
    assert "relative path is resolved against the working directory" in msg
    assert not any(tmp_path.iterdir())  # connect never creates a database
