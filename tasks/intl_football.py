"""Example task file: intl-football's tasks, re-exported from the package
(``rdl/tasks/builtin/intl_football.py``: ``team-win``, ``team-goal-diff``, ``team-opponent`` — a link task).

    rdl train --db intl-football.duckdb --task intl-football/team-win
    rdl train --db intl-football.duckdb --task tasks/intl_football.py:TeamGoalDiff
"""

from rdl.tasks.builtin.intl_football import DATASET, TeamGoalDiff, TeamOpponent, TeamWin

__all__ = ["DATASET", "TeamGoalDiff", "TeamOpponent", "TeamWin"]
