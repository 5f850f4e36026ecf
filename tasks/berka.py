"""Example task file: berka's task, re-exported from the package
(``rdl/tasks/builtin/berka.py``: ``loan-default``).

    rdl train --db berka.duckdb --task berka/loan-default
    rdl train --db berka.duckdb --task tasks/berka.py:LoanDefault
"""

from rdl.tasks.builtin.berka import DATASET, LoanDefault

__all__ = ["DATASET", "LoanDefault"]
