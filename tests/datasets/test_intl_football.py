"""intl-football: the raw files' traps, the schema a built file reads back with, the task
splits (full data) and labels recomputed by hand (two entity tasks, one link task), the
leakage rule, and tiny training runs on the matches since 2015."""

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


@pytest.fixture(scope="module")
def football():
    return load_recipe("intl-football").build_database()


def test_recipe_handles_the_raw_files(football):
    from rdl.datasets.intl_football import MATCH_KEY, read_raw

    raw = read_raw()
    assert len(raw["results"]) == 49520 and raw["results"].duplicated(MATCH_KEY).sum() == 1
    assert {n: len(t.df) for n, t in football.items()} == {
        "teams": 337,
        "tournaments": 202,
        "players": 15827,
        "matches": 49519,
        "goals": 47914,
        "shootouts": 682,
        "former_names": 36,
    }
    goals, matches = football["goals"].df, football["matches"].df
    assert goals["match_id"].isin(matches["match_id"]).all()
    # a goal is dated by its match, and credited to one of the match's two teams
    g = goals.merge(matches, on="match_id", suffixes=("", "_m"))
    assert (g["date"] == g["date_m"]).all()
    assert ((g["team_id"] == g["home_team_id"]) | (g["team_id"] == g["away_team_id"])).all()
    assert goals["player_id"].isna().sum() == 44


def test_cli_builds_and_inspects(tmp_path, football):
    rows = sum(len(t.df) for t in football.values())
    cli_build_and_inspect("intl-football", tmp_path / "cli.duckdb", rows)


def test_built_file_reads_back(football, tmp_path):
    reads_back(football, tmp_path / "football.duckdb")


def test_team_tasks_splits_labels_and_leakage(football):
    win = load_task("intl-football/team-win", football)
    assert split_sizes(win) == {"train": (13100, 0.237), "val": (461, 0.228), "test": (447, 0.224)}
    leakage_rule_holds(win, football)
    diff = load_task("intl-football/team-goal-diff", football)
    test = diff.get_table("test", mask_input_cols=False).df
    assert len(test) == 447
    # recompute one team's label from the matches of its window
    row = test.sort_values(["timestamp", "team_id"]).iloc[0]
    m = window(football["matches"].df, "date", row["timestamp"], 365)
    home = m[m["home_team_id"] == row["team_id"]]
    away = m[m["away_team_id"] == row["team_id"]]
    d = pd.concat(
        [home["home_score"] - home["away_score"], away["away_score"] - away["home_score"]]
    )
    assert row["goal_diff"] == pytest.approx(d.mean())
    won = (d > 0).sum()
    wins = win.get_table("test", mask_input_cols=False).df.set_index(["timestamp", "team_id"])
    assert wins.loc[(row["timestamp"], row["team_id"]), "wins_most"] == int(2 * won > len(d))


def test_team_opponent_link_task(football):
    link = load_task("intl-football/team-opponent", football)
    sizes = {s: len(link.get_table(s, mask_input_cols=False).df) for s in ("train", "val", "test")}
    assert sizes == {"train": 13100, "val": 461, "test": 447}  # the same rows as team-win
    test = link.get_table("test", mask_input_cols=False).df
    row = test.sort_values(["timestamp", "team_id"]).iloc[0]
    m = window(football["matches"].df, "date", row["timestamp"], 365)
    want = sorted(
        set(m.loc[m["home_team_id"] == row["team_id"], "away_team_id"])
        | set(m.loc[m["away_team_id"] == row["team_id"], "home_team_id"])
    )
    assert list(row["opponent_id"]) == want
    assert row["team_id"] not in want


def test_tiny_training_run(tmp_path):
    small = load_recipe("intl-football").build_database(since="2015-01-01")
    url = reads_back(small, tmp_path / "small.duckdb")
    tiny_train(url, "intl-football/team-win", tmp_path / "run")
    tiny_train(url, "intl-football/team-opponent", tmp_path / "link")
