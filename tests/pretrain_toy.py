"""A toy database for the pretraining tests: users with events whose amounts and kinds
follow a per-user pattern, so two views of one user (different events, masked cells,
earlier cut-offs) look alike and views of different users do not."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rdl.db import Database, Table


def toy_database(num_users: int = 40, events_per_user: int = 60, seed: int = 0) -> Database:
    """``users`` (static: ``age`` numerical, ``segment`` categorical, 3 values) and
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
    return Database({
        "users": Table(users, {}, "user_id", None,
                       {"age": "numerical", "segment": "categorical"}),
        "events": Table(events, {"user_id": "users"}, "event_id", "ts",
                        {"amount": "numerical", "kind": "categorical"}),
    })
