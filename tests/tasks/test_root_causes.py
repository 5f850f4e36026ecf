"""A split that runs past the data names the root cause when it lies in the data — an
empty table, a time column rdl could not read — instead of only "move val_timestamp
earlier" (control: a database without such a cause adds nothing)."""

from __future__ import annotations

import sqlite3

import rdl
from rdl.tasks.timestamps import root_causes


def _db(tmp_path, null_times: bool, empty: bool) -> str:
    path = tmp_path / f"r{int(null_times)}{int(empty)}.sqlite"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE users (id INTEGER PRIMARY KEY, joined_at TIMESTAMP);
        CREATE TABLE events (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id),
                             created_at TEXT);
        CREATE TABLE refunds (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id),
                              created_at TIMESTAMP);""")
    con.executemany(
        "INSERT INTO users VALUES (?, ?)", [(i, f"2020-01-{i + 1:02d}") for i in range(20)]
    )
    con.executemany(
        "INSERT INTO events VALUES (?, ?, ?)",
        [(i, i % 20, None if null_times else f"2020-03-{i % 28 + 1:02d}") for i in range(60)],
    )
    if not empty:
        con.execute("INSERT INTO refunds VALUES (1, 1, '2020-04-01')")
    con.commit()
    con.close()
    return f"sqlite:///{path}"


def test_empty_tables_and_unread_time_columns_are_named(tmp_path):
    text = root_causes(rdl.connect(_db(tmp_path, null_times=True, empty=True)))
    assert "['refunds'] hold no rows" in text and "events.created_at" in text
    assert "moving the timestamps will not help" in text


def test_control_a_healthy_database_adds_nothing(tmp_path):
    assert root_causes(rdl.connect(_db(tmp_path, null_times=False, empty=False))) == ""


def test_a_link_task_with_an_empty_destination_table_says_so(tmp_path):
    import pandas as pd
    import pytest

    from rdl.tasks import LinkTask, TaskError

    path = tmp_path / "l.sqlite"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE users (id INTEGER PRIMARY KEY, joined_at TIMESTAMP);
        CREATE TABLE items (id INTEGER PRIMARY KEY);
        CREATE TABLE buys (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id),
                           item_id INTEGER REFERENCES items(id), at TIMESTAMP);
        INSERT INTO users VALUES (1, '2020-01-01');""")
    con.commit()
    con.close()

    class Buys(LinkTask):
        name = "buys"
        src_entity_table, src_entity_col = "users", "user_id"
        dst_entity_table, dst_entity_col = "items", "item_id"
        time_col, timedelta, eval_k = "t", pd.Timedelta(days=7), 5
        val_timestamp, test_timestamp = pd.Timestamp("2020-06-01"), pd.Timestamp("2020-07-01")
        sql = "SELECT 1"

    with pytest.raises(TaskError, match="'items' holds no rows: there is nothing to rank"):
        Buys(rdl.connect(f"sqlite:///{path}"))
