"""Seed features (issue 9, lever 2): the entity's time-bounded aggregates and its own
past labels, both computed at the seed's information cut-off.

Leakage: nothing dated after a seed's cut-off changes its features; a label counts only
once its window has closed (``t' + timedelta <= c``); test labels are never an input.
Each test has a control that shows the features do react to what they may see.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rdl.db import connect
from rdl.tasks import load_task
from rdl.train.seed_features import FeatureScaler, PastLabels, SeedFeatures
from rdl.train.seeds import to_seconds
from tests.fixtures.f1 import TINY, future_rows, mutated

DAY = 86400


class _Labels:
    entity_col, time_col, target_col = "uid", "t", "y"
    task_type = "regression"
    timedelta = pd.Timedelta(days=10)


def test_a_label_is_known_only_once_its_window_closed():
    df = pd.DataFrame(
        {
            "uid": [1, 1, 1, 2],
            "y": [1.0, 2.0, 4.0, 9.0],
            "t": pd.to_datetime(["2000-01-01", "2000-01-11", "2000-01-21", "2000-01-01"]),
        }
    )
    pl = PastLabels(_Labels(), [df])
    c = to_seconds(
        [pd.Timestamp(s) for s in ("2000-01-21", "2000-01-20 23:59:59", "2000-02-10", "2000-01-05")]
    )
    out = pl.frame([1, 1, 1, 2], c)
    # 2000-01-21: the labels of 01-01 and 01-11 have closed (01-11 + 10 days = 01-21)
    assert out["past_labels__count"].tolist() == [2, 1, 3, 0]
    assert out["past_labels__label__mean"].tolist()[:3] == [1.5, 1.0, 7 / 3]
    assert out["past_labels__label__last"].tolist()[:3] == [2.0, 1.0, 4.0]
    assert np.isnan(out["past_labels__label__mean"].iloc[3])  # 2's label closes 01-11
    assert out["past_labels__days_since_last"].iloc[2] == 10.0  # 02-10 - (01-21 + 10 d)
    unknown = pl.frame([7], c[:1])  # an entity without labels
    assert unknown["past_labels__count"].tolist() == [0]


def test_scaler_standardises_on_the_fitted_rows_and_marks_nulls():
    X = pd.DataFrame({"a": [0.0, 1.0, 3.0, np.nan], "b": [5.0, 5.0, 5.0, 5.0]})
    sc = FeatureScaler().fit(X)
    Z = sc.transform(X).numpy()
    assert sc.num_outputs == 3 and Z.shape == (4, 3)  # a, b, a's null indicator
    assert Z[3, 0] == 0 and Z[3, 2] == 1 and Z[:3, 2].sum() == 0
    assert abs(Z[:3, 0].mean()) < 1e-6 and np.allclose(Z[:, 1], 0)


@pytest.fixture(scope="module")
def f1(f1_duckdb):
    return connect(f1_duckdb)


def _features(db, protocol="relbench"):
    task = load_task("rel-f1/driver-dnf", db)
    tr, va = task.get_table("train").df, task.get_table("val").df
    return task, SeedFeatures(task, protocol, tr, va)


def test_features_see_nothing_after_the_cutoff(f1):
    """Rows dated after the cut-off (here 2008-12-31 .. 2010-01-01 changed) leave the
    features of seeds cut at 2007-06-30 unchanged; the same change reaches seeds cut at
    2009-06-30 (the control)."""
    task, sf = _features(f1)
    ids = task.get_table("val").df["driverId"].unique()[:25]
    early = np.full(len(ids), to_seconds([pd.Timestamp("2007-06-30")])[0])
    late = np.full(len(ids), to_seconds([pd.Timestamp("2009-12-31")])[0])
    tables = {n: t for n, t in f1.items()}
    res = tables["results"].df.copy()
    when = (res["date"] > "2008-12-31") & (res["date"] <= "2010-01-01")
    res.loc[when, "positionOrder"] = 1
    res.loc[when, "statusId"] = 3
    from rdl.db import Database, Table

    r = tables["results"]
    tables["results"] = Table(
        res, dict(r.fkey_col_to_pkey_table), r.pkey_col, r.time_col, dict(r.stypes)
    )
    db2 = Database(tables)
    task2, sf2 = _features(db2)
    pd.testing.assert_frame_equal(sf.frame(ids, early), sf2.frame(ids, early))
    assert not sf.frame(ids, late).equals(sf2.frame(ids, late))


def test_past_labels_are_train_and_val_labels_only(f1):
    task, sf = _features(f1)
    test_ts = to_seconds([task.test_timestamp])[0]
    # every label in the table was known by the test timestamp: no test label
    assert (sf.labels.t + sf.labels.window <= test_ts).all()
    n = len(task.get_table("train").df) + len(task.get_table("val").df)
    assert len(sf.labels.t) == n


def test_relbench_seed_features_and_blend_ignore_rows_after_the_test_timestamp(f1, tmp_path):
    """The relbench invariance of `tests/train/test_protocol.py` for the GNN with seed features,
    stale training and the blend: rows after the test timestamp change no val or test
    prediction; the same change before it does (the control)."""
    from rdl.train import TrainConfig
    from rdl.train.job import run_task

    cfg = TrainConfig(
        **TINY,
        seed_features=["aggregates", "past_labels"],
        stale_prob=0.5,
        time_reference="cutoff",
        stale_val=True,
        blend=True,
    )

    def scores(db):
        run = run_task(
            db, "rel-f1/driver-top3", cfg, baselines=False, progress=False, cache_dir=tmp_path
        )
        return {
            (m, s): run.results["models"][m][s]["roc_auc"]
            for m in ("gnn", "lightgbm_cutoff", "blend")
            for s in ("val", "val_stale")
        }, run

    base, run = scores(f1)
    after, _ = scores(mutated(f1, after=True))
    before, _ = scores(mutated(f1, after=False))
    assert base == after
    assert any(base[k] != before[k] for k in base)
    assert run.results["models"]["gnn"]["test"] != {}


def test_predict_at_serves_a_seed_feature_model_without_leakage(f1_duckdb, tmp_path):
    """``rdl predict`` on a model with seed features and a staleness input: rows dated
    after ``at`` change nothing, rows before it do (the control)."""
    from rdl.serve import predict_at
    from rdl.train import TrainConfig, train_task

    out = tmp_path / "m"
    train_task(
        f1_duckdb,
        "rel-f1/driver-top3",
        TrainConfig(**TINY, seed_features=["aggregates", "past_labels"], stale_prob=0.5),
        out,
        baselines=False,
        progress=False,
        cache_dir=tmp_path,
    )
    db = connect(f1_duckdb)
    at = pd.Timestamp("2010-01-01")
    before = predict_at(out, db, at, cache_dir=tmp_path)
    assert len(before) > 0 and before["prediction"].between(0, 1).all()
    after = predict_at(out, future_rows(db, db.max_timestamp), at, cache_dir=tmp_path)
    pd.testing.assert_frame_equal(before, after)
    changed = predict_at(out, future_rows(db, at - pd.Timedelta(days=800)), at, cache_dir=tmp_path)
    assert not np.allclose(before["prediction"], changed["prediction"])


@pytest.mark.parametrize("limit", [10, None])
def test_seed_feature_max_pairs_leaves_them_out_with_a_warning(f1, tmp_path, limit):
    """Above ``seed_feature_max_pairs`` the GNN trains alone, the results say so and record
    what ran in ``results["resolved"]`` (the config stays as given); ``None`` (the control)
    keeps the seed features and the blend."""
    from rdl.train import TrainConfig
    from rdl.train.job import run_task

    cfg = TrainConfig(
        **TINY,
        seed_features=["aggregates"],
        blend=True,
        stale_prob=0.5,
        seed_feature_max_pairs=limit,
    )
    run = run_task(
        f1, "rel-f1/driver-top3", cfg, baselines=False, progress=False, cache_dir=tmp_path
    )
    warned = [w for w in run.results["warnings"] if "seed_feature_max_pairs" in w]
    if limit is None:
        assert not warned and "blend" in run.results["models"]
        assert run.results["config"]["seed_features"] == ["aggregates"]
        return
    assert len(warned) == 1 and "seed features and the blend left out" in warned[0]
    assert set(run.results["models"]) == {"gnn"}
    assert run.results["config"]["seed_features"] == ["aggregates"]  # as given
    assert run.results["resolved"]["seed_features"] == [] and not run.results["resolved"]["blend"]
    assert run.trainer.config == cfg  # not rewritten
    assert "seed_inputs" not in run.trainer.checkpoint_fields()
