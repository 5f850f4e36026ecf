"""oulad entity tasks (rdl's own; run on ``rdl datasets build oulad``).

The rows at seed time ``t`` are the registrations *active* at ``t``: the student
registered by ``t``, the presentation has started and not ended (its start, February or
October 1st of its year, plus its length in days, after ``t``) and the student has not
withdrawn by ``t``.

Split dates: val 2014-04-01, test 2015-01-01, two 30-day windows each (val: the February
2014 presentations and the October 2013 ones, April-May 2014; test: months 4-5 of the
October 2014 presentations). Table sizes (checked by ``tests/datasets/test_oulad.py``):
``registration-withdraw`` 80,768 / 25,408 / 16,772 rows (train / val / test), withdrawal
rate 0.032 / 0.023 / 0.032; ``registration-score`` 50,703 / 13,035 / 10,627 rows, mean
score 75.6 / 75.8 / 72.9.
"""

import pandas as pd

from rdl.tasks import EntityTask, TaskType

DATASET = "oulad"

_ACTIVE = """
    active AS (
        SELECT t.timestamp, r.registration_id FROM timestamp_df t
        JOIN registrations r ON r.registered_at <= t.timestamp
        JOIN presentations p ON p.presentation_id = r.presentation_id
        WHERE make_date(p.year, CASE p.starts_in WHEN 'February' THEN 2 ELSE 10 END, 1)
                  <= t.timestamp
          AND make_date(p.year, CASE p.starts_in WHEN 'February' THEN 2 ELSE 10 END, 1)
                  + to_days(CAST(p.length_days AS INTEGER)) > t.timestamp
          AND NOT EXISTS (SELECT 1 FROM withdrawals w
                          WHERE w.registration_id = r.registration_id
                            AND w.withdrawn_at <= t.timestamp))
"""


class _Registration(EntityTask):
    entity_table = "registrations"
    entity_col = "registration_id"
    time_col = "timestamp"
    timedelta = pd.Timedelta(days=30)
    num_eval_timestamps = 2
    val_timestamp = pd.Timestamp("2014-04-01")
    test_timestamp = pd.Timestamp("2015-01-01")


class RegistrationWithdraw(_Registration):
    """Will a student active in a presentation at ``t`` withdraw from it in
    ``(t, t + 30 days]``? (binary)"""

    name = "registration-withdraw"
    target_col = "withdraws"
    task_type = TaskType.BINARY_CLASSIFICATION
    metrics = ["roc_auc", "average_precision", "accuracy", "f1"]
    sql = (
        "WITH "
        + _ACTIVE
        + """
        SELECT a.timestamp, a.registration_id,
               CASE WHEN EXISTS (SELECT 1 FROM withdrawals w
                                 WHERE w.registration_id = a.registration_id
                                   AND w.withdrawn_at > a.timestamp
                                   AND w.withdrawn_at <= a.timestamp + {timedelta})
                    THEN 1 ELSE 0 END AS withdraws
        FROM active a
    """
    )


class RegistrationScore(_Registration):
    """The mean score (0-100) of the assessments a student active at ``t`` submits in
    ``(t, t + 30 days]`` (regression; rows only for students who submit a scored,
    not banked, assessment in the window)."""

    name = "registration-score"
    target_col = "score"
    task_type = TaskType.REGRESSION
    metrics = ["mae", "rmse", "r2"]
    sql = (
        "WITH "
        + _ACTIVE
        + """
        SELECT a.timestamp, a.registration_id, AVG(s.score) AS score
        FROM active a JOIN submissions s
          ON s.registration_id = a.registration_id
         AND s.submitted_at > a.timestamp AND s.submitted_at <= a.timestamp + {timedelta}
        WHERE NOT s.is_banked AND s.score IS NOT NULL
        GROUP BY a.timestamp, a.registration_id
    """
    )
