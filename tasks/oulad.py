"""Example task file: oulad's tasks, re-exported from the package
(``rdl/tasks/builtin/oulad.py``: ``registration-withdraw``, ``registration-score``).

    rdl train --db oulad.duckdb --task oulad/registration-withdraw
    rdl train --db oulad.duckdb --task tasks/oulad.py:RegistrationScore
"""

from rdl.tasks.builtin.oulad import DATASET, RegistrationScore, RegistrationWithdraw

__all__ = ["DATASET", "RegistrationScore", "RegistrationWithdraw"]
