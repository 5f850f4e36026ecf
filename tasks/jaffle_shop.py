"""Example task file: jaffle-shop's tasks, re-exported from the package
(``rdl/tasks/builtin/jaffle_shop.py``: ``customer-jaffle``, ``customer-spend``).

    rdl train --db jaffle-shop.duckdb --task jaffle-shop/customer-jaffle
    rdl train --db jaffle-shop.duckdb --task tasks/jaffle_shop.py:CustomerSpend
"""

from rdl.tasks.builtin.jaffle_shop import DATASET, CustomerJaffle, CustomerSpend

__all__ = ["DATASET", "CustomerJaffle", "CustomerSpend"]
