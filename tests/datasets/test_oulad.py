"""oulad: the raw files' traps (relative day numbers, export-time columns), the schema a
built file reads back with, the task splits and labels recomputed by hand, the leakage
rule (the final result never reaches a model input), and a tiny training run on two
modules."""

from __future__ import annotations

import pandas as pd
import pytest

from rdl.project import load_recipe
from rdl.tasks import load_task
from tests.fixtures.panel import (
    cli_build_and_inspect,
    leakage_rule_holds,
    reads_back,
    split_sizes,
    tiny_train,
    window,
)

ALLOWED = frozenset({("presentations", "year"), ("registrations", "num_of_prev_attempts")})


@pytest.fixture(scope="module")
def oulad():
    return load_recipe("oulad").build_database()


def test_recipe_handles_the_raw_files(oulad):
    from rdl.datasets.oulad import presentation_start

    assert presentation_start(pd.Series(["2013B", "2014J"])).tolist() == [
        pd.Timestamp("2013-02-01"),
        pd.Timestamp("2014-10-01"),
    ]
    with pytest.raises(ValueError, match="2013B or 2014J"):
        presentation_start(pd.Series(["2013X"]))
    assert {n: len(t.df) for n, t in oulad.items()} == {
        "presentations": 22,
        "students": 28785,
        "registrations": 32593,
        "withdrawals": 10072,
        "assessments": 206,
        "submissions": 163912,
        "vle_sites": 6364,
        "final_results": 32593,
    }
    # the withdrawal day left the registration row; the final result is an island
    assert "date_unregistration" not in oulad["registrations"].df.columns
    assert "final_result" not in oulad["registrations"].df.columns
    assert not oulad["final_results"].fkey_col_to_pkey_table
    assert not [
        n
        for n, t in oulad.items()  # nothing points to it: no graph edge reaches it
        if "final_results" in t.fkey_col_to_pkey_table.values()
    ]
    # a day number becomes a date from the presentation's start: AAA 2013J, student 11391
    # registered on day -159 and submitted assessment 1752 on day 18
    reg = oulad["registrations"].df
    row = reg[(reg["student_id"] == 11391) & (reg["presentation_id"] == 1)].iloc[0]
    assert row["registered_at"] == pd.Timestamp("2013-10-01") - pd.Timedelta(days=159)
    sub = oulad["submissions"].df
    s = sub[(sub["registration_id"] == row["registration_id"]) & (sub["assessment_id"] == 1752)]
    assert s["submitted_at"].tolist() == [pd.Timestamp("2013-10-19")]


def test_cli_builds_and_inspects(tmp_path, oulad):
    rows = sum(len(t.df) for t in oulad.values())
    cli_build_and_inspect("oulad", tmp_path / "cli.duckdb", rows)


def test_built_file_reads_back(oulad, tmp_path):
    reads_back(oulad, tmp_path / "oulad.duckdb")


def test_registration_tasks_splits_labels_and_leakage(oulad):
    wd = load_task("oulad/registration-withdraw", oulad)
    assert split_sizes(wd) == {
        "train": (80768, 0.032),
        "val": (25408, 0.023),
        "test": (16772, 0.032),
    }
    leakage_rule_holds(wd, oulad, ALLOWED)
    # the label is a withdrawal dated in the window; no active row has withdrawn before t
    test = wd.get_table("test", mask_input_cols=False).df
    w = oulad["withdrawals"].df.set_index("registration_id")["withdrawn_at"]
    at = test["registration_id"].map(w)
    assert not (at <= test["timestamp"]).any()
    inside = (at > test["timestamp"]) & (at <= test["timestamp"] + pd.Timedelta(days=30))
    assert (inside.astype(int) == test["withdraws"]).all()
    score = load_task("oulad/registration-score", oulad)
    sc = score.get_table("test", mask_input_cols=False).df
    assert len(sc) == 10627 and sc["score"].between(0, 100).all()
    row = sc.iloc[0]
    sub = oulad["submissions"].df
    mine = window(
        sub[(sub["registration_id"] == row["registration_id"]) & ~sub["is_banked"]],
        "submitted_at",
        row["timestamp"],
        30,
    )
    assert row["score"] == pytest.approx(mine["score"].mean())


def test_tiny_training_run(tmp_path):
    small = load_recipe("oulad").build_database(modules=["AAA", "GGG"])
    url = reads_back(small, tmp_path / "small.duckdb")
    tiny_train(url, "oulad/registration-withdraw", tmp_path / "run")


def test_cut_keeps_the_keys_whole():
    db = load_recipe("oulad").build_database(cut="2014-01-01")
    regs = set(db["registrations"].df["registration_id"])
    assert db["registrations"].df["registered_at"].max() <= pd.Timestamp("2014-01-01")
    for table in ("withdrawals", "submissions"):
        assert db[table].df["registration_id"].isin(regs).all(), table
    assert 0 < len(db["submissions"].df) < 163912
