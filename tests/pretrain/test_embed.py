"""Row embeddings (`rdl.embed`, ``rdl embed``): the output layout, parquet and database
outputs (never the source database), and embeddings at ``t`` that ignore every row dated
after ``t`` (with a control: rows before ``t`` do change them)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import rdl
from rdl.cli import app
from rdl.db import Database, Table
from rdl.db.write import to_url
from rdl.pretrain import PretrainConfig, pretrain
from rdl.pretrain.embed import Embedder, EmbedOutputError
from rdl.train import TrainConfig, train_task
from rdl.train.init import InitError
from tests.fixtures.pretrain_toy import toy_database, user_kind_task

TINY = dict(
    channels=16,
    encoder_layers=1,
    num_neighbors=[16, 4],
    batch_size=32,
    text=False,
    precision="fp32",
    threads=1,
    seed=0,
)
AT = pd.Timestamp("2021-03-01")


@pytest.fixture(scope="module")
def backbone(tmp_path_factory):
    """A tiny backbone pretrained on the toy database read back from a DuckDB file."""
    out = tmp_path_factory.mktemp("pretrained")
    cache = tmp_path_factory.mktemp("cache")
    src = tmp_path_factory.mktemp("db") / "toy.duckdb"
    to_url(toy_database(num_users=16, events_per_user=30), str(src))
    db = rdl.connect(f"duckdb:///{src}")
    pretrain(
        db,
        "users",
        TrainConfig(epochs=1, max_steps_per_epoch=3, lr=0.003, **TINY),
        PretrainConfig(num_views=2, every_days=60),
        out,
        cache_dir=cache,
        progress=False,
    )
    return out, cache, db, src


def test_layout(backbone):
    out, cache, db, _ = backbone
    df = rdl.embed(out, db, AT, cache_dir=cache)
    assert list(df.columns) == ["user_id", "timestamp"] + [f"e_{i}" for i in range(16)]
    assert len(df) == 16 and sorted(df["user_id"]) == list(range(16))
    assert (df["timestamp"] == AT).all()
    assert all(df[f"e_{i}"].dtype == np.float32 for i in range(16))
    assert np.isfinite(df.iloc[:, 2:].to_numpy()).all()
    # several times: one block per time; a table with a time column: rows dated <= t only
    two = rdl.embed(out, db, [AT, AT + pd.Timedelta(days=90)], cache_dir=cache)
    assert len(two) == 32 and two["timestamp"].nunique() == 2
    ev = rdl.embed(out, db, AT, table="events", cache_dir=cache)
    assert list(ev.columns[:2]) == ["event_id", "timestamp"]
    assert len(ev) == int((db["events"].df["ts"] <= AT).sum())


def _with_events(db: Database, when: pd.Timestamp) -> Database:
    """``db`` plus 3 new events (new keys) per user dated ``when``, with new amounts/kinds."""
    tables = {
        n: Table(
            t.df.copy(), dict(t.fkey_col_to_pkey_table), t.pkey_col, t.time_col, dict(t.stypes)
        )
        for n, t in db.items()
    }
    ev = tables["events"].df
    users = db["users"].df["user_id"].to_numpy()
    new = pd.DataFrame(
        {
            "event_id": ev["event_id"].max() + 1 + np.arange(3 * len(users)),
            "user_id": np.repeat(users, 3),
            "ts": when,
            "amount": 9.0,
            "kind": "k7",
        }
    )
    tables["events"].df = pd.concat([ev, new], ignore_index=True)
    return Database(tables)


def test_embeddings_at_t_ignore_rows_after_t(backbone):
    out, cache, db, _ = backbone
    before = rdl.embed(out, db, AT, cache_dir=cache)
    later = rdl.embed(out, _with_events(db, AT + pd.Timedelta(seconds=1)), AT, cache_dir=cache)
    pd.testing.assert_frame_equal(before, later)
    # control: the same rows dated at t (visible) change every user's vector
    at_t = rdl.embed(out, _with_events(db, AT), AT, cache_dir=cache)
    diff = np.abs(before.iloc[:, 2:].to_numpy() - at_t.iloc[:, 2:].to_numpy()).max(axis=1)
    assert (diff > 1e-4).all()


def test_cli_parquet_and_database_outputs(backbone, tmp_path):
    out, cache, db, src = backbone
    runner = CliRunner()
    base = [
        "embed",
        "--model",
        str(out),
        "--db",
        str(src),
        "--at",
        str(AT.date()),
        "--cache-dir",
        str(cache),
    ]
    res = runner.invoke(app, base + ["--out", str(tmp_path / "e.parquet")])
    assert res.exit_code == 0, res.output
    pq = pd.read_parquet(tmp_path / "e.parquet")
    pd.testing.assert_frame_equal(pq, rdl.embed(out, db, AT, cache_dir=cache), check_dtype=False)
    target = tmp_path / "emb.duckdb"
    res = runner.invoke(app, base + ["--out", str(target)])
    assert res.exit_code == 0, res.output
    back = rdl.connect(f"duckdb:///{target}")["embeddings_users"].df
    assert list(back.columns) == list(pq.columns) and len(back) == len(pq)
    res = runner.invoke(app, base + ["--out", str(target)])  # exists: one paragraph, exit 1
    assert res.exit_code == 1 and "--replace" in res.output and "Traceback" not in res.output
    assert runner.invoke(app, base + ["--out", str(target), "--replace"]).exit_code == 0
    # never the source database
    res = runner.invoke(app, base + ["--out", f"duckdb:///{src}"])
    assert res.exit_code == 1 and "never writes to the source" in res.output
    assert set(rdl.connect(f"duckdb:///{src}")) == {"users", "events"}


def test_refuses_the_source_database_in_python(backbone, tmp_path):
    from rdl.pretrain.embed import write_embeddings

    df = pd.DataFrame({"k": [1], "timestamp": [AT], "e_0": [0.5]})
    with pytest.raises(EmbedOutputError, match="source database"):
        write_embeddings(
            df, str(tmp_path / "a.duckdb"), source=f"duckdb:///{tmp_path}/a.duckdb", table="x"
        )


def test_a_database_with_other_columns_is_one_clear_error(backbone):
    out, cache, db, _ = backbone
    other = toy_database(num_users=16, events_per_user=30)  # in memory: `ts` is no feature
    with pytest.raises(InitError, match=r"table 'events' has other feature columns.*\['ts'\]"):
        rdl.embed(out, other, AT, cache_dir=cache)


def test_embeddings_of_a_trained_model(backbone, tmp_path):
    _, cache, db, _ = backbone
    task = user_kind_task()
    train_task(
        db,
        task,
        TrainConfig(epochs=1, max_steps_per_epoch=2, **TINY),
        tmp_path,
        baselines=False,
        progress=False,
        cache_dir=cache,
    )
    emb = Embedder(tmp_path, db, cache_dir=cache)
    assert emb.kind == "model" and emb.default_table == "users"
    df = emb.at(AT)
    assert list(df.columns[:3]) == ["user_id", "timestamp", "e_0"] and df.shape == (16, 18)
    keyed = emb.seeds([3, 5, 3], [AT, AT, AT + pd.Timedelta(days=60)])
    assert keyed["user_id"].tolist() == [3, 5, 3] and keyed.shape == (3, 18)
    # seeded sampling: the same call gives the same vectors
    pd.testing.assert_frame_equal(keyed, emb.seeds([3, 5, 3], [AT, AT, AT + pd.Timedelta(days=60)]))
    # the entity model's readout differs from the pretrained backbone's
    pre = rdl.embed(backbone[0], db, AT, cache_dir=cache)
    assert not np.allclose(pre.iloc[:, 2:].to_numpy(), df.iloc[:, 2:].to_numpy())
