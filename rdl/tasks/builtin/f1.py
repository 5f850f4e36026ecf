"""rel-f1 entity tasks, as RelBench defines them (``relbench/tasks/f1.py``), and rdl's
link task ``driver-circuit-compete`` (`DriverCircuitCompete`, at the end of the file).

Run on the database of ``rdl/datasets/f1.py`` (``rdl datasets build rel-f1``). Split dates
are RelBench's rel-f1 ones: val 2005-01-01, test 2010-01-01; 40 val and 40 test seed times.

RelBench's SQL LEFT JOINs the seed times to the events of the window and then keeps
drivers ``IN (SELECT driverId FROM <events> WHERE date > t - 1 year)``. Every driver with
an event in ``(t, t + timedelta]`` passes that filter (such an event is itself dated after
``t - 1 year``), so the filter only removes the all-NULL rows of seed times with no event
at all; the inner JOINs below give the same rows. Labels follow RelBench's current code
(``did_not_finish`` is 1 when a result in the window has ``statusId != 1``; an early
RelBench version had this label inverted).

Table sizes on rel-f1 cut at 2023-12-31 (RelBench's paper and rdl, exactly equal;
checked by ``tests/test_tasks_f1.py``): driver-dnf 11,411 / 566 / 702,
driver-top3 1,353 / 588 / 726, driver-position 7,453 / 499 / 760 (train / val / test).
"""

import pandas as pd

from rdl.tasks import EntityTask, LinkTask, TaskType

DATASET = "rel-f1"

_BINARY = ["roc_auc", "average_precision", "accuracy", "f1"]  # roc_auc: early stopping
_REGRESSION = ["mae", "rmse", "r2"]  # mae: early stopping


class _F1DriverTask(EntityTask):
    """Shared settings of the rel-f1 driver tasks (abstract: no target)."""

    entity_table = "drivers"
    entity_col = "driverId"
    time_col = "date"
    num_eval_timestamps = 40
    val_timestamp = pd.Timestamp("2005-01-01")
    test_timestamp = pd.Timestamp("2010-01-01")


class DriverDNF(_F1DriverTask):
    """Will the driver fail to finish (DNF) a race in the next month?

    One row per driver with a result in ``(t, t + 30 days]``; ``did_not_finish`` = 1 if
    any of those results has ``statusId != 1`` (status 1 is "Finished"), else 0. As in
    RelBench, a lapped finisher ("+1 Lap", statusId 11, ...) counts as not finished.
    """

    name = "driver-dnf"
    target_col = "did_not_finish"
    task_type = TaskType.BINARY_CLASSIFICATION
    timedelta = pd.Timedelta(days=30)
    metrics = _BINARY
    sql = """
        SELECT t.timestamp AS date, re.driverId,
               MAX(CASE WHEN re.statusId != 1 THEN 1 ELSE 0 END) AS did_not_finish
        FROM timestamp_df t
        JOIN results re ON re.date > t.timestamp AND re.date <= t.timestamp + {timedelta}
        GROUP BY t.timestamp, re.driverId
    """


class DriverTop3(_F1DriverTask):
    """Will the driver qualify in the top 3 for a race in the next month?

    One row per driver with a qualifying entry in ``(t, t + 30 days]``; ``qualifying`` = 1
    if the best (lowest) qualifying position there is <= 3, else 0.
    """

    name = "driver-top3"
    target_col = "qualifying"
    task_type = TaskType.BINARY_CLASSIFICATION
    timedelta = pd.Timedelta(days=30)
    metrics = _BINARY
    sql = """
        SELECT t.timestamp AS date, qu.driverId,
               CASE WHEN MIN(qu.position) <= 3 THEN 1 ELSE 0 END AS qualifying
        FROM timestamp_df t
        JOIN qualifying qu ON qu.date > t.timestamp AND qu.date <= t.timestamp + {timedelta}
        GROUP BY t.timestamp, qu.driverId
    """


class DriverPosition(_F1DriverTask):
    """The driver's mean finishing position (``positionOrder``) over the next two months.

    One row per driver with results in ``(t, t + 60 days]``; ``position`` = the mean of
    their ``positionOrder``.
    """

    name = "driver-position"
    target_col = "position"
    task_type = TaskType.REGRESSION
    timedelta = pd.Timedelta(days=60)
    metrics = _REGRESSION
    sql = """
        SELECT t.timestamp AS date, re.driverId, AVG(re.positionOrder) AS position
        FROM timestamp_df t
        JOIN results re ON re.date > t.timestamp AND re.date <= t.timestamp + {timedelta}
        GROUP BY t.timestamp, re.driverId
    """


class DriverCircuitCompete(LinkTask):
    """At which circuits will the driver race in the next year? (a link task; rdl's own,
    RelBench's rel-f1 has none)

    Sources: every driver with a result in the year before ``t`` (``(t - 365 days, t]``)
    who also has a result in ``(t, t + 365 days]``; destinations: the circuits of the races
    of those results (``results -> races -> circuits``), as a list per (driver, ``t``).
    Split dates as the other rel-f1 tasks (val 2005-01-01, test 2010-01-01; up to 40 seed
    times each, capped by the protocol at 5 val and 13 test), so each seed time (a new
    year's day, give or take the leap days) ranks the next season's circuits.

    ``eval_k = 10``: a season has 7-22 distinct circuits (median 16); a row lists 8.4
    circuits on average in train (1950-2004, many part-season drivers), 16.0 in val and
    18.7 in test, and 45 % / 91 % / 96 % of the rows have at least 10, so MAP@10 and
    precision@10 can reach ~1 on the eval splits (MAP@k divides by ``min(k, |true|)``).
    All 77 circuits are candidates (the circuits table has no time column).

    Table sizes on rel-f1 cut at 2023-12-31 (checked by ``tests/test_link_f1.py``):
    1,733 / 95 / 234 rows (train / val / test) over 54 / 5 / 13 seed times.
    """

    name = "driver-circuit-compete"
    src_entity_table = "drivers"
    src_entity_col = "driverId"
    dst_entity_table = "circuits"
    dst_entity_col = "circuitId"
    time_col = "date"
    timedelta = pd.Timedelta(days=365)
    eval_k = 10
    num_eval_timestamps = 40
    metrics = ["map_at_k", "recall_at_k", "precision_at_k", "ndcg_at_k"]  # map: early stopping
    val_timestamp = pd.Timestamp("2005-01-01")
    test_timestamp = pd.Timestamp("2010-01-01")
    sql = """
        SELECT t.timestamp AS date, re.driverId,
               LIST(DISTINCT ra.circuitId ORDER BY ra.circuitId) AS circuitId
        FROM timestamp_df t
        JOIN results re ON re.date > t.timestamp AND re.date <= t.timestamp + {timedelta}
        JOIN races ra ON ra.raceId = re.raceId
        WHERE re.driverId IN (
            SELECT p.driverId FROM results p
            WHERE p.date > t.timestamp - INTERVAL '365 days' AND p.date <= t.timestamp)
        GROUP BY t.timestamp, re.driverId
    """
