"""Example task file: synthetic-ratings' link task, re-exported from the package
(``rdl/tasks/builtin/synthetic_ratings.py``: ``user-item-rate``).

    rdl train --db ratings.duckdb --task synthetic-ratings/user-item-rate --model contextgnn
"""

from rdl.tasks.builtin.synthetic_ratings import DATASET, UserItemRate

__all__ = ["DATASET", "UserItemRate"]
