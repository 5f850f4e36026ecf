"""``rdl predict``: predictions for every entity (link models: the top-k destinations per
source) written to a database table or a file — never into the source database unless
asked, never over an existing table unless asked — and equal to the predictions the
training run kept for the same seeds."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from rdl import connect
from rdl.cli import app
from rdl.db.write import to_url
from rdl.results import read_predictions
from rdl.serve import predict_at
from rdl.serve.writeback import WriteBackError, same_database, write_predictions_to
from rdl.train import TrainConfig, train_task
from tests.fixtures.shops import UserItemBuy, link_shop
from tests.fixtures.toy_signal import SignalTask, toy_db

# fanouts above every degree of the toy databases: sampling takes every neighbour, so a
# seed's subgraph does not depend on the other seeds of its batch
CFG = dict(
    epochs=1,
    channels=8,
    encoder_layers=1,
    num_neighbors=[256, 4],
    batch_size=64,
    text=False,
    seed=5,
    max_steps_per_epoch=4,
)


@pytest.fixture(scope="module")
def entity_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("entity")
    url = f"duckdb:///{tmp / 'toy.duckdb'}"
    to_url(toy_db(), url)
    run, cache = tmp / "run", tmp / "cache"
    train_task(
        url, SignalTask, TrainConfig(**CFG), run, baselines=False, progress=False, cache_dir=cache
    )
    return url, run, cache


@pytest.fixture(scope="module")
def link_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("link")
    run, url = tmp / "run", f"sqlite:///{tmp / 'shop.db'}"
    to_url(link_shop(), url)  # SQLite: its dangling keys (user 99, item 99) are not checked
    train_task(
        url,
        UserItemBuy,
        TrainConfig(**{**CFG, "batch_size": 4}),
        run,
        baselines=False,
        progress=False,
        cache_dir=tmp,
    )
    return url, run, tmp


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("duckdb:////data/x.duckdb", "/data/x.duckdb", True),
        ("duckdb:////data/x.duckdb", "/data/../data/./x.duckdb", True),
        ("duckdb:////data/x.duckdb", "duckdb:////data/y.duckdb", False),
        ("duckdb:///:memory:", "duckdb:///:memory:", False),
        ("sqlite:////data/x.db", "/data/x.db", True),
        ("sqlite:////data/x.db", "duckdb:////data/x.duckdb", False),
        ("postgresql+psycopg://u@localhost/f1", "postgresql+psycopg://v@127.0.0.1:5432/f1", True),
        ("postgresql+psycopg://u@localhost/f1", "postgresql://u@localhost/f1", True),
        ("postgresql+psycopg://u@localhost/f1", "postgresql+psycopg://u@localhost/out", False),
        ("postgresql+psycopg://u@localhost:5433/f1", "postgresql+psycopg://u@localhost/f1", False),
        ("postgresql+psycopg://u@/f1?host=/tmp/pg", "postgresql+psycopg://u@127.0.0.1/f1", True),
        ("postgresql+psycopg://u@localhost/f1", "duckdb:////data/f1.duckdb", False),
    ],
)
def test_same_database(a, b, same):
    assert same_database(a, b) is same and same_database(b, a) is same


def test_same_database_follows_symlinks(tmp_path):
    real = tmp_path / "real.duckdb"
    duckdb.connect(str(real)).close()
    (tmp_path / "link.duckdb").symlink_to(real)
    assert same_database(str(tmp_path / "link.duckdb"), f"duckdb:///{real}")


def test_kept_predictions_give_the_results_metrics(entity_run, link_run):
    """predictions.parquet of `train_task` holds the val/test predictions that were scored."""
    from rdl.metrics import METRICS
    from rdl.results import read_results

    for run, model, metric, kw in [
        (entity_run[1], "gnn", "roc_auc", {}),
        (link_run[1], "two-tower", "map_at_k", {"k": 2}),
    ]:
        results, kept = read_results(run), read_predictions(run)
        assert list(kept.columns[:4]) == ["split", "entity", "seed_time", "label"]
        for split in ("val", "test"):
            df = kept[kept["split"] == split]
            assert len(df) == results["splits"][split]
            label = [list(v) for v in df["label"]] if kw else df["label"].to_numpy()
            pred = np.stack(df[model].to_numpy()) if kw else df[model].to_numpy()
            assert METRICS[metric](label, pred, **kw) == pytest.approx(
                results["models"][model][split][metric]
            )


def test_predictions_equal_the_runs_kept_predictions(entity_run):
    url, run, cache = entity_run
    kept = read_predictions(run)
    at = kept.loc[kept["split"] == "val", "seed_time"].min()
    mine = kept[(kept["split"] == "val") & (kept["seed_time"] == at)]
    served = predict_at(run, url, at, cache_dir=cache).set_index("user_id")
    assert len(served) == 120 and len(mine) > 100
    np.testing.assert_allclose(served.loc[mine["entity"], "prediction"], mine["gnn"], rtol=1e-5)


def test_link_top_k_equal_the_runs_kept_rankings(link_run):
    url, run, cache = link_run
    kept = read_predictions(run)
    at = kept.loc[kept["split"] == "val", "seed_time"].min()
    mine = kept[(kept["split"] == "val") & (kept["seed_time"] == at)]
    served = predict_at(run, url, at, cache_dir=cache, task=UserItemBuy)
    assert list(served.columns) == ["user_id", "seed", "rank", "prediction"]
    # every user existing at `at`, ranks 1..eval_k
    users = connect(url)["users"]
    existing = users.upto(at).df if users.time_col else users.df
    assert sorted(served["user_id"].unique()) == sorted(existing["user_id"])
    assert set(served["rank"]) == {1, 2}
    for user, ranking in zip(mine["entity"], mine["two-tower"]):
        got = served[served["user_id"] == user].sort_values("rank")["prediction"].tolist()
        assert got == list(ranking)
    top3 = predict_at(run, url, at, cache_dir=cache, task=UserItemBuy, top_k=3)
    assert (
        len(top3) == 3 * len(existing)
        and top3.groupby("user_id")["prediction"].nunique().eq(3).all()
    )
    with pytest.raises(ValueError, match="top_k=9: choose 1 .. 5"):
        predict_at(run, url, at, cache_dir=cache, task=UserItemBuy, top_k=9)


def _predict(run, db, out, *extra, at="2020-10-01"):
    return CliRunner().invoke(
        app, ["predict", "--model", str(run), "--db", db, "--at", at, "--out", str(out), *extra]
    )


def test_predict_writes_a_table_and_keeps_the_source_safe(entity_run, tmp_path):
    url, run, cache = entity_run
    src = url.removeprefix("duckdb:///")
    target = tmp_path / "out.duckdb"
    res = _predict(run, url, target, "--cache-dir", str(cache))
    assert res.exit_code == 0, res.output
    con = duckdb.connect(str(target), read_only=True)
    df = con.sql("SELECT * FROM predictions").df()
    con.close()
    assert list(df.columns) == ["user_id", "date", "prediction", "model", "created_at"]
    assert len(df) == 120 and (df["date"] == pd.Timestamp("2020-10-01")).all()
    assert (df["model"] == "gnn:signal-positive").all() and df["created_at"].notna().all()
    # an existing table is not overwritten without --replace; --table writes another one
    res = _predict(run, url, target, "--cache-dir", str(cache))
    assert res.exit_code == 1 and "already has a table 'predictions'; pass --replace" in res.output
    assert _predict(run, url, target, "--replace", "--cache-dir", str(cache)).exit_code == 0
    assert _predict(run, url, target, "--table", "p2", "--cache-dir", str(cache)).exit_code == 0
    # the source database: refused unless --allow-write-source (also through a symlink)
    (tmp_path / "alias.duckdb").symlink_to(src)
    for out in (url, src, tmp_path / "alias.duckdb"):
        res = _predict(run, url, out, "--cache-dir", str(cache))
        assert res.exit_code == 1 and "pass --allow-write-source" in res.output, res.output
    assert "predictions" not in connect(url)
    res = _predict(run, url, url, "--allow-write-source", "--cache-dir", str(cache))
    assert res.exit_code == 0, res.output
    assert len(connect(url)["predictions"]) == 120
    # the model still serves on its source database with the new table in it
    res = _predict(run, url, tmp_path / "again.parquet", "--cache-dir", str(cache))
    assert res.exit_code == 0, res.output


def test_predict_to_files_and_sqlite(entity_run, tmp_path):
    url, run, cache = entity_run
    for name in ("p.parquet", "p.csv", "p.sqlite"):
        res = _predict(run, url, tmp_path / name, "--cache-dir", str(cache))
        assert res.exit_code == 0, res.output
    pq = pd.read_parquet(tmp_path / "p.parquet")
    csv = pd.read_csv(tmp_path / "p.csv")
    eng = sa.create_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    lite = pd.read_sql_table("predictions", eng)
    eng.dispose()
    for df in (pq, csv, lite):
        assert list(df.columns) == ["user_id", "date", "prediction", "model", "created_at"]
        np.testing.assert_allclose(df["prediction"], pq["prediction"], rtol=1e-6)
    res = _predict(run, url, tmp_path / "p.csv", "--cache-dir", str(cache))
    assert res.exit_code == 1 and "exists; pass --replace" in res.output


def test_predict_to_postgresql(entity_run, pg_url):
    url, run, cache = entity_run
    res = _predict(run, url, pg_url, "--table", "scores", "--cache-dir", str(cache))
    assert res.exit_code == 0, res.output
    eng = sa.create_engine(pg_url)
    df = pd.read_sql_table("scores", eng)
    eng.dispose()
    assert len(df) == 120 and df["prediction"].between(0, 1).all()
    res = _predict(run, url, pg_url, "--table", "scores", "--cache-dir", str(cache))
    assert res.exit_code == 1 and "pass --replace" in res.output
    with pytest.raises(WriteBackError, match="allow_write_source=True"):
        write_predictions_to(df, pg_url, source_url=pg_url.replace("127.0.0.1", "localhost"))


def test_link_predict_cli(link_run, tmp_path):
    url, run, cache = link_run
    res = _predict(
        run,
        url,
        tmp_path / "top.parquet",
        "--task",
        "tests/fixtures/shops.py:UserItemBuy",
        "--cache-dir",
        str(cache),
        at="2020-02-10",
    )
    assert res.exit_code == 0, res.output
    df = pd.read_parquet(tmp_path / "top.parquet")
    assert list(df.columns) == ["user_id", "seed", "rank", "prediction", "model", "created_at"]
    assert (
        len(df) % 2 == 0
        and df["rank"].max() == 2
        and (df["model"] == "two-tower:user-item-buy").all()
    )


@pytest.mark.parametrize(
    ("at", "phrase"),
    [
        ("2200-01-01", "years after the database's last row"),
        ("1900-01-01", "before the database's first"),
    ],
)
def test_a_prediction_time_outside_the_data_gets_a_note(entity_run, tmp_path, at, phrase):
    url, run, cache = entity_run
    res = _predict(run, url, tmp_path / "p.parquet", "--cache-dir", cache, at=at)
    assert res.exit_code == 0, res.output
    assert "note: prediction time" in res.output and phrase in res.output
    ok = _predict(run, url, tmp_path / "q.parquet", "--cache-dir", cache)  # control
    assert ok.exit_code == 0 and "note: prediction time" not in ok.output


def test_a_prediction_time_past_the_timestamp_range_is_refused(entity_run, tmp_path):
    url, run, cache = entity_run
    res = _predict(run, url, tmp_path / "p.parquet", "--cache-dir", cache, at="9999-01-01")
    assert res.exit_code == 1 and "outside the years" in res.output
    assert "bug in rdl" not in res.output


def test_a_database_without_the_models_tables_is_told_so(entity_run, tmp_path):
    url, run, cache = entity_run
    other = toy_db()
    other = rdl_db_without(other, "noise")
    target = f"duckdb:///{tmp_path / 'other.duckdb'}"
    to_url(other, target)
    res = _predict(run, target, tmp_path / "p.parquet", "--cache-dir", cache)
    assert res.exit_code == 1 and "was trained on a database with the tables" in res.output
    assert "--include" not in res.output


def rdl_db_without(db, table):
    from rdl import Database

    return Database({n: t for n, t in db.items() if n != table})
