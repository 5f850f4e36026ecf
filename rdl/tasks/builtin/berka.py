"""berka entity task: loan default (the PKDD'99 challenge's classic task), rdl's
temporal version. Run on ``rdl datasets build berka``.

``loan-default``: an account is granted a loan tomorrow — will the loan go bad? One row
per loan: the loan's account at the day before the grant (``timedelta`` = 1 day: the rows
at ``t`` are the accounts granted a loan in ``(t, t + 1 day]``; an account has at most
one loan). ``defaulted`` = 1 when the loan's status in ``loan_status`` is B (finished,
not paid) or D (running, client in debt), 0 for A / C. The model sees the account as it
is at ``t`` (its district, dispositions, clients, cards; not the loan, which is dated
after ``t``). Why the account and not the loan: under the RelBench protocol every input
comes from the database cut at the test timestamp, so a test entity must exist by then;
the loans of the test period do not (and a model that saw the loan's terms in training
but never in test would learn the wrong thing).

The label is not an event of a window: it is the status observed when the data were
extracted (the end of 1998, `rdl.datasets.berka.SNAPSHOT`), the only outcome the data
give. Train and val labels are therefore known only after the test timestamp (as for
RelBench's rel-trial ``study-outcome``); the status is never a model input (see the
recipe). Loans granted in 1998 had little time to go bad (4 of 158 did): the splits end
with 1997.

Split dates, chosen for enough loans and defaults in each split: val 1996-07-01 and test
1997-04-01 with 275 daily seed times each, so val holds the loans granted 1996-07-02 ..
1997-04-01 and test those of 1997-04-02 .. 1997-12-31. Table sizes (checked by
``tests/test_berka_northwind.py``): 254 / 121 / 139 loans (train / val / test), of which
41 / 10 / 19 defaulted (the 10 test loans of accounts opened after the test timestamp are
dropped: under the RelBench protocol those accounts are not in the model's input).
"""

import pandas as pd

from rdl.tasks import EntityTask, TaskType

DATASET = "berka"


class LoanDefault(EntityTask):
    """Will the loan granted to the account on day ``t + 1`` go bad (status B or D at the
    end of 1998)?"""

    name = "loan-default"
    entity_table = "account"
    entity_col = "account_id"
    time_col = "timestamp"
    target_col = "defaulted"
    task_type = TaskType.BINARY_CLASSIFICATION
    timedelta = pd.Timedelta(days=1)
    num_eval_timestamps = 275
    metrics = ["roc_auc", "average_precision", "accuracy", "f1"]
    val_timestamp = pd.Timestamp("1996-07-01")
    test_timestamp = pd.Timestamp("1997-04-01")
    sql = """
        SELECT t.timestamp, l.account_id,
               CASE WHEN s.status IN ('B', 'D') THEN 1 ELSE 0 END AS defaulted
        FROM timestamp_df t
        JOIN loan l ON l.date > t.timestamp AND l.date <= t.timestamp + {timedelta}
        JOIN loan_status s ON s.loan_id = l.loan_id
    """
