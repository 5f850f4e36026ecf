"""northwind entity tasks (rdl's own; run on ``rdl datasets build northwind``).

Orders run from 1996-07-04 to 1998-05-06. Split dates: val 1997-11-01, test 1998-02-01,
three 30-day windows each (the last test window closes 1998-05-02, inside the data).
Table sizes (checked by ``tests/test_berka_northwind.py``): 727 / 171 / 213 rows (train /
val / test) for both tasks, over 16 / 3 / 3 seed times; churn rate 0.68 / 0.59 / 0.46.
"""

import pandas as pd

from rdl.tasks import EntityTask, TaskType

DATASET = "northwind"


class _CustomerTask(EntityTask):
    entity_table = "customers"
    entity_col = "customer_id"
    time_col = "timestamp"
    timedelta = pd.Timedelta(days=30)
    num_eval_timestamps = 3
    val_timestamp = pd.Timestamp("1997-11-01")
    test_timestamp = pd.Timestamp("1998-02-01")


class CustomerChurn(_CustomerTask):
    """Will a customer who ordered in the 90 days before ``t`` place no order in
    ``(t, t + 30 days]``? (binary; ``churn`` = 1: no order)"""

    name = "customer-churn"
    target_col = "churn"
    task_type = TaskType.BINARY_CLASSIFICATION
    metrics = ["roc_auc", "average_precision", "accuracy", "f1"]
    sql = """
        WITH active AS (
            SELECT DISTINCT t.timestamp, o.customer_id FROM timestamp_df t
            JOIN orders o ON o.order_date > t.timestamp - INTERVAL '90 days'
                         AND o.order_date <= t.timestamp),
        ordered AS (
            SELECT DISTINCT t.timestamp, o.customer_id FROM timestamp_df t
            JOIN orders o ON o.order_date > t.timestamp
                         AND o.order_date <= t.timestamp + {timedelta})
        SELECT a.timestamp, a.customer_id,
               CASE WHEN b.customer_id IS NULL THEN 1 ELSE 0 END AS churn
        FROM active a LEFT JOIN ordered b
          ON b.timestamp = a.timestamp AND b.customer_id = a.customer_id
    """


class CustomerSpend(_CustomerTask):
    """How much will a customer who ordered in the 90 days before ``t`` spend in
    ``(t, t + 30 days]``? (regression; ``spend`` = sum of unit price x quantity x
    (1 - discount) over the window's order lines, 0 without orders)"""

    name = "customer-spend"
    target_col = "spend"
    task_type = TaskType.REGRESSION
    metrics = ["mae", "rmse", "r2"]
    sql = """
        WITH active AS (
            SELECT DISTINCT t.timestamp, o.customer_id FROM timestamp_df t
            JOIN orders o ON o.order_date > t.timestamp - INTERVAL '90 days'
                         AND o.order_date <= t.timestamp),
        spent AS (
            SELECT t.timestamp, o.customer_id,
                   SUM(d.unit_price * d.quantity * (1 - d.discount)) AS spend
            FROM timestamp_df t
            JOIN orders o ON o.order_date > t.timestamp
                         AND o.order_date <= t.timestamp + {timedelta}
            JOIN order_details d ON d.order_id = o.order_id
            GROUP BY t.timestamp, o.customer_id)
        SELECT a.timestamp, a.customer_id, COALESCE(s.spend, 0) AS spend
        FROM active a LEFT JOIN spent s
          ON s.timestamp = a.timestamp AND s.customer_id = a.customer_id
    """
