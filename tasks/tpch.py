"""Example task file: TPC-H's cost-measuring tasks, re-exported from the package.

The definitions ship with rdl in ``rdl/tasks/builtin/tpch.py`` (read it: an entity task,
``customer-reorder``, and a link task, ``customer-parts``; TPC-H draws its data
uniformly, so these tasks measure cost, not accuracy). Both addresses give the same task:

    rdl datasets build tpch --scale 1 --out tpch.duckdb
    rdl train --db tpch.duckdb --task tpch/customer-reorder --no-text --no-baselines
    rdl train --db tpch.duckdb --task tasks/tpch.py:CustomerReorder --no-text --no-baselines

``SCHEMA`` gives the time columns (``orders.o_orderdate``, ``lineitem.l_shipdate``).
"""

from rdl.tasks.builtin.tpch import DATASET, SCHEMA, CustomerParts, CustomerReorder

__all__ = ["DATASET", "SCHEMA", "CustomerReorder", "CustomerParts"]
