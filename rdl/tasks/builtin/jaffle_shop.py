"""jaffle-shop entity tasks (rdl's own; run on ``rdl datasets build jaffle-shop``).

The rows at seed time ``t`` are the customers who ordered in the 30 days before ``t``
(the generator's customers hardly ever stop coming: a churn task would be all zeros).

Split dates: val 2020-03-01, test 2020-06-01 (the data run 2018-09-01 .. 2020-08-30); the
test windows hold the summer dip of July, which the validation windows do not.
Table sizes (checked by ``tests/datasets/test_jaffle_shop.py``): ``customer-jaffle``
7,099 / 1,293 / 1,784 rows (train / val / test), positive rate 0.52 / 0.56 / 0.46, four
14-day windows per split; ``customer-spend`` 3,227 / 1,009 / 1,243 rows, mean $149 / $152
/ $135, three 30-day windows.
"""

import pandas as pd

from rdl.tasks import EntityTask, TaskType

DATASET = "jaffle-shop"

_ACTIVE = """
    active AS (
        SELECT DISTINCT t.timestamp, o.customer_id FROM timestamp_df t
        JOIN orders o ON o.ordered_at > t.timestamp - INTERVAL '30 days'
                     AND o.ordered_at <= t.timestamp)
"""


class _Customer(EntityTask):
    entity_table = "customers"
    entity_col = "customer_id"
    time_col = "timestamp"
    val_timestamp = pd.Timestamp("2020-03-01")
    test_timestamp = pd.Timestamp("2020-06-01")


class CustomerJaffle(_Customer):
    """Will a customer who ordered in the 30 days before ``t`` buy a jaffle (a toasted
    sandwich, not only drinks) in ``(t, t + 14 days]``? (binary)"""

    name = "customer-jaffle"
    target_col = "buys_jaffle"
    task_type = TaskType.BINARY_CLASSIFICATION
    timedelta = pd.Timedelta(days=14)
    num_eval_timestamps = 4
    metrics = ["roc_auc", "average_precision", "accuracy", "f1"]
    sql = (
        "WITH "
        + _ACTIVE
        + """,
        bought AS (
            SELECT DISTINCT t.timestamp, o.customer_id FROM timestamp_df t
            JOIN order_items i ON i.ordered_at > t.timestamp
                              AND i.ordered_at <= t.timestamp + {timedelta}
            JOIN products p ON p.sku = i.sku AND p.type = 'jaffle'
            JOIN orders o ON o.order_id = i.order_id)
        SELECT a.timestamp, a.customer_id,
               CASE WHEN b.customer_id IS NULL THEN 0 ELSE 1 END AS buys_jaffle
        FROM active a LEFT JOIN bought b
          ON b.timestamp = a.timestamp AND b.customer_id = a.customer_id
    """
    )


class CustomerSpend(_Customer):
    """How much (dollars, tax included) will a customer who ordered in the 30 days before
    ``t`` spend in ``(t, t + 30 days]``? (regression; 0 without orders)"""

    name = "customer-spend"
    target_col = "spend"
    task_type = TaskType.REGRESSION
    timedelta = pd.Timedelta(days=30)
    num_eval_timestamps = 3
    metrics = ["mae", "rmse", "r2"]
    sql = (
        "WITH "
        + _ACTIVE
        + """,
        spent AS (
            SELECT t.timestamp, o.customer_id, SUM(o.order_total) AS spend
            FROM timestamp_df t JOIN orders o
              ON o.ordered_at > t.timestamp AND o.ordered_at <= t.timestamp + {timedelta}
            GROUP BY t.timestamp, o.customer_id)
        SELECT a.timestamp, a.customer_id, COALESCE(s.spend, 0) AS spend
        FROM active a LEFT JOIN spent s
          ON s.timestamp = a.timestamp AND s.customer_id = a.customer_id
    """
    )
