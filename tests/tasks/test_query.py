"""Predictive queries (`rdl.tasks.query`): the query forms of rel-f1's driver-dnf,
driver-top3 and driver-position give exactly the task tables of the built-in tasks; bad
queries point at their column and list the valid names; a query task trains and
baselines through the same protocol from the command line."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from rdl import connect
from rdl.tasks import DefaultSplitWarning, QueryError, compile_query, from_query, load_task
from rdl.tasks.builtin.f1 import DriverCircuitCompete, DriverDNF, DriverPosition, DriverTop3
from rdl.tasks.query import QueryEntityTask, QueryLinkTask, parse
from tests.fixtures.toy_signal import toy_db

SPLIT = "WITH val_timestamp = '2005-01-01', test_timestamp = '2010-01-01', num_eval_timestamps = 40"
F1_QUERIES = {
    DriverDNF: "PREDICT COUNT(results WHERE statusId != 1, 0, 30 days) > 0 FOR EACH drivers",
    DriverTop3: "PREDICT MIN(qualifying.position, 0, 30 days) <= 3 FOR EACH drivers",
    DriverPosition: "PREDICT AVG(results.positionOrder, 0, 60 days) FOR EACH drivers",
}


@pytest.fixture(scope="module")
def f1(f1_duckdb):
    return connect(f1_duckdb)


@pytest.mark.parametrize("builtin", list(F1_QUERIES), ids=lambda c: c.name)
def test_query_forms_give_the_builtin_task_tables(f1, builtin):
    ref = builtin(f1)
    task = from_query(
        f1, f"{F1_QUERIES[builtin]} {SPLIT}", time_col="date", target_col=ref.target_col
    )
    assert isinstance(task, QueryEntityTask)
    assert (task.task_type, task.timedelta, task.metrics) == (
        ref.task_type,
        ref.timedelta,
        ref.metrics,
    )
    for split in ("train", "val", "test"):
        mine = task.get_table(split, mask_input_cols=False).df
        theirs = ref.get_table(split, mask_input_cols=False).df
        pd.testing.assert_frame_equal(mine, theirs)
    assert len(task.get_table("train")) == len(ref.get_table("train")) > 1000


def test_the_comparison_can_fail(f1):
    """Control: the same query with another threshold gives other labels."""
    q = F1_QUERIES[DriverTop3].replace("<= 3", "<= 2") + " " + SPLIT
    mine = from_query(f1, q, time_col="date", target_col="qualifying").get_table("val").df
    theirs = DriverTop3(f1).get_table("val").df
    assert mine[["date", "driverId"]].equals(theirs[["date", "driverId"]])
    assert not mine["qualifying"].equals(theirs["qualifying"])


def test_list_distinct_is_a_link_task(f1):
    q = "PREDICT LIST_DISTINCT(races.circuitId VIA results, 0, 365 days) FOR EACH drivers " + SPLIT
    task = from_query(f1, q, time_col="date")
    assert isinstance(task, QueryLinkTask) and task.eval_k == 10
    assert (task.dst_entity_table, task.dst_entity_col) == ("circuits", "circuitId")
    # the built-in task keeps only drivers active in the year before t; on those rows the
    # lists are the same
    ref = DriverCircuitCompete(f1).get_table("val", mask_input_cols=False).df
    mine = task.get_table("val", mask_input_cols=False).df
    both = ref.merge(mine, on=["date", "driverId"], suffixes=("_ref", "_q"))
    assert len(both) == len(ref) and len(mine) > len(ref)
    assert all(list(a) == list(b) for a, b in zip(both["circuitId_ref"], both["circuitId_q"]))


def _window(df, t, days):
    return df[(df["date"] > t) & (df["date"] <= t + pd.Timedelta(days=days))]


def test_sum_count_distinct_and_via_match_pandas(f1):
    """Two more forms, checked against the same labels computed in pandas."""
    w = " WITH val_timestamp = '2005-01-01', test_timestamp = '2010-01-01', num_eval_timestamps = 3"
    res, races = f1["results"].df, f1["races"].df
    task = from_query(
        f1, "PREDICT SUM(results.points WHERE statusId != 1, 0, 60 days) FOR EACH constructors" + w
    )
    got = task.get_table("val", mask_input_cols=False).df
    for t, rows in got.groupby("timestamp"):
        win = _window(res, t, 60)
        want = win[win["statusId"] != 1].groupby("constructorId")["points"].sum()
        want = want.reindex(win["constructorId"].unique(), fill_value=0.0)
        pd.testing.assert_series_equal(
            rows.set_index("constructorId")["label"].sort_index(),
            want.sort_index().astype(float),
            check_names=False,
        )
    task = from_query(
        f1,
        "PREDICT COUNT_DISTINCT(races.circuitId VIA results, 0, 365 days) "
        "> 15 FOR EACH drivers" + w,
    )
    got = task.get_table("val", mask_input_cols=False).df
    joined = res[["driverId", "raceId"]].merge(races[["raceId", "circuitId", "date"]], on="raceId")
    for t, rows in got.groupby("timestamp"):
        n = _window(joined, t, 365).groupby("driverId")["circuitId"].nunique()
        want = (n > 15).astype("int64")
        pd.testing.assert_series_equal(
            rows.set_index("driverId")["label"].sort_index(), want.sort_index(), check_names=False
        )
    assert got["label"].nunique() == 2


def test_defaults_options_and_load_task(f1):
    q = F1_QUERIES[DriverPosition]
    with pytest.warns(DefaultSplitWarning, match="no val_timestamp / test_timestamp set"):
        task = from_query(f1, q)
    assert task.name == q and task.time_col == "timestamp" and task.target_col == "label"
    assert task.num_eval_timestamps == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DefaultSplitWarning)
        loaded = load_task(f"  {q}", f1)
    assert isinstance(loaded, QueryEntityTask) and loaded.sql == task.sql
    c = compile_query(
        f1,
        "PREDICT SUM(results.points VIA races, 7, 14 days) FOR EACH circuits "
        "WITH num_eval_timestamps = 3",
    )
    assert (
        c.attributes["timedelta"] == pd.Timedelta(days=14)
        and c.attributes["num_eval_timestamps"] == 3
    )
    assert "INTERVAL '604800000000 microseconds'" in c.sql  # the window starts at t + 7 days
    assert 'JOIN "results" a2 ON a2."raceId" = a1."raceId"' in c.sql


def _error(db, query: str) -> QueryError:
    with pytest.raises(QueryError) as info:
        compile_query(db, query)
    return info.value


@pytest.mark.parametrize(
    "query, culprit, words",
    [
        (
            "PREDICT COUNT(resuts, 0, 30 days) > 0 FOR EACH drivers",
            "resuts",
            ["unknown table 'resuts'", "circuits, constructor_results"],
        ),
        (
            "PREDICT AVG(results.positionOrdr, 0, 60 days) FOR EACH drivers",
            "positionOrdr",
            ["no column 'positionOrdr'", "positionOrder, raceId"],
        ),
        (
            "PREDICT COUNT(results WHERE statusID != 1, 0, 30 days) FOR EACH drivers",
            "statusID",
            ["no column 'statusID'", "statusId"],
        ),
        (
            "PREDICT COUNT(results, 0, 30 days) FOR EACH driver",
            "driver",
            ["unknown table 'driver'"],
        ),
        (
            "PREDICT COUNTS(results, 0, 30 days) FOR EACH drivers",
            "COUNTS",
            ["unexpected 'COUNTS'", "an aggregation (COUNT, COUNT_DISTINCT"],
        ),
        ("PREDICT COUNT(results, 0, 30 days > 0 FOR EACH drivers", ">", ["unexpected '>'", "')'"]),
        ("PREDICT COUNT(results, 0, 30 years) FOR EACH drivers", "years", ["a unit (days"]),
        ("PREDICT COUNT(results, 0, 30 days) FOR EACH", None, ["ends too early", "a name"]),
        (
            "PREDICT LIST_DISTINCT(circuits.circuitId, 0, 30 days) FOR EACH drivers",
            "circuits",
            ["not linked to 'drivers'", "reach it with VIA", "VIA races"],
        ),
        (
            "PREDICT LIST_DISTINCT(results.grid, 0, 30 days) FOR EACH drivers",
            "grid",
            ["give a foreign key of 'results'", "constructorId, driverId, raceId"],
        ),
        ("PREDICT AVG(results, 0, 30 days) FOR EACH drivers", "results", ["AVG needs a column"]),
        (
            "PREDICT COUNT(results, 30, 30 days) FOR EACH drivers",
            "30 days",
            ["ends (30 days) at or before"],
        ),
        (
            "PREDICT COUNT(results, 0, 30 days) FOR EACH drivers WITH eval_k = 3",
            "eval_k",
            ["unknown option 'eval_k'", "val_timestamp, test_timestamp, num_eval_timestamps"],
        ),
        (
            "PREDICT COUNT(results, 0, 30 days) FOR EACH drivers WITH val_timestamp = 'soon'",
            "'soon'",
            ["val_timestamp must be a date"],
        ),
        (
            "PREDICT LIST_DISTINCT(results.raceId, 0, 30 days) > 2 FOR EACH drivers",
            ">",
            ["takes no comparison"],
        ),
        (
            "PREDICT COUNT(results WHERE x.grid = 1, 0, 30 days) FOR EACH drivers",
            "x.grid",
            ["unknown table 'x'"],
        ),
        (
            "PREDICT COUNT(results WHERE races.round = 1, 0, 30 days) FOR EACH drivers",
            "races.round",
            ["'races' is not on the query's path", "drivers, results"],
        ),
        (
            "PREDICT COUNT(drivers, 0, 30 days) FOR EACH drivers",
            "drivers",
            ["not 'drivers' itself"],
        ),
        (
            "PREDICT COUNT(results, 0, 30 days) FOR EACH drivers.id",
            "id",
            ["primary key of 'drivers' is 'driverId'"],
        ),
    ],
)
def test_bad_queries_point_at_the_column_and_list_names(f1, query, culprit, words):
    """The error's column is where the culprit starts (the end for a truncated query)."""
    column = len(query) + 1 if culprit is None else query.index(culprit) + 1
    err = _error(f1, query)
    assert err.column == column, str(err)
    text = str(err)
    for w in words:
        assert w in text, text
    # the caret line points at the column
    _, shown, caret = text.splitlines()
    assert shown == f"  {query}" and caret.index("^") == column + 1


def test_parse_keeps_every_part():
    q = parse(
        "predict count(results.* where (statusId = 1 or not grid is null) and x not in "
        "('a', 'b') via races, 2, 3 weeks) >= 2 for each drivers.driverId "
        "with num_eval_timestamps = 4"
    )
    assert (q.agg.text, q.source_kind, q.table.text, [v.text for v in q.via]) == (
        "COUNT",
        "star",
        "results",
        ["races"],
    )
    assert (q.start.value, q.end.value, q.unit.text, q.comparison.text, q.threshold.value) == (
        2,
        3,
        "weeks",
        ">=",
        2,
    )
    assert q.entity.text == "drivers" and q.entity_pkey.text == "driverId"
    assert q.where.items[1].values[1].value == "b" and q.where.items[1].negated


def test_query_task_from_the_command_line(tmp_path):
    """`rdl train --query` / `rdl baseline --query` on the toy database, `--show-sql`."""
    from typer.testing import CliRunner

    from rdl.cli import app
    from rdl.db.write import to_url

    url = f"duckdb:///{tmp_path / 'toy.duckdb'}"
    to_url(toy_db(), url)
    q = (
        "PREDICT AVG(signals.value, 0, 30 days) > 0 FOR EACH users WITH val_timestamp = "
        "'2020-08-28', test_timestamp = '2020-10-27', num_eval_timestamps = 2"
    )
    res = CliRunner().invoke(app, ["train", "--db", url, "--query", q, "--show-sql"])
    assert res.exit_code == 0, res.output
    assert 'CASE WHEN AVG(a1."value") > 0 THEN 1 ELSE 0 END AS "label"' in res.output
    out = tmp_path / "run"
    res = CliRunner().invoke(
        app,
        [
            "train",
            "--db",
            url,
            "--query",
            q,
            "--epochs",
            "1",
            "--channels",
            "8",
            "--num-neighbors",
            "4,2",
            "--no-text",
            "--batch-size",
            "64",
            "--no-baselines",
            "--out",
            str(out),
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
    )
    assert res.exit_code == 0, res.output
    import json

    results = json.loads((out / "results.json").read_text())
    assert results["task"] == q and results["splits"] == {"train": 840, "val": 240, "test": 120}
    assert {"gnn", "blend", "lightgbm_cutoff"} <= set(results["models"])
    assert results["task_type"] == "binary_classification"
    assert (out / "roc.png").exists()
    # the checkpoint names the query: rdl explain --global rebuilds the task from it
    res = CliRunner().invoke(
        app,
        [
            "explain",
            "--model",
            str(out),
            "--db",
            url,
            "--global",
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
    )
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(
        app,
        [
            "baseline",
            "--db",
            url,
            "--query",
            q.replace("> 0", ""),
            "--only",
            "global_mean,entity_mean",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "entity_mean" in res.output and "MAE" in res.output  # a regression task
    res = CliRunner().invoke(app, ["train", "--db", url, "--query", q.replace("signals", "signal")])
    assert res.exit_code == 1 and "unknown table 'signal'" in res.output
    assert "Traceback" not in res.output
    res = CliRunner().invoke(app, ["train", "--db", url])
    assert res.exit_code == 2 and "--task NAME" in res.output
