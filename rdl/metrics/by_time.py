"""A metric at each seed time, and the two ways a pooled metric misleads.

* **Constant labels at a seed time**: every label of the split at that time is the same
  (a binary task's positive rate 0 or 1), so no model can rank within it.
* **The calendar signal**: a split pooled over several seed times can score well only
  because the positive rate differs between the times (a label set by the calendar:
  0 % positives on one date, 88 % on another). Then the pooled metric exceeds the mean
  of the metric within each seed time by more than the pooled metric's own uncertainty;
  `calendar_signal` measures that gap.

Times are anything pandas can group by (``datetime64``, ints); values come back keyed
by the time as ISO text.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rdl.metrics.registry import METRICS, higher_is_better


def _key(t) -> str:
    ts = pd.Timestamp(t) if not isinstance(t, (int, np.integer)) else None
    return ts.isoformat() if ts is not None else str(int(t))


def metric_by_time(
    name: str, true: Any, pred: Any, times: Any, k: int | None = None
) -> dict[str, float | None]:
    """Metric ``name`` within each seed time: ``{time (ISO): value}``; ``None`` where the
    metric is undefined at that time (e.g. AUROC with one class).

    Raises:
        ValueError: an unknown metric; ``times`` of another length than ``true``.
    """
    if name not in METRICS:
        raise ValueError(f"metric_by_time: unknown metric {name!r}; known: {sorted(METRICS)}")
    times = np.asarray(times)
    if len(times) != len(true):
        raise ValueError(f"metric_by_time: times has {len(times)} rows, true has {len(true)}")
    fn = METRICS[name]
    out: dict[str, float | None] = {}
    t_arr = np.asarray(true, dtype=object) if name.endswith("_at_k") else np.asarray(true)
    p_arr = np.asarray(pred, dtype=object) if name.endswith("_at_k") else np.asarray(pred)
    for t in pd.unique(times):
        rows = np.flatnonzero(times == t)
        try:
            value = (
                fn(list(t_arr[rows]), list(p_arr[rows]), k)
                if name.endswith("_at_k")
                else fn(t_arr[rows], p_arr[rows])
            )
            out[_key(t)] = float(value)
        except ValueError:
            out[_key(t)] = None
    return out


def constant_label_times(true: Any, times: Any) -> list[str]:
    """The seed times (ISO) at which every label of a split is the same (entity tasks
    with ``[n]`` labels; a time with one row does not count)."""
    y, times = np.asarray(true), np.asarray(times)
    if y.ndim != 1:
        return []
    out = []
    for t in pd.unique(times):
        v = y[times == t]
        if len(v) > 1 and np.all(v == v[0]):
            out.append(_key(t))
    return out


def calendar_signal(
    name: str, pooled: float, by_time: dict[str, float | None], interval: dict | None
) -> dict | None:
    """How much of a pooled metric the calendar explains: ``{"pooled", "within_mean",
    "gap", "half_width"}`` when the pooled value beats the mean within-time value by
    more than the interval's half width (`rdl.metrics.bootstrap`), else ``None``. Only
    for metrics where higher is better and with two or more defined times."""
    vals = [v for v in by_time.values() if v is not None]
    if len(by_time) < 2 or len(vals) < 1 or not interval or not higher_is_better(name):
        return None
    within = float(np.mean(vals))
    half = (interval["high"] - interval["low"]) / 2
    gap = pooled - within
    if gap <= half:
        return None
    return {
        "pooled": float(pooled),
        "within_mean": within,
        "gap": float(gap),
        "half_width": float(half),
        "undefined_times": len(by_time) - len(vals),
    }


__all__ = ["calendar_signal", "constant_label_times", "metric_by_time"]
