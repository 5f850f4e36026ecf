"""rel-f1 tasks (``rdl/tasks/builtin/f1.py``) against RelBench's published table sizes and an
independent pandas recomputation of the labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rdl.project import TASKS_DIR, load_recipe
from rdl.tasks import EntityTask, TaskType, load_task

pytestmark = pytest.mark.slow

# RelBench's task-table sizes on rel-f1 cut at 2023-12-31 (train / val / test), from the
# RelBench paper's task statistics (Robinson et al., NeurIPS 2024); issue 3 quotes all but
# driver-top3 val and driver-position val/test.
RELBENCH_ROWS = {
    "driver-dnf": (11_411, 566, 702),
    "driver-top3": (1_353, 588, 726),
    "driver-position": (7_453, 499, 760),
}
# what rdl produces (exactly RelBench's)
RDL_ROWS = dict(RELBENCH_ROWS)


@pytest.fixture(scope="module")
def db():
    return load_recipe("rel-f1").build_database()


@pytest.fixture(scope="module")
def tasks(db):
    return {name: load_task(f"rel-f1/{name}", db) for name in RELBENCH_ROWS}


@pytest.mark.parametrize("name", list(RELBENCH_ROWS))
def test_table_sizes_match_relbench(tasks, name):
    task = tasks[name]
    got = tuple(len(task.get_table(s)) for s in ("train", "val", "test"))
    assert got == RDL_ROWS[name]
    for g, ref in zip(got, RELBENCH_ROWS[name]):
        assert abs(g - ref) <= 0.02 * ref
    assert task.dropped_rows == {"train": 0, "val": 0, "test": 0}


def test_definitions(tasks):
    dnf, top3, pos = (tasks[n] for n in RELBENCH_ROWS)
    for t in (dnf, top3, pos):
        assert isinstance(t, EntityTask)
        assert (t.entity_table, t.entity_col, t.time_col) == ("drivers", "driverId", "date")
        assert t.num_eval_timestamps == 40
        assert (t.val_timestamp, t.test_timestamp) == (
            pd.Timestamp("2005-01-01"),
            pd.Timestamp("2010-01-01"),
        )
    assert dnf.task_type == top3.task_type == TaskType.BINARY_CLASSIFICATION
    assert pos.task_type == TaskType.REGRESSION
    assert dnf.metrics[0] == "roc_auc" and pos.metrics[0] == "mae"
    assert set(dnf.metrics) == {"roc_auc", "average_precision", "accuracy", "f1"}
    assert set(pos.metrics) == {"mae", "rmse", "r2"}
    assert (dnf.timedelta, top3.timedelta, pos.timedelta) == tuple(
        pd.Timedelta(days=d) for d in (30, 30, 60)
    )


def test_seed_times(tasks, db):
    dnf = tasks["driver-dnf"]
    train = dnf.split_timestamps("train")
    assert len(train) == 665
    assert train[-1] == pd.Timestamp("2004-12-02") and train[0] >= db.min_timestamp
    assert train[0] - dnf.timedelta < db.min_timestamp
    val, test = dnf.split_timestamps("val"), dnf.split_timestamps("test")
    assert len(val) == 40 and len(test) == 40  # neither cap binds for 40 x 30 days
    assert test[-1] == pd.Timestamp("2010-01-01") + 39 * pd.Timedelta(days=30)
    pos_test = tasks["driver-position"].split_timestamps("test")
    assert len(pos_test) == 40 and pos_test[-1] == pd.Timestamp("2016-05-29")


def _labels_by_pandas(events: pd.DataFrame, seeds, timedelta, agg) -> pd.DataFrame:
    out = []
    for t in seeds:
        w = events[(events["date"] > t) & (events["date"] <= t + timedelta)]
        if len(w):
            g = agg(w, w["driverId"])
            out.append(pd.DataFrame({"date": t, "driverId": g.index, "y": g.to_numpy()}))
    return pd.concat(out, ignore_index=True)


@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_labels_match_a_pandas_recomputation(tasks, split):
    specs = {
        "driver-dnf": ("results", lambda w, by: (w["statusId"] != 1).groupby(by).max()),
        "driver-top3": ("qualifying", lambda w, by: w["position"].groupby(by).min() <= 3),
        "driver-position": ("results", lambda w, by: w["positionOrder"].groupby(by).mean()),
    }
    for name, (table, agg) in specs.items():
        task = tasks[name]
        events = task.db_for_split(split)[table].df
        want = _labels_by_pandas(events, task.split_timestamps(split), task.timedelta, agg)
        got = task.get_table(split, mask_input_cols=False).df
        got = got.rename(columns={task.target_col: "y"})
        want = want.sort_values(["date", "driverId"]).reset_index(drop=True)
        np.testing.assert_array_equal(got["date"].to_numpy(), want["date"].to_numpy())
        np.testing.assert_array_equal(got["driverId"].to_numpy(), want["driverId"].to_numpy())
        np.testing.assert_allclose(got["y"].to_numpy(), want["y"].to_numpy().astype(float))


def test_train_and_val_seeds_stay_before_the_cut(tasks):
    for task in tasks.values():
        for split in ("train", "val"):
            df = task.get_table(split).df
            assert (df["date"] + task.timedelta <= task.test_timestamp).all()
        assert task.db_for_split("train").max_timestamp <= task.test_timestamp
        assert task.db_for_split("test").max_timestamp > task.test_timestamp
        assert list(task.get_table("test").df.columns) == ["date", "driverId"]


def test_label_balance(tasks):
    dnf = tasks["driver-dnf"].get_table("train").df["did_not_finish"]
    top3 = tasks["driver-top3"].get_table("train").df["qualifying"]
    pos = tasks["driver-position"].get_table("train").df["position"]
    assert 0.5 < dnf.mean() < 0.9  # most 1950-2004 drivers fail to finish in a month
    assert 0.1 < top3.mean() < 0.3  # about 3 of ~20 qualifiers
    assert pos.between(1, 40).all()


def test_addressing_the_same_task_several_ways(db):
    a = load_task("rel-f1/driver-top3", db)
    b = load_task("driver-top3", db)
    c = load_task(f"{TASKS_DIR / 'f1.py'}:DriverTop3", db)
    # the checkout's example file re-exports the packaged tasks
    example = Path(__file__).resolve().parents[2] / "tasks" / "f1.py"
    d = load_task(f"{example}:DriverTop3", db)
    e = load_task(f"{example}:driver-top3", db)
    assert type(a) is type(b) is type(c) is type(d) is type(e)
    pd.testing.assert_frame_equal(a.get_table("val").df, c.get_table("val").df)
