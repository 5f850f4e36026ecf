"""Stale history: information cut-offs of seeds (one of the inputs that let a GNN
see a seed as tabular models do: the age of its history).

Under RelBench's protocol every model input comes from the database cut at the test
timestamp, while the test seed times run on past it (rel-f1: up to 3.2 years for
driver-dnf / driver-top3, 6.5 years for driver-position). A test seed at ``t`` therefore
sees history only up to its *information cut-off* ``c = min(t, test_timestamp)``, and
its newest input is ``t - c`` old — its *staleness* — while every training seed sees
history up to its own seed time. This module gives every seed its cut-off:

* `information_cutoffs`: the cut-off the protocol imposes on a seed (``min(t, horizon)``);
  with ``stale_val=True`` under ``"relbench"`` each validation seed is cut at
  ``t - k * timedelta``, ``k`` uniform over the test seed times' steps past the test
  timestamp (a fixed hash of the seed, the same in every run), so the validation split
  sees the staleness of the test split — averaged over many cut-off dates rather than
  one (a single date, e.g. the val timestamp, makes the whole split hinge on what changed
  right after it);
* `GapSampler`: random cut-offs ``c = t - gap`` for training seeds, the gap drawn from the
  staleness of the test seeds (``k * timedelta``, ``k`` uniform over the test seed
  times' steps past the test timestamp), so training sees what testing will.

Times are ``int64`` seconds since the epoch throughout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rdl.train.seeds import to_seconds


def timedelta_seconds(task) -> int:
    """The task's label window in whole seconds."""
    return int(pd.Timedelta(task.timedelta).total_seconds())


def horizons(task, protocol: str) -> int | None:
    """The test horizon in seconds: the last moment a test seed may see under
    ``protocol`` — the test timestamp under ``"relbench"``, ``None`` (its own seed time)
    under ``"rolling"``."""
    if protocol != "relbench":
        return None
    return int(to_seconds([task.test_timestamp])[0])


def _stale_steps(seed_time: np.ndarray, entity: np.ndarray | None, max_steps: int) -> np.ndarray:
    """``k`` in ``1 .. max_steps`` per seed: a splitmix64 hash of ``(seed time, entity)``."""
    z = seed_time.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    if entity is not None:
        z ^= (np.asarray(entity).astype(np.int64).astype(np.uint64) + np.uint64(1)) * np.uint64(
            0xC2B2AE3D27D4EB4F
        )
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return (z % np.uint64(max_steps)).astype(np.int64) + 1


def information_cutoffs(
    task,
    seed_time: np.ndarray,
    protocol: str,
    stale_val: bool = False,
    entity: np.ndarray | None = None,
) -> np.ndarray:
    """Each seed's information cut-off ``c <= t`` (``int64 [n]`` seconds): no row dated
    after ``c`` may reach the seed's inputs. Train seeds (before the val timestamp) get
    ``c = t``; test seeds ``min(t, horizon)`` (`horizons`); val seeds
    (``val_timestamp <= t < test_timestamp``) ``c = t``, or with ``stale_val`` (under
    ``"relbench"`` only) ``t - k * timedelta``, ``k`` in ``1 .. max_gap_steps`` from a
    hash of ``(t, entity)`` (``entity``: ``[n]`` entity node indices)."""
    t = np.asarray(seed_time, dtype=np.int64)
    test_h = horizons(task, protocol)
    c = t.copy()
    if test_h is None:
        return c
    val_ts = int(to_seconds([task.val_timestamp])[0])
    is_test = t >= test_h
    c[is_test] = np.minimum(t[is_test], test_h)
    steps = max_gap_steps(task, protocol)
    if stale_val and steps > 0:
        is_val = (t >= val_ts) & (t < test_h)
        e = None if entity is None else np.asarray(entity)[is_val]
        c[is_val] = t[is_val] - timedelta_seconds(task) * _stale_steps(t[is_val], e, steps)
    return c


def max_gap_steps(task, protocol: str) -> int:
    """How many ``timedelta`` steps past the cut the test seed times run under
    ``protocol`` (``0`` under ``"rolling"``, where nothing is stale): the number of
    test seed times minus one."""
    if protocol != "relbench":
        return 0
    return max(len(task.split_timestamps("test")) - 1, 0)


class GapSampler:
    """Random information cut-offs for training seeds: ``c = t - k * timedelta``.

    With probability ``prob`` a seed gets a gap of ``k`` steps, ``k`` uniform on
    ``1 .. max_steps``; otherwise ``k = 0`` (fresh history). ``max_steps`` is
    `max_gap_steps`, so the gaps cover the staleness of the test seeds. Seeds and their
    cut-offs stay on the task's timestamp grid, so a cut-off is itself a seed time of
    the split (aggregated features at it can be shared, `rdl.train.seed_features`).

    Args:
        step: ``timedelta`` in seconds.
        max_steps: the largest gap in steps (``0``: no gap ever).
        prob: probability of a gap.
        seed: random seed (the draws of epoch ``e`` depend only on ``seed`` and ``e``).

    Raises:
        ValueError: ``prob`` outside ``[0, 1]`` (a `rdl.config.ConfigError`) or a
            negative ``max_steps``.
    """

    def __init__(self, step: int, max_steps: int, prob: float, seed: int = 0):
        from rdl.config import OPTIONS

        prob = OPTIONS["stale_prob"].check(prob)  # its one declaration: a ConfigError
        if max_steps < 0:
            raise ValueError(f"max_steps {max_steps} must be >= 0")
        self.step, self.max_steps, self.prob = int(step), int(max_steps), float(prob)
        self.rng = np.random.default_rng(seed)

    @property
    def active(self) -> bool:
        return self.prob > 0 and self.max_steps > 0

    def steps(self, n: int) -> np.ndarray:
        """``int64 [n]`` gaps in steps for one epoch's ``n`` seeds."""
        if not self.active:
            return np.zeros(n, dtype=np.int64)
        k = self.rng.integers(1, self.max_steps + 1, n)
        return np.where(self.rng.random(n) < self.prob, k, 0).astype(np.int64)


__all__ = ["GapSampler", "horizons", "information_cutoffs", "max_gap_steps", "timedelta_seconds"]
