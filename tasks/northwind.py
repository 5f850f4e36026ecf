"""Example task file: northwind's tasks, re-exported from the package
(``rdl/tasks/builtin/northwind.py``: ``customer-churn``, ``customer-spend``).

    rdl train --db northwind.duckdb --task northwind/customer-churn
"""

from rdl.tasks.builtin.northwind import DATASET, CustomerChurn, CustomerSpend

__all__ = ["DATASET", "CustomerChurn", "CustomerSpend"]
