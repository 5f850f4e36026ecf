"""A toy database for the pretraining tests: users with events whose amounts and kinds
follow a per-user pattern, so two views of one user (different events, masked cells,
earlier cut-offs) look alike and views of different users do not."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rdl.db import Database, Table


def toy_database(num_users: int = 40, events_per_user: int = 60, seed: int = 0,
                 timed_users: bool = False) -> Database:
    """``users`` (``age`` numerical, ``segment`` categorical, 3 values; static, or with a
    ``joined`` time column in 2019-2021 when ``timed_users``) and
    ``events`` (``ts`` time column over 2020-2021, ``user_id`` -> users, ``amount`` ~
    N(user's mean, 0.15) with means spread over [-3, 3], ``kind`` categorical, the user's
    own kind 80 % of the time)."""
    rng = np.random.default_rng(seed)
    users = pd.DataFrame({
        "user_id": np.arange(num_users),
        "age": rng.normal(40, 10, num_users),
        "segment": rng.choice(["a", "b", "c"], num_users),
    })
    mean = rng.permutation(np.linspace(-3, 3, num_users))
    n = num_users * events_per_user
    uid = np.repeat(np.arange(num_users), events_per_user)
    start = pd.Timestamp("2020-01-01").value // 10**9
    ts = start + rng.integers(0, 730 * 86400, n)
    own = rng.random(n) < 0.8
    kind = np.where(own, uid % 8, rng.integers(0, 8, n))
    events = pd.DataFrame({
        "event_id": np.arange(n),
        "user_id": uid,
        "ts": pd.to_datetime(ts, unit="s"),
        "amount": mean[uid] + rng.normal(0, 0.15, n),
        "kind": [f"k{k}" for k in kind],
    })
    if timed_users:
        users["joined"] = pd.to_datetime(
            pd.Timestamp("2019-01-01").value // 10**9 + rng.integers(0, 1000 * 86400, num_users),
            unit="s")
    return Database({
        "users": Table(users, {}, "user_id", "joined" if timed_users else None,
                       {"age": "numerical", "segment": "categorical"}),
        "events": Table(events, {"user_id": "users"}, "event_id", "ts",
                        {"amount": "numerical", "kind": "categorical"}),
    })


def user_kind_task():
    """A toy entity task on `toy_database`: will the user have an event of kind ``k0`` in
    the next 30 days? (val 2021-06-01, test 2021-09-01)."""
    from rdl.tasks import EntityTask, TaskType

    class UserKind(EntityTask):
        name = "user-kind"
        entity_table = "users"
        entity_col = "user_id"
        time_col = "timestamp"
        target_col = "label"
        task_type = TaskType.BINARY_CLASSIFICATION
        timedelta = pd.Timedelta(days=30)
        metrics = ["roc_auc", "accuracy"]
        num_eval_timestamps = 2
        val_timestamp = pd.Timestamp("2021-06-01")
        test_timestamp = pd.Timestamp("2021-09-01")
        sql = """
            SELECT t.timestamp, e.user_id,
                   MAX(CASE WHEN e.kind = 'k0' THEN 1 ELSE 0 END) AS label
            FROM timestamp_df t
            JOIN events e ON e.ts > t.timestamp AND e.ts <= t.timestamp + {timedelta}
            GROUP BY t.timestamp, e.user_id
        """

    return UserKind
