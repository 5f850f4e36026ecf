"""A toy database where exactly one table carries the signal.

``users`` (entity table: a noise column) <- ``signals`` (each user's values sit around
``+2`` or ``-2``, the user's hidden type) and <- ``noise`` (values independent of the
type; same timing as the signals). The task `SignalTask` asks whether the mean signal
value of the user's next 30 days is positive: the past rows of ``signals`` predict it,
``noise`` and ``users`` do not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rdl import Database, Table
from rdl.tasks import EntityTask, TaskType

START = pd.Timestamp("2020-01-01")


def toy_db(num_users: int = 120, days: int = 360, every: int = 6, seed: int = 0,
           carrier: str = "signals") -> Database:
    """The toy database; ``carrier="noise"`` swaps the two event tables' values (the
    ``noise`` table then carries the signal: the control of the explanation test)."""
    rng = np.random.default_rng(seed)
    kind = rng.choice([-1.0, 1.0], num_users)
    users = pd.DataFrame({"user_id": np.arange(num_users), "joined": START,
                          "age": rng.normal(40, 10, num_users)})
    per_user = days // every
    uid = np.repeat(np.arange(num_users), per_user)
    offsets = np.tile(np.arange(per_user) * every, num_users) + rng.integers(0, every, uid.size)
    when = START + pd.to_timedelta(offsets, unit="D") + pd.Timedelta(hours=12)
    signals = pd.DataFrame({"signal_id": np.arange(uid.size), "user_id": uid, "ts": when,
                            "value": 2.0 * kind[uid] + rng.normal(0, 0.7, uid.size)})
    noise = pd.DataFrame({"noise_id": np.arange(uid.size), "user_id": uid,
                          "ts": when + pd.Timedelta(hours=1),
                          "value": rng.normal(0, 2.0, uid.size)})
    if carrier == "noise":
        signals["value"], noise["value"] = noise["value"].to_numpy(), signals["value"].to_numpy()
    return Database({
        "users": Table(users, {}, "user_id", None, {"age": "numerical"}),
        "signals": Table(signals, {"user_id": "users"}, "signal_id", "ts", {"value": "numerical"}),
        "noise": Table(noise, {"user_id": "users"}, "noise_id", "ts", {"value": "numerical"}),
    })


def signal_task(carrier: str = "signals") -> type[EntityTask]:
    """`SignalTask` with its label computed from ``carrier``."""
    return type(f"SignalTask_{carrier}", (SignalTask,),
                {"sql": SignalTask.sql.replace("JOIN signals s", f"JOIN {carrier} s"),
                 "__module__": __name__})


class SignalTask(EntityTask):
    name = "signal-positive"
    entity_table, entity_col, time_col = "users", "user_id", "date"
    target_col, task_type = "positive", TaskType.BINARY_CLASSIFICATION
    timedelta = pd.Timedelta(days=30)
    num_eval_timestamps = 2
    metrics = ["roc_auc", "accuracy"]
    val_timestamp = START + pd.Timedelta(days=240)
    test_timestamp = START + pd.Timedelta(days=300)
    sql = """
        SELECT t.timestamp AS date, s.user_id,
               CASE WHEN AVG(s.value) > 0 THEN 1 ELSE 0 END AS positive
        FROM timestamp_df t
        JOIN signals s ON s.ts > t.timestamp AND s.ts <= t.timestamp + {timedelta}
        GROUP BY ALL
    """
