"""TPC-H tasks, for measuring cost at any scale (``rdl datasets build tpch --scale SF``).

**They measure cost, not accuracy.** TPC-H's generator draws customers, dates, parts and
quantities uniformly and independently (TPC-H specification 3.0, clause 4.2.3), so
whether a customer orders again, or which parts, does not depend on the history a model
sees: expect AUROC near 0.5 and MAP@10 near 0. What grows with the scale factor — rows,
graph build, task tables, sampling and training steps — is what these tasks are for
(``benchmarks/scale.py``).

Both tasks look at the customers *active* at seed time ``t`` (an order dated in
``(t - 90 days, t]``, as RelBench's rel-hm ``user-churn`` does), so a task table grows
linearly with SF: ~4.3 k x SF customers per seed time (two thirds of TPC-H's customers
ever order; each orders ~0.55 times per 90 days).

* ``customer-reorder`` (entity, binary): does the customer place another order in
  ``(t, t + 90 days]``?
* ``customer-parts`` (link): the parts of the customer's orders dated in
  ``(t, t + 90 days]``, ranked against every part (``eval_k = 10``).

Split dates: val 1997-07-01, test 1998-01-01 (orders run 1992-01-01 .. 1998-08-02), one
val and one test seed time, 22 train seed times (every 90 days back to 1992-01-01).
``SCHEMA`` names the keys and the time columns: ``lineitem`` has three dates (ship,
commit, receipt), so rdl's rule would choose none; ``l_shipdate`` is TPC-H's own (its
queries cut on it).
"""

import pandas as pd

from rdl.tasks import EntityTask, LinkTask, TaskType

DATASET = "tpch"
#: TPC-H's keys (clause 1.4.2) and time columns, for a database built without declared
#: constraints (``rdl datasets build tpch`` declares them only up to SF 1: above, the
#: indexes DuckDB keeps to enforce them outgrow memory). A composite foreign key is
#: written "a,b".
SCHEMA = {
    "time_cols": {"orders": "o_orderdate", "lineitem": "l_shipdate"},
    "primary_keys": {
        "region": "r_regionkey",
        "nation": "n_nationkey",
        "supplier": "s_suppkey",
        "customer": "c_custkey",
        "part": "p_partkey",
        "partsupp": ["ps_partkey", "ps_suppkey"],
        "orders": "o_orderkey",
        "lineitem": ["l_orderkey", "l_linenumber"],
    },
    "foreign_keys": {
        "nation": {"n_regionkey": "region"},
        "supplier": {"s_nationkey": "nation"},
        "customer": {"c_nationkey": "nation"},
        "partsupp": {"ps_partkey": "part", "ps_suppkey": "supplier"},
        "orders": {"o_custkey": "customer"},
        "lineitem": {
            "l_orderkey": "orders",
            "l_partkey": "part",
            "l_suppkey": "supplier",
            "l_partkey,l_suppkey": "partsupp",
        },
    },
}

_ACTIVE = """
    SELECT DISTINCT t.timestamp, o.o_custkey AS c_custkey
    FROM timestamp_df t
    JOIN orders o ON o.o_orderdate > t.timestamp - {timedelta}
                 AND o.o_orderdate <= t.timestamp
"""


class _TPCHTask:
    """Shared settings (a mixin: the split dates and the seed-time column)."""

    time_col = "timestamp"
    timedelta = pd.Timedelta(days=90)
    num_eval_timestamps = 1
    val_timestamp = pd.Timestamp("1997-07-01")
    test_timestamp = pd.Timestamp("1998-01-01")


class CustomerReorder(_TPCHTask, EntityTask):
    """Will an active customer place another order in the next 90 days?

    One row per customer with an order in ``(t - 90 days, t]``; ``reorder`` = 1 if the
    customer has an order dated in ``(t, t + 90 days]``. About 43 % of the rows are 1.
    """

    name = "customer-reorder"
    entity_table = "customer"
    entity_col = "c_custkey"
    target_col = "reorder"
    task_type = TaskType.BINARY_CLASSIFICATION
    metrics = ["roc_auc", "average_precision", "accuracy", "f1"]
    sql = f"""
        WITH active AS ({_ACTIVE}),
        next AS (
            SELECT DISTINCT t.timestamp, o.o_custkey AS c_custkey
            FROM timestamp_df t
            JOIN orders o ON o.o_orderdate > t.timestamp
                         AND o.o_orderdate <= t.timestamp + {{timedelta}})
        SELECT a.timestamp, a.c_custkey,
               CAST(n.c_custkey IS NOT NULL AS INTEGER) AS reorder
        FROM active a
        LEFT JOIN next n ON n.timestamp = a.timestamp AND n.c_custkey = a.c_custkey
    """


class CustomerParts(_TPCHTask, LinkTask):
    """Which parts will an active customer order in the next 90 days?

    One row per customer with an order in ``(t - 90 days, t]`` and at least one in
    ``(t, t + 90 days]``; ``p_partkey`` lists the distinct parts of the line items of
    the latter orders (~4 orders x ~4 lines). Every part is a candidate (``part`` has no
    time column).
    """

    name = "customer-parts"
    src_entity_table = "customer"
    src_entity_col = "c_custkey"
    dst_entity_table = "part"
    dst_entity_col = "p_partkey"
    eval_k = 10
    metrics = ["map_at_k", "recall_at_k", "precision_at_k", "ndcg_at_k"]
    sql = f"""
        WITH active AS ({_ACTIVE})
        SELECT a.timestamp, a.c_custkey,
               LIST(DISTINCT l.l_partkey ORDER BY l.l_partkey) AS p_partkey
        FROM active a
        JOIN orders o ON o.o_custkey = a.c_custkey
                     AND o.o_orderdate > a.timestamp
                     AND o.o_orderdate <= a.timestamp + {{timedelta}}
        JOIN lineitem l ON l.l_orderkey = o.o_orderkey
        GROUP BY a.timestamp, a.c_custkey
    """
