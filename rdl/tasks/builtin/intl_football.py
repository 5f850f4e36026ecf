"""intl-football tasks (rdl's own; run on ``rdl datasets build intl-football``): two
entity tasks (``team-win``, ``team-goal-diff``) and a link task (``team-opponent``).

A team's next year: the teams that play at least one match in ``(t, t + 365 days]`` are
the rows at ``t`` (a team with no match that year has no row, as RelBench's driver tasks
keep only drivers who race).

Split dates: val 2022-07-01, test 2024-07-01, two yearly windows each (the last test
window closes 2026-07-01, inside the data, which end 2026-07-19); train seed times step
back a year at a time from 2021-07-01 to 1872. Table sizes (checked by
``tests/datasets/test_intl_football.py``): 13,100 / 461 / 447 rows (train / val / test)
for all three tasks; ``team-win`` positive rate 0.24 / 0.23 / 0.22.
"""

import pandas as pd

from rdl.tasks import EntityTask, LinkTask, TaskType

DATASET = "intl-football"

_PLAYED = """
    per_team AS (
        SELECT t.timestamp, m.home_team_id AS team_id,
               m.home_score AS scored, m.away_score AS conceded
        FROM timestamp_df t JOIN matches m
          ON m.date > t.timestamp AND m.date <= t.timestamp + {timedelta}
        UNION ALL
        SELECT t.timestamp, m.away_team_id, m.away_score, m.home_score
        FROM timestamp_df t JOIN matches m
          ON m.date > t.timestamp AND m.date <= t.timestamp + {timedelta})
"""


class _TeamYear(EntityTask):
    entity_table = "teams"
    entity_col = "team_id"
    time_col = "timestamp"
    timedelta = pd.Timedelta(days=365)
    num_eval_timestamps = 2
    val_timestamp = pd.Timestamp("2022-07-01")
    test_timestamp = pd.Timestamp("2024-07-01")


class TeamWin(_TeamYear):
    """Will a team win more than half of the matches it plays in ``(t, t + 365 days]``?
    (binary; draws are not wins)"""

    name = "team-win"
    target_col = "wins_most"
    task_type = TaskType.BINARY_CLASSIFICATION
    metrics = ["roc_auc", "average_precision", "accuracy", "f1"]
    sql = (
        "WITH "
        + _PLAYED
        + """
        SELECT timestamp, team_id,
               CASE WHEN 2 * SUM(CASE WHEN scored > conceded THEN 1 ELSE 0 END) > COUNT(*)
                    THEN 1 ELSE 0 END AS wins_most
        FROM per_team GROUP BY timestamp, team_id
    """
    )


class TeamGoalDiff(_TeamYear):
    """A team's mean goal difference per match over the matches it plays in
    ``(t, t + 365 days]`` (regression; goals scored minus conceded)."""

    name = "team-goal-diff"
    target_col = "goal_diff"
    task_type = TaskType.REGRESSION
    metrics = ["mae", "rmse", "r2"]
    sql = (
        "WITH "
        + _PLAYED
        + """
        SELECT timestamp, team_id, AVG(scored - conceded) AS goal_diff
        FROM per_team GROUP BY timestamp, team_id
    """
    )


class TeamOpponent(LinkTask):
    """For each team that plays in ``(t, t + 365 days]``: the teams it plays there, to be
    ranked among every team (``eval_k`` = 10). Source and destination are both ``teams``
    (the task table's ``opponent_id`` points to ``teams``)."""

    name = "team-opponent"
    src_entity_table = "teams"
    src_entity_col = "team_id"
    dst_entity_table = "teams"
    dst_entity_col = "opponent_id"
    time_col = "timestamp"
    timedelta = pd.Timedelta(days=365)
    eval_k = 10
    num_eval_timestamps = 2
    metrics = ["map_at_k", "recall_at_k", "precision_at_k", "ndcg_at_k"]
    val_timestamp = pd.Timestamp("2022-07-01")
    test_timestamp = pd.Timestamp("2024-07-01")
    sql = """
        WITH pairs AS (
            SELECT t.timestamp, m.home_team_id AS team_id, m.away_team_id AS opponent_id
            FROM timestamp_df t JOIN matches m
              ON m.date > t.timestamp AND m.date <= t.timestamp + {timedelta}
            UNION ALL
            SELECT t.timestamp, m.away_team_id, m.home_team_id
            FROM timestamp_df t JOIN matches m
              ON m.date > t.timestamp AND m.date <= t.timestamp + {timedelta})
        SELECT timestamp, team_id, LIST(DISTINCT opponent_id ORDER BY opponent_id) AS opponent_id
        FROM pairs GROUP BY timestamp, team_id
    """
