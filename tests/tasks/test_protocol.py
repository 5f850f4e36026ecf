"""RelBench's task protocol on a small hand-built database, against hand-computed answers.

The shop database (`tests.fixtures.shops.protocol_shop`, dates in 2020):

* ``users`` (entity table, pkey ``user_id``, time column ``joined``):
  u1 and u2 joined 01-01, u3 joined 01-15, u4 joined 03-05 (after test_timestamp);
* ``items`` (events, time column ``date``, fkeys ``user_id`` -> users, ``type_id`` -> type);
* ``type`` (static; the name is an SQL keyword, quoted as "type" in the SQL).

Task: ``timedelta`` 10 days, val_timestamp 02-10, test_timestamp 03-01,
num_eval_timestamps 3; label = number of items the user buys in ``(t, t + 10 days]``.
The database's first timestamp is 01-01 and its last 03-25, so (hand-computed):

* train seed times: 01-31, 01-21, 01-11, 01-01 (back from 02-10 - 10 days to 01-01);
* val: 02-10, 02-20 (02-10 + 2 * 10 days = 03-01 is capped at test - 10 days = 02-20);
* test: 03-01, 03-11 (03-21 is capped at max 03-25 - 10 days = 03-15).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from rdl import Database, Table
from rdl.tasks import (
    DefaultSplitWarning,
    EntityTask,
    TaskError,
    TaskType,
    default_split_timestamps,
    notes,
)
from tests.fixtures.shops import D, Purchases, PurchasesPython, protocol_shop


class FutureCount(Purchases):
    """Label = items after t with no upper bound: exposes which database a split reads."""

    name = "future-count"
    sql = """
        SELECT t.timestamp AS seed, i.user_id, COUNT(*) AS n
        FROM timestamp_df t JOIN items i ON i.date > t.timestamp
        GROUP BY ALL
    """


def rows(table: Table) -> set[tuple]:
    df = table.df
    return {tuple(r) for r in df.itertuples(index=False, name=None)}


# Seed times --------------------------------------------------------------------------------
def test_split_timestamps_hand_computed():
    task = Purchases(protocol_shop())
    assert list(task.split_timestamps("train")) == [
        D("2020-01-01"),
        D("2020-01-11"),
        D("2020-01-21"),
        D("2020-01-31"),
    ]
    assert list(task.split_timestamps("val")) == [D("2020-02-10"), D("2020-02-20")]
    assert list(task.split_timestamps("test")) == [D("2020-03-01"), D("2020-03-11")]


def test_eval_timestamps_uncapped_and_single():
    db = protocol_shop()
    task = Purchases(db, num_eval_timestamps=1)
    assert list(task.split_timestamps("val")) == [D("2020-02-10")]
    assert list(task.split_timestamps("test")) == [D("2020-03-01")]
    # with test 03-11 the val cap test - timedelta = 03-01 admits a third val seed
    task = Purchases(db, test_timestamp=D("2020-03-11"), num_eval_timestamps=3)
    assert list(task.split_timestamps("val")) == [D("2020-02-10"), D("2020-02-20"), D("2020-03-01")]
    assert list(task.split_timestamps("test")) == [D("2020-03-11")]  # capped at 03-15


# Windows, labels, filtering ------------------------------------------------------------------
def test_train_table_windows_and_entity_filtering():
    task = Purchases(protocol_shop())
    table = task.get_table("train")
    assert list(table.df.columns) == ["seed", "user_id", "n"]
    assert table.fkey_col_to_pkey_table == {"user_id": "users"}
    assert table.pkey_col is None and table.time_col == "seed"
    assert rows(table) == {
        (D("2020-01-01"), 1, 1.0),  # item 10 at 01-11 = t + timedelta: included
        # (01-01, 99): dangling user dropped
        (D("2020-01-11"), 1, 1.0),  # item 11 at 01-21 included, item 10 at t=01-11 excluded
        # (01-11, 3): u3 joined 01-15, after t: dropped
        (D("2020-01-21"), 2, 1.0),  # item 12; item 11 at t=01-21 excluded
    }
    assert task.dropped_rows["train"] == 2
    assert table.df["seed"].is_monotonic_increasing


def test_val_and_test_tables():
    task = Purchases(protocol_shop())
    assert rows(task.get_table("val")) == {
        (D("2020-02-10"), 2, 1.0),
        (D("2020-02-20"), 1, 2.0),
    }
    # test labels from the full database; u4 (joined after test_timestamp) dropped
    assert rows(task.get_table("test", mask_input_cols=False)) == {
        (D("2020-03-01"), 1, 1.0),
        (D("2020-03-11"), 2, 1.0),
    }
    assert task.dropped_rows["test"] == 1


def test_test_target_masked_unless_asked():
    task = Purchases(protocol_shop())
    test = task.get_table("test")
    assert list(test.df.columns) == ["seed", "user_id"]
    assert test.fkey_col_to_pkey_table == {"user_id": "users"}
    assert list(task.get_table("test", mask_input_cols=False).df.columns) == [
        "seed",
        "user_id",
        "n",
    ]
    assert list(task.get_table("train", mask_input_cols=True).df.columns) == ["seed", "user_id"]
    assert "n" in task.get_table("val").df.columns


def test_train_val_labels_from_cut_database_test_from_full():
    task = FutureCount(protocol_shop())
    train = task.get_table("train").df.set_index(["seed", "user_id"])["n"]
    # u1 after 01-31: items 16, 17 (<= 03-01); item 18 (03-05) is beyond the cut
    assert train[(D("2020-01-31"), 1)] == 2
    # u2 after 01-31 in the cut: item 15 only (20, 21 are after 03-01)
    assert train[(D("2020-01-31"), 2)] == 1
    test = task.get_table("test", mask_input_cols=False).df.set_index(["seed", "user_id"])["n"]
    assert test[(D("2020-03-01"), 1)] == 1  # item 18, from the full database
    assert test[(D("2020-03-01"), 2)] == 2  # items 20, 21
    assert task.cut_db.max_timestamp == D("2020-02-28")
    assert task.db_for_split("test") is task.db


def test_plain_python_make_table_matches_sql_and_sees_cut_db():
    db = protocol_shop()
    PurchasesPython.seen_max = {}
    py, sql = PurchasesPython(db), Purchases(db)
    for split in ("train", "val", "test"):
        a = py.get_table(split, mask_input_cols=False).df
        b = sql.get_table(split, mask_input_cols=False).df
        pd.testing.assert_frame_equal(a, b)
    # train/val read the database cut at 03-01 (last row 02-28), test the full one (03-25)
    assert PurchasesPython.seen_max == {
        (4, D("2020-01-01")): D("2020-02-28"),
        (2, D("2020-02-10")): D("2020-02-28"),
        (2, D("2020-03-01")): D("2020-03-25"),
    }


def test_no_train_or_val_seed_reaches_past_the_cut():
    """Train/val labels come from rows dated <= test_timestamp: every seed's window closes
    by the cut, and every seed time is one of the split's."""
    for task in (Purchases(protocol_shop()), FutureCount(protocol_shop())):
        for split in ("train", "val"):
            df = task.get_table(split).df
            assert len(df)
            assert (df["seed"] + task.timedelta <= task.test_timestamp).all()
            assert set(df["seed"]) <= set(task.split_timestamps(split))
        assert task.cut_db.max_timestamp <= task.test_timestamp


def test_evaluate_scores_the_test_split():
    task = Purchases(protocol_shop())
    out = task.evaluate(np.array([1.0, 3.0]))
    assert out == {"mae": 1.0, "rmse": pytest.approx(np.sqrt(2.0))}
    with pytest.raises(TaskError, match="3 predictions for the 2 rows of the test table"):
        task.evaluate([1.0, 1.0, 1.0])


# Caching ---------------------------------------------------------------------------------------
def test_tables_cached_in_memory_and_copies_handed_out():
    PurchasesPython.calls = 0
    task = PurchasesPython(protocol_shop())
    a = task.get_table("train")
    a.df.loc[0, "n"] = 999.0
    b = task.get_table("train")
    task.get_table("test")
    task.get_table("test", mask_input_cols=False)
    assert PurchasesPython.calls == 2  # train once, test once
    assert b.df.loc[0, "n"] == 1.0


def test_tables_cached_on_disk_by_task_and_database(tmp_path):
    db = protocol_shop()
    PurchasesPython.calls = 0
    first = PurchasesPython(db, cache_dir=tmp_path)
    expected = {s: first.get_table(s, mask_input_cols=False).df for s in ("train", "val", "test")}
    assert PurchasesPython.calls == 3
    files = sorted(p.relative_to(tmp_path).parts for p in tmp_path.rglob("*.parquet.rdlc"))
    assert [f[0] for f in files] == ["purchases-python"] * 3
    assert [f[2] for f in files] == ["test.parquet.rdlc", "train.parquet.rdlc", "val.parquet.rdlc"]

    again = PurchasesPython(protocol_shop(), cache_dir=tmp_path)  # equal content, new objects
    for s in ("train", "val", "test"):
        pd.testing.assert_frame_equal(again.get_table(s, mask_input_cols=False).df, expected[s])
    assert PurchasesPython.calls == 3  # all from disk

    changed = PurchasesPython(protocol_shop([(22, 2, 1, "2020-01-02")]), cache_dir=tmp_path)
    assert changed.cache_key() != first.cache_key()
    assert rows(changed.get_table("train")) == rows(first.get_table("train")) | {
        (D("2020-01-01"), 2, 1.0)
    }
    assert PurchasesPython.calls == 4
    # another definition (timedelta) on the same database gets its own entry
    assert PurchasesPython(db, cache_dir=tmp_path, timedelta="5D").cache_key() != first.cache_key()


# Default split dates ---------------------------------------------------------------------------
def daily_db() -> Database:
    """101 daily events 2020-01-01 .. 2020-04-10 by 2 static customers."""
    ev = pd.DataFrame(
        {
            "id": range(101),
            "cid": [i % 2 for i in range(101)],
            "day": pd.date_range("2020-01-01", periods=101, freq="D"),
        }
    )
    cust = pd.DataFrame({"cid": [0, 1]})
    return Database(
        {
            "customers": Table(cust, {}, "cid", None),
            "events": Table(ev, {"cid": "customers"}, "id", "day"),
        }
    )


class Active(EntityTask):
    name = "active"
    entity_table = "customers"
    entity_col = "cid"
    target_col = "active"
    task_type = TaskType.BINARY_CLASSIFICATION
    timedelta = pd.Timedelta(days=7)
    metrics = ["roc_auc"]
    sql = """
        SELECT t.timestamp, e.cid, 1 AS active FROM timestamp_df t
        JOIN events e ON e.day > t.timestamp AND e.day <= t.timestamp + {timedelta}
        GROUP BY ALL
    """


def test_default_split_dates_chosen_and_warned_not_printed(capsys):
    with pytest.warns(DefaultSplitWarning) as record:
        task = Active(daily_db())
    # 101 equally spaced days: the 70 % / 85 % quantiles are days 70 and 85
    assert task.val_timestamp == D("2020-01-01") + pd.Timedelta(days=70) == D("2020-03-11")
    assert task.test_timestamp == D("2020-03-26")
    assert len(record) == 1
    msg = str(record[0].message)
    assert "task 'active'" in msg
    assert "val_timestamp=2020-03-11" in msg and "test_timestamp=2020-03-26" in msg
    assert "the 70% / 85% quantiles of the 101 event times" in msg
    assert msg == task.default_split_note
    assert notes(task) == [task.default_split_note]
    # the warning points at the line that built the task, not inside rdl
    assert record[0].filename == __file__
    # library code does not print
    out = capsys.readouterr()
    assert out.err == "" and out.out == ""
    assert default_split_timestamps(daily_db())[:2] == (D("2020-03-11"), D("2020-03-26"))
    assert len(task.get_table("train")) > 0


def test_only_the_missing_split_date_is_defaulted():
    with pytest.warns(DefaultSplitWarning) as record:
        task = Active(daily_db(), test_timestamp="2020-04-01")
    assert task.val_timestamp == D("2020-03-11") and task.test_timestamp == D("2020-04-01")
    msg = str(record[0].message)
    assert "val_timestamp=2020-03-11" in msg and "test_timestamp=" not in msg
    with warnings.catch_warnings():
        warnings.simplefilter("error", DefaultSplitWarning)
        both = Active(daily_db(), val_timestamp="2020-03-01", test_timestamp="2020-03-20")
    assert both.default_split_note is None and notes(both) == []


# Errors name the culprit ---------------------------------------------------------------------
def test_fewer_than_three_train_timestamps_is_an_error():
    task = Purchases(protocol_shop(), val_timestamp="2020-01-25")
    with pytest.raises(TaskError) as e:
        task.get_table("train")
    msg = str(e.value)
    assert "task 'purchases'" in msg and "only 2 training timestamp(s)" in msg
    assert "Move val_timestamp later (at least 2020-01-31" in msg and "shorten timedelta" in msg


def test_timedelta_larger_than_val_test_gap_is_an_error():
    with pytest.raises(TaskError) as e:
        Purchases(protocol_shop(), timedelta=pd.Timedelta(days=21))
    msg = str(e.value)
    assert "timedelta (21 days" in msg and "test_timestamp - val_timestamp" in msg
    assert "20 days" in msg
    # equal is allowed (RelBench: time_diff < timedelta is the error)
    Purchases(protocol_shop(), timedelta=pd.Timedelta(days=20))


def test_windows_past_the_data_are_errors():
    with pytest.raises(
        TaskError, match=r"test_timestamp \+ timedelta = 2020-03-30.*at most 2020-03-15"
    ):
        Purchases(
            protocol_shop(), val_timestamp="2020-02-20", test_timestamp="2020-03-20"
        ).split_timestamps("test")
    # the cut at 02-20 ends with item 15 (02-15): val 02-10 + 10 days passes it
    with pytest.raises(TaskError, match=r"val_timestamp \+ timedelta = 2020-02-20.*2020-02-15"):
        Purchases(protocol_shop(), test_timestamp="2020-02-20").split_timestamps("val")


@pytest.mark.parametrize(
    "overrides, culprit",
    [
        ({"entity_table": "people"}, "entity_table 'people' is not a table"),
        ({"entity_table": "items", "entity_col": "item_id"}, None),  # fine: items has a pkey
        ({"metrics": ["auroc"]}, "unknown metric 'auroc'"),
        ({"task_type": "ranking"}, "task_type 'ranking'"),
        ({"timedelta": "soon"}, "timedelta 'soon'"),
        ({"num_eval_timestamps": 0}, "num_eval_timestamps"),
        ({"val_timestamp": "2020-03-01"}, "val_timestamp (2020-03-01 00:00:00) must be before"),
        ({"colour": "red"}, "unknown task attribute(s) ['colour']"),
        ({"target_col": "seed"}, "three different columns"),
    ],
)
def test_bad_definitions_name_the_culprit(overrides, culprit):
    if culprit is None:
        Purchases(protocol_shop(), **overrides)
        return
    with pytest.raises(TaskError) as e:
        Purchases(protocol_shop(), **overrides)
    assert culprit in str(e.value)


def test_entity_table_without_primary_key():
    db = protocol_shop()
    db.table_dict["type"] = Table(db["type"].df, {}, None, None)
    with pytest.raises(TaskError, match="entity_table 'type' has no primary key"):
        Purchases(db, entity_table="type", entity_col="type_id")


def test_neither_sql_nor_make_table():
    class Empty(Purchases):
        name = "empty"
        sql = None

    with pytest.raises(TaskError, match="'empty' .*defines neither `sql` nor `make_table`"):
        Empty(protocol_shop())


def test_unknown_split():
    with pytest.raises(TaskError, match="unknown split 'dev'"):
        Purchases(protocol_shop()).get_table("dev")


@pytest.mark.parametrize(
    "sql, culprit",
    [
        (
            "SELECT t.timestamp AS seed, i.user_id AS uid, 1 AS n FROM timestamp_df t, items i",
            "missing ['user_id'], unexpected ['uid']",
        ),
        ("SELECT * FROM orders", "DuckDB could not run the task's sql"),
        (
            "SELECT t.timestamp AS seed, i.user_id, 1.0 AS n FROM timestamp_df t JOIN items i ON true",
            "rows repeat an (entity, seed time) pair",
        ),
        (
            "SELECT TIMESTAMP '2020-01-02' AS seed, 1 AS user_id, 1 AS n",
            "row(s) have a 'seed' that is not one of the split's seed times",
        ),
        (
            "SELECT t.timestamp AS seed, 1 AS user_id, NULL::DOUBLE AS n FROM timestamp_df t",
            "null target 'n'",
        ),
        (
            "SELECT t.timestamp AS seed, 1 AS user_id, 'Infinity'::DOUBLE AS n FROM timestamp_df t",
            "infinite target 'n'",
        ),
        (
            "SELECT t.timestamp AS seed, 1 AS user_id, 1.0 / 0.0 AS n FROM timestamp_df t",
            "row(s) have an",
        ),  # DuckDB's 1/0 is NULL (null target) or inf: refused either way
    ],
)
def test_bad_sql_output_names_the_culprit(sql, culprit):
    task = Purchases(protocol_shop(), sql=sql)
    with pytest.raises(TaskError) as e:
        task.get_table("train")
    assert culprit in str(e.value)
    assert "task 'purchases'" in str(e.value)
    if "DuckDB" in culprit:
        assert "orders" in str(e.value) and "'type'" in str(e.value)


def test_binary_target_must_be_0_or_1():
    class Bad(Active):
        sql = Active.sql.replace("1 AS active", "2 AS active")

    task = Bad(daily_db(), val_timestamp="2020-03-01", test_timestamp="2020-03-20")
    with pytest.raises(TaskError, match=re.escape("binary task's target 'active' must be 0 or 1")):
        task.get_table("val")


def test_task_type_is_a_str_enum():
    assert TaskType("regression") is TaskType.REGRESSION
    assert TaskType.BINARY_CLASSIFICATION == "binary_classification"
    assert str(TaskType.LINK_PREDICTION) == "link_prediction"
    assert {t.value for t in TaskType} == {
        "binary_classification",
        "multiclass_classification",
        "multilabel_classification",
        "regression",
        "link_prediction",
    }
