"""Per-time metrics and the calendar signal: a label set by the date scores a high pooled
AUROC and chance within each date (flagged); a label that varies within dates is not
flagged (control)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rdl.metrics import METRICS
from rdl.metrics.bootstrap import bootstrap_interval
from rdl.metrics.by_time import calendar_signal, constant_label_times, metric_by_time

RNG = np.random.default_rng(0)
DATES = pd.to_datetime(["2021-01-01", "2021-02-01", "2021-03-01", "2021-04-01"])


def _split(calendar: bool, n: int = 300):
    entity = np.tile(np.arange(n), len(DATES))
    times = np.repeat(DATES.to_numpy(), n)
    date_idx = np.repeat(np.arange(len(DATES)), n)
    if calendar:  # positives at two dates only; the model knows the date, not the entity
        rate = np.array([0.0, 0.9, 0.0, 0.85])[date_idx]
        y = (RNG.uniform(size=entity.size) < rate).astype(int)
        p = rate + RNG.normal(0, 0.01, entity.size)
    else:  # the label varies within dates and the model sees why
        signal = RNG.normal(size=entity.size)
        y = (signal + RNG.normal(0, 0.5, entity.size) > 0).astype(int)
        p = 1 / (1 + np.exp(-signal))
    return y, np.clip(p, 0, 1), times, entity


def _flag(y, p, times, entity):
    pooled = METRICS["roc_auc"](y, p)
    per = metric_by_time("roc_auc", y, p, times)
    return calendar_signal(
        "roc_auc", pooled, per, bootstrap_interval("roc_auc", y, p, entity, draws=200)
    ), per


def test_a_calendar_driven_label_is_flagged():
    y, p, times, entity = _split(calendar=True)
    flag, per = _flag(y, p, times, entity)
    assert flag is not None and flag["pooled"] > 0.9 and flag["within_mean"] < 0.65
    assert per["2021-01-01T00:00:00"] is None  # one class at that date: undefined
    assert constant_label_times(y, times) == ["2021-01-01T00:00:00", "2021-03-01T00:00:00"]


def test_control_a_label_that_varies_within_dates_is_not_flagged():
    y, p, times, entity = _split(calendar=False)
    flag, per = _flag(y, p, times, entity)
    assert flag is None and all(v is not None and v > 0.7 for v in per.values())
    assert constant_label_times(y, times) == []
