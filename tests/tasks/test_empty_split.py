"""A task whose train split comes out empty says which rows were dropped and why
(issue 10, item 3), with the flag that may fix it; a non-empty split keeps its counts."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

import rdl
from rdl.tasks import TaskError, load_task
from tests.fixtures.shops import TASK_FILE, shop_file


def test_entities_dated_after_every_train_seed_time(tmp_path):
    path = shop_file(tmp_path)
    con = sqlite3.connect(path)  # every user appears after the last train seed time
    con.execute("UPDATE users SET created_at = datetime('2021-05-20', '+' || id || ' hours')")
    con.commit()
    con.close()
    (tmp_path / "t.py").write_text(TASK_FILE)
    db = rdl.connect(f"sqlite:///{path}")
    task = load_task(f"{tmp_path / 't.py'}:WillOrder", db)
    with pytest.raises(TaskError) as e:
        task.get_table("train")
    msg = str(e.value)
    assert (
        "task 'will-order': the train split is empty: all 340 rows the label SQL made "
        "were dropped: 340 because the entity is dated after the seed time "
        "(users.created_at)" in msg
    )
    assert "(e.g. id 1 at seed 2020-01-08" in msg
    assert "pass time_cols={'users': 'COLUMN'} or time_cols={'users': None}" in msg
    assert "--" not in msg  # a Python caller reads the argument; the CLI prints the flags
    from rdl.cli.errors import error_message

    assert "pass --time-col users=COLUMN or --no-time-col users" in error_message(e.value)
    # the fix works
    fixed = load_task(
        f"{tmp_path / 't.py'}:WillOrder",
        rdl.connect(f"sqlite:///{path}", time_cols={"users": None}),
    )
    assert len(fixed.get_table("train")) == 340


def test_dropped_rows_are_counted_per_reason(tmp_path):
    path = shop_file(tmp_path)
    con = sqlite3.connect(path)
    con.execute("UPDATE users SET created_at = '2020-12-01 00:00:00' WHERE id <= 5")
    con.commit()
    con.close()
    (tmp_path / "t.py").write_text(TASK_FILE)
    task = load_task(f"{tmp_path / 't.py'}:WillOrder", rdl.connect(f"sqlite:///{path}"))
    table = task.get_table("train")
    reasons = task.dropped_reasons["train"]
    assert reasons == {
        "the entity is dated after the seed time (users.created_at)": task.dropped_rows["train"]
    }
    assert len(table) + task.dropped_rows["train"] == 18 * 20
    assert pd.Timestamp("2020-12-01") > table.df["t"].min()
