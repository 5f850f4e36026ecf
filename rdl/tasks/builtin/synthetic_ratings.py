"""synthetic-ratings link task (``rdl datasets build synthetic-ratings``): which new items
will a user rate next month? Users never rate an item twice, so the answer is never in
the user's own past (see the recipe, `rdl.datasets.synthetic_ratings`).

Split dates: val 2021-07-01, test 2021-10-01, three 30-day windows each (the data end
2021-12-31).
"""

import pandas as pd

from rdl.tasks import LinkTask

DATASET = "synthetic-ratings"


class UserItemRate(LinkTask):
    """For each user who rates in ``(t, t + 30 days]``: the items they rate there, to be
    ranked among every item listed by ``t`` (``eval_k`` = 10)."""

    name = "user-item-rate"
    src_entity_table = "users"
    src_entity_col = "user_id"
    dst_entity_table = "items"
    dst_entity_col = "item_id"
    time_col = "timestamp"
    timedelta = pd.Timedelta(days=30)
    eval_k = 10
    num_eval_timestamps = 3
    metrics = ["map_at_k", "recall_at_k", "precision_at_k", "ndcg_at_k"]
    val_timestamp = pd.Timestamp("2021-07-01")
    test_timestamp = pd.Timestamp("2021-10-01")
    sql = """
        SELECT t.timestamp, r.user_id, LIST(DISTINCT r.item_id ORDER BY r.item_id) AS item_id
        FROM timestamp_df t
        JOIN ratings r ON r.rated_at > t.timestamp AND r.rated_at <= t.timestamp + {timedelta}
        GROUP BY t.timestamp, r.user_id
    """
