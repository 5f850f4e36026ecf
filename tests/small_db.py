"""A small shop database generated in code, with a churn task of ~1,000 training rows
(issue 11: models must not fail silently on small training sets).

customers (no time column) <- orders (``date``). Each customer orders as a Poisson process
with a personal monthly rate; some customers stop for good at a random month (churn).
Task ``customer-churn`` (binary): for each customer with an order in the 60 days before
``t``, is there no order in ``(t, t + 30 days]``? The label depends on the customer's
recent orders (rows the GNN samples), hardly on the customer's own columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rdl import Database, Table
from rdl.db import infer_stypes
from rdl.tasks import EntityTask, TaskType

START = pd.Timestamp("2020-01-01")


def shop_db(num_customers: int = 85, months: int = 22, seed: int = 0) -> Database:
    """The shop: ``customers`` (segment, region) and ``orders`` (date, amount)."""
    rng = np.random.default_rng(seed)
    cid = np.arange(1, num_customers + 1)
    rate = rng.gamma(2.0, 1.0, num_customers)  # orders per month
    stop = rng.integers(3, months * 2, num_customers)  # month of churn (often never)
    segment = np.where(rate > 2.0, "regular", "casual")
    flip = rng.random(num_customers) < 0.3  # the segment is a noisy hint only
    segment[flip] = np.where(segment[flip] == "regular", "casual", "regular")
    customers = pd.DataFrame({"customer_id": cid, "segment": segment,
                              "region": rng.choice(["north", "south", "east"], num_customers)})
    rows = []
    for c, r, s in zip(cid, rate, stop):
        for m in range(min(months, int(s))):
            for _ in range(rng.poisson(r)):
                day = pd.Timedelta(days=float(m * 30 + rng.uniform(0, 30)))
                rows.append((c, START + day, float(rng.gamma(2.0, 20.0))))
    orders = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    orders = orders.sort_values("date", kind="stable").reset_index(drop=True)
    orders.insert(0, "order_id", np.arange(1, len(orders) + 1))
    orders["date"] = orders["date"].dt.floor("s").astype("datetime64[ns]")
    return Database({
        "customers": Table(customers, {}, "customer_id", None,
                           infer_stypes(customers, exclude=["customer_id"])),
        "orders": Table(orders, {"customer_id": "customers"}, "order_id", "date",
                        infer_stypes(orders, exclude=["order_id", "customer_id"])),
    })


class CustomerChurn(EntityTask):
    """Will an active customer (an order in the 60 days before ``t``) place no order in
    ``(t, t + 30 days]``?"""

    name = "customer-churn"
    entity_table = "customers"
    entity_col = "customer_id"
    time_col = "date"
    target_col = "churn"
    task_type = TaskType.BINARY_CLASSIFICATION
    timedelta = pd.Timedelta(days=30)
    metrics = ["roc_auc", "average_precision"]
    num_eval_timestamps = 3
    val_timestamp = START + pd.Timedelta(days=30 * 16)
    test_timestamp = START + pd.Timedelta(days=30 * 19)
    sql = """
        SELECT t.timestamp AS date, c.customer_id,
               CASE WHEN COUNT(o2.order_id) = 0 THEN 1 ELSE 0 END AS churn
        FROM timestamp_df t
        JOIN customers c ON c.customer_id IN (
            SELECT o.customer_id FROM orders o
            WHERE o.date > t.timestamp - INTERVAL '60 days' AND o.date <= t.timestamp)
        LEFT JOIN orders o2 ON o2.customer_id = c.customer_id
            AND o2.date > t.timestamp AND o2.date <= t.timestamp + {timedelta}
        GROUP BY t.timestamp, c.customer_id
    """
