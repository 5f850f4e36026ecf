"""A task on a second entity table for the pretraining benchmark (issue 12): rel-f1's
constructors, with RelBench's rel-f1 split dates. Used as
``benchmarks/pretrain_tasks.py:ConstructorPoints``.
"""

import pandas as pd

from rdl.tasks import EntityTask, TaskType


class ConstructorPoints(EntityTask):
    """Will the constructor score points in the next 60 days?

    One row per constructor with a race result in ``(t, t + 60 days]``; ``scored`` = 1 if
    its points over those races are > 0, else 0. Split dates as rel-f1's driver tasks.
    """

    name = "constructor-points"
    entity_table = "constructors"
    entity_col = "constructorId"
    time_col = "date"
    target_col = "scored"
    task_type = TaskType.BINARY_CLASSIFICATION
    timedelta = pd.Timedelta(days=60)
    num_eval_timestamps = 20
    metrics = ["roc_auc", "average_precision", "accuracy", "f1"]
    val_timestamp = pd.Timestamp("2005-01-01")
    test_timestamp = pd.Timestamp("2010-01-01")
    sql = """
        SELECT t.timestamp AS date, cr.constructorId,
               CASE WHEN SUM(cr.points) > 0 THEN 1 ELSE 0 END AS scored
        FROM timestamp_df t
        JOIN constructor_results cr
          ON cr.date > t.timestamp AND cr.date <= t.timestamp + {timedelta}
        GROUP BY t.timestamp, cr.constructorId
    """
