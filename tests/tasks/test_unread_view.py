"""A task whose SQL reads a view rdl did not read is told to include it (control: a table
that exists nowhere gets no such hint)."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

import rdl
from rdl.tasks import EntityTask, TaskError, TaskType


def _db(tmp_path) -> str:
    path = tmp_path / "v.sqlite"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE users (id INTEGER PRIMARY KEY, joined_at TIMESTAMP);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id),
                             created_at TIMESTAMP);
        CREATE VIEW big_orders AS SELECT * FROM orders;""")
    con.executemany("INSERT INTO users VALUES (?, ?)", [(i, "2020-01-01") for i in range(10)])
    con.executemany(
        "INSERT INTO orders VALUES (?, ?, ?)",
        [(i, i % 10, f"2020-{i % 12 + 1:02d}-15") for i in range(120)],
    )
    con.commit()
    con.close()
    return f"sqlite:///{path}"


def _task(source: str):
    class Buys(EntityTask):
        name = "buys"
        entity_table, entity_col, time_col, target_col = "users", "id", "t", "y"
        task_type = TaskType.BINARY_CLASSIFICATION
        timedelta = pd.Timedelta(days=30)
        metrics = ["roc_auc"]
        val_timestamp = pd.Timestamp("2020-09-01")
        test_timestamp = pd.Timestamp("2020-10-15")
        sql = f"""SELECT t.timestamp AS t, o.user_id AS id, 1 AS y FROM timestamp_df t
                  JOIN {source} o ON o.created_at > t.timestamp GROUP BY ALL"""

    return Buys


@pytest.mark.parametrize("source, hinted", [("big_orders", True), ("no_such", False)])
def test_a_view_not_read_is_named_with_include(tmp_path, source, hinted):
    db = rdl.connect(_db(tmp_path))
    with pytest.raises(TaskError) as e:
        _task(source)(db).get_table("train")
    assert ("include=['big_orders']" in str(e.value)) is hinted
