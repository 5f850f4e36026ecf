"""The evaluation protocols (issue 9, part A).

* ``relbench`` (default): every model input comes from the database cut at the test
  timestamp. Deleting, changing or adding rows dated after it leaves every val and test
  prediction of the GNN, of both LightGBM models and of entity mean unchanged (same
  seed); the same change dated before it does change them (the control).
* ``rolling``: each seed sees every row dated ``<=`` its seed time, so rows between the
  test timestamp and a test seed time do reach that seed (the protocols really differ).
* Sub-second times: an event a fraction of a second after a seed time is a label of that
  seed, never an input to it (node times round up, seed times down).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rdl.baselines.lgbm import LightGBMBaseline
from rdl.baselines.simple import entity_mean
from rdl.db import Database, Table, connect
from rdl.tasks import TaskError, load_task
from rdl.train import TrainConfig
from rdl.train.job import run_task
from tests.fixtures.f1 import TEST_TS, TINY, mutated
from tests.fixtures.shops import UserItemBuy, link_shop

TASK = "rel-f1/driver-top3"
KEYS = ["driverId", "date"]


def _keyed(table, pred) -> pd.Series:
    df = table.df[KEYS].copy()
    df["pred"] = list(pred)
    return df.set_index(KEYS)["pred"]


def _common(a: pd.Series, b: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    idx = a.index.intersection(b.index)
    assert len(idx) > 100
    return np.asarray(a.loc[idx].tolist()), np.asarray(b.loc[idx].tolist())


def all_predictions(db: Database, protocol: str, tmp) -> dict[str, pd.Series]:
    """split/model -> predictions keyed by (driverId, date), every model of the issue."""
    run = run_task(
        db,
        TASK,
        TrainConfig(**TINY, protocol=protocol),
        baselines=False,
        progress=False,
        cache_dir=tmp,
    )
    out = {f"gnn/{s}": _keyed(run.tables[s], run.predictions[s]) for s in ("val", "test")}
    task = load_task(TASK, db)
    train, val = task.get_table("train").df, task.get_table("val").df
    test_in = task.get_table("test").df
    for feats in ("entity", "aggregated"):
        model = LightGBMBaseline(
            feats, protocol=protocol, grid=({"num_leaves": 7},), num_boost_round=30
        )
        X_tr, X_va, X_te = model.make_features(task, train, val, test_in)
        model.fit(task, X_tr, train[task.target_col], X_va, val[task.target_col])
        out[f"lgbm_{feats}/val"] = _keyed(task.get_table("val"), model.predict(X_va))
        out[f"lgbm_{feats}/test"] = _keyed(task.get_table("test"), model.predict(X_te))
    trainval = pd.concat([train, val], ignore_index=True)
    out["entity_mean/test"] = _keyed(task.get_table("test"), entity_mean(task, trainval, test_in))
    return out


@pytest.fixture(scope="module")
def f1(f1_duckdb):
    return connect(f1_duckdb)


@pytest.fixture(scope="module")
def base(f1, tmp_path_factory):
    return all_predictions(f1, "relbench", tmp_path_factory.mktemp("cache"))


def test_relbench_rows_after_the_test_timestamp_change_no_prediction(f1, base, tmp_path):
    after = all_predictions(mutated(f1, after=True), "relbench", tmp_path)
    for key in base:
        a, b = _common(base[key], after[key])
        np.testing.assert_array_equal(a, b, err_msg=key)


def test_relbench_control_rows_before_the_test_timestamp_do_change_predictions(f1, base, tmp_path):
    before = all_predictions(mutated(f1, after=False), "relbench", tmp_path)
    for key in ("gnn/val", "gnn/test", "lgbm_aggregated/test", "entity_mean/test"):
        a, b = _common(base[key], before[key])
        assert not np.allclose(a, b), key


def test_rolling_lets_rows_after_the_test_timestamp_reach_test_seeds(f1, tmp_path):
    """Under ``rolling`` the same change after the test timestamp reaches test seeds that
    come after it (and still never a val seed, all dated before it)."""
    cfg = TrainConfig(**TINY, protocol="rolling")
    runs = [
        run_task(db, TASK, cfg, baselines=False, progress=False, cache_dir=tmp_path)
        for db in (f1, mutated(f1, after=True))
    ]
    val = [_keyed(r.tables["val"], r.predictions["val"]) for r in runs]
    test = [_keyed(r.tables["test"], r.predictions["test"]) for r in runs]
    np.testing.assert_array_equal(*_common(*val))
    a, b = _common(*test)
    assert not np.allclose(a, b)


def test_results_name_the_protocol(f1, tmp_path):
    run = run_task(
        f1, TASK, TrainConfig(**TINY), baselines=False, progress=False, cache_dir=tmp_path
    )
    assert run.results["protocol"] == "relbench"
    # the graph holds no row dated after the test timestamp
    g = run.trainer.graph
    assert (
        max(
            int(t[t < np.iinfo(np.int64).max].max())
            for t in g.node_time.values()
            if t is not None and len(t)
        )
        <= TEST_TS.timestamp()
    )


def test_unknown_protocol_names_the_flag(f1):
    with pytest.raises(
        ValueError, match=r"protocol 'future' is not one of \['relbench', 'rolling'\]"
    ):
        TrainConfig(protocol="future")  # the setting (the CLI adds the flag)
    task = load_task(TASK, f1)
    with pytest.raises(TaskError, match=r"unknown protocol 'future': use 'relbench'"):
        task.input_db("future")


# ---- sub-second times ------------------------------------------------------------------


def test_node_times_round_up_and_seed_times_round_down():
    from rdl.graph.build import node_seconds
    from rdl.train.seeds import to_seconds

    t = pd.Timestamp("2021-03-04 05:06:07")
    events = pd.Series([t - pd.Timedelta("1s"), t, t + pd.Timedelta("400ms"), pd.NaT])
    node = node_seconds(events)
    seed = to_seconds([t, t + pd.Timedelta("999ms")])[0]
    assert seed == int(t.timestamp())
    visible = node <= seed
    assert visible.tolist() == [True, True, False, False]
    # the control: truncating both (the old behaviour) would show the event 0.4 s after t
    truncated = events[:3].to_numpy(dtype="datetime64[s]").astype(np.int64)
    assert (truncated <= seed).tolist() == [True, True, True]


def test_an_event_a_fraction_of_a_second_after_the_seed_is_never_sampled(tmp_path):
    from rdl.db import infer_stypes
    from rdl.graph import build_graph
    from rdl.sampling import TemporalNeighborSampler, build_csc
    from rdl.train.seeds import to_seconds

    t = pd.Timestamp("2021-03-04 05:06:07")
    users = pd.DataFrame({"user_id": [0], "age": [30.0]})
    events = pd.DataFrame(
        {
            "event_id": [0, 1, 2],
            "user_id": [0, 0, 0],
            "ts": [t - pd.Timedelta("2s"), t + pd.Timedelta("300ms"), t + pd.Timedelta("2s")],
            "v": [1.0, 2.0, 3.0],
        }
    )
    db = Database(
        {
            "users": Table(users, {}, "user_id", None, infer_stypes(users, exclude=["user_id"])),
            "events": Table(
                events,
                {"user_id": "users"},
                "event_id",
                "ts",
                infer_stypes(events, exclude=["event_id", "user_id", "ts"]),
            ),
        }
    )
    g = build_graph(db, text=False, cache_dir=tmp_path)
    sampler = TemporalNeighborSampler(
        build_csc(g.num_nodes, g.node_time, g.edge_index), g.num_nodes, g.node_time, [-1], seed=0
    )
    sub = sampler.sample("users", np.array([0]), to_seconds([t]))
    assert g.pkey_values["events"][sub.node["events"]].tolist() == [0]


# ---- link tasks: histories and candidates come from the input database ------------------


def test_link_history_under_relbench_sees_no_link_after_the_test_timestamp():
    from rdl.baselines.link import LINK_BASELINES
    from rdl.tasks import LinkHistory

    task = UserItemBuy(link_shop())
    at = "2020-03-11"  # a test seed time; purchase 10 (user 1 -> item 1) is dated 03-05
    cut = LinkHistory(task, task.input_db("relbench")).at(at)
    full = LinkHistory(task, task.input_db("rolling")).at(at)
    assert cut["seed"].max() + task.timedelta <= task.test_timestamp
    # the control: under rolling the window (03-01, 03-11] is observed by 03-11
    assert (
        (full["user_id"] == 1)
        & (full["item_id"] == 1)
        & (full["seed"] == pd.Timestamp("2020-03-01"))
    ).any()

    rows = task.get_table("test").df[["seed", "user_id"]]

    def rankings(extra):
        t = UserItemBuy(link_shop(extra))
        history = LinkHistory(t, t.input_db("relbench"))
        return {name: fn(t, rows, history).tolist() for name, fn in LINK_BASELINES.items()}

    base = rankings([])
    # many links to item 4 after the test timestamp: relbench rankings do not move
    late = [(100 + i, 2, 4, "2020-03-06") for i in range(5)]
    assert rankings(late) == base
    # ... but the same links before it do (item 4 becomes the most popular)
    early = [(100 + i, 2, 4, "2020-02-26") for i in range(5)]
    assert rankings(early) != base
