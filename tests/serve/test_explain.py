"""``rdl explain``: on a toy database where exactly one table carries the signal, the
explanation ranks that table first — for one prediction and over a split — and the
control (the other table made the carrier) flips the ranking."""

from __future__ import annotations

import numpy as np
import pytest

from rdl.serve.explain import explain_prediction
from rdl.serve.explain_global import explain_global
from rdl.train import TrainConfig, train_task
from tests.fixtures.shops import UserItemBuy, link_shop
from tests.fixtures.toy_signal import signal_task, toy_db

# graph attribution is tested without seed inputs (the entity's aggregates would carry the
# carrier's signal too); a model with them is `test_seed_inputs_are_explained_too`
CFG = dict(
    epochs=3,
    channels=16,
    encoder_layers=1,
    num_neighbors=[6, 4],
    batch_size=64,
    text=False,
    seed=3,
    seed_features=[],
    blend=False,
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One model per carrier table, and one with attention pooling; each toy database
    written to a DuckDB file and read back (as ``rdl`` commands read it)."""
    from rdl import connect
    from rdl.db.write import to_url

    cache = tmp_path_factory.mktemp("cache")
    out = {}
    for carrier, pooling in [("signals", "seed"), ("noise", "seed"), ("signals", "attention")]:
        url = f"duckdb:///{tmp_path_factory.mktemp('db') / f'toy-{carrier}.duckdb'}"
        to_url(toy_db(carrier=carrier), url)
        db = connect(url)
        run = tmp_path_factory.mktemp(f"{carrier}-{pooling}")
        res = train_task(
            db,
            signal_task(carrier),
            TrainConfig(**CFG, pooling=pooling),
            run,
            baselines=False,
            progress=False,
            cache_dir=cache,
        )
        assert res["models"]["gnn"]["test"]["roc_auc"] > 0.9  # the model found the signal
        out[carrier, pooling] = (db, run, cache)
    return out


@pytest.mark.parametrize("carrier", ["signals", "noise"])
def test_the_carrier_table_ranks_first(trained, carrier):
    db, run, cache = trained[carrier, "seed"]
    other = {"signals": "noise", "noise": "signals"}[carrier]
    one = explain_prediction(run, db, 7, "2020-10-01", cache_dir=cache)
    assert one.tables["table"].iloc[0] == carrier
    assert one.tables["share"].sum() == pytest.approx(1.0)
    shares = one.tables.set_index("table")["share"]
    assert shares[carrier] > 0.5 and shares[carrier] > 5 * shares[other]
    # the top rows are the carrier's, dated before the seed time, with their keys
    top = one.rows.head(3)
    assert (top["table"] == carrier).all()
    assert (top["time"] <= np.datetime64("2020-10-01")).all()
    assert set(top["key"]) <= set(db[carrier].df[db[carrier].pkey_col])
    glob = explain_global(run, db, task=signal_task(carrier), cache_dir=cache)
    assert glob.tables["table"].iloc[0] == carrier and glob.num_seeds == 240
    assert glob.tables.set_index("table")["share"][carrier] > 0.5
    assert "gradient × input" in glob.method_text


def test_seed_inputs_are_explained_too(trained, tmp_path):
    """A model with seed inputs (the default: aggregates and past labels) is explained with
    them: its explained prediction is the one `predict_at` serves (within sampling and
    bf16 noise; control: without seed inputs the model refuses the batch) and they are
    scored as one more "table"."""
    from rdl.serve.explain import SEED_INPUTS
    from rdl.serve.predict import predict_at
    from rdl.train.entity import seed_input_fn

    db, _, cache = trained["signals", "seed"]
    cfg = {**CFG, "seed_features": ["aggregates", "past_labels"]}
    train_task(
        db,
        signal_task("signals"),
        TrainConfig(**cfg),
        tmp_path,
        baselines=False,
        progress=False,
        cache_dir=cache,
    )
    one = explain_prediction(tmp_path, db, 7, "2020-10-01", cache_dir=cache)
    served = predict_at(tmp_path, db, "2020-10-01", cache_dir=cache)
    served = served.set_index(served.columns[0])
    assert one.prediction == pytest.approx(served.loc[7, "prediction"], abs=5e-3)
    assert SEED_INPUTS in set(one.tables["table"])
    assert one.tables["share"].sum() == pytest.approx(1.0)
    from rdl.sampling import TemporalNeighborSampler, build_csc
    from rdl.sampling.loader import to_batch
    from rdl.serve.explain import attribute
    from rdl.serve.predict import load_entity_model

    _, _, graph, model, config = load_entity_model(tmp_path, db, cache, "explain")
    csc = build_csc(graph.num_nodes, graph.node_time, graph.edge_index)
    sub = TemporalNeighborSampler(csc, graph.num_nodes, graph.node_time, [6, 4]).sample(
        "users", graph.node_index("users", [7]), np.array([1_601_510_400])
    )
    with pytest.raises(ValueError, match="seed"):  # control: the bypassed helper matters
        attribute(model, graph, to_batch(sub, graph.node_time), "binary_classification")
    assert seed_input_fn.__doc__
    glob = explain_global(tmp_path, db, task=signal_task("signals"), cache_dir=cache)
    assert SEED_INPUTS in set(glob.tables["table"])


def test_attention_weights_where_the_pooling_has_them(trained):
    db, run, cache = trained["signals", "attention"]
    expl = explain_prediction(run, db, 7, "2020-10-01", method="attention", cache_dir=cache)
    assert expl.method == "attention" and "attention weights" in expl.method_text
    assert expl.tables["share"].sum() == pytest.approx(1.0, abs=1e-5)
    db_seed, run_seed, _ = trained["signals", "seed"]
    with pytest.raises(ValueError, match="no attention weights; use method='grad_x_input'"):
        explain_prediction(run_seed, db_seed, 7, "2020-10-01", method="attention", cache_dir=cache)


def test_bad_entity_and_link_models(trained, tmp_path):
    db, run, cache = trained["signals", "seed"]
    with pytest.raises(ValueError, match="entity=9999 is not a primary key of table 'users'"):
        explain_prediction(run, db, 9999, "2020-10-01", cache_dir=cache)

    train_task(
        link_shop(),
        UserItemBuy,
        TrainConfig(**{**CFG, "batch_size": 4}),
        tmp_path,
        baselines=False,
        progress=False,
        cache_dir=cache,
    )
    with pytest.raises(ValueError, match="link-prediction model .*`rdl explain` serves entity"):
        explain_prediction(tmp_path, link_shop(), 1, "2020-02-10", cache_dir=cache)


def test_explain_cli(trained, tmp_path):
    from typer.testing import CliRunner

    from rdl.cli import app

    db, run, cache = trained["signals", "seed"]
    url = db.url
    res = CliRunner().invoke(
        app,
        [
            "explain",
            "--model",
            str(run),
            "--db",
            url,
            "--entity",
            "7",
            "--at",
            "2020-10-01",
            "--cache-dir",
            str(cache),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "signals" in res.output and "gradient × input" in res.output
    png = run / "explain-7-2020-10-01.png"
    assert png.exists() and png.stat().st_size > 5000
    out = tmp_path / "g.png"
    res = CliRunner().invoke(
        app,
        [
            "explain",
            "--model",
            str(run),
            "--db",
            url,
            "--global",
            "--task",
            "tests/fixtures/toy_signal.py:SignalTask",
            "--out",
            str(out),
            "--cache-dir",
            str(cache),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "240 val seeds" in res.output and out.stat().st_size > 5000
    res = CliRunner().invoke(app, ["explain", "--model", str(run), "--db", url])
    assert res.exit_code == 2 and "give --entity KEY and --at TIMESTAMP" in res.output
