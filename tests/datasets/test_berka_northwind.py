"""The berka and northwind recipes and tasks: the raw files' traps, the schema a built file
reads back with, split sizes, and that berka's loan status never reaches a model input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from rdl import Database, Table
from rdl.db import connect
from rdl.db.write import to_url
from rdl.graph import build_graph
from rdl.project import load_recipe
from rdl.tasks import load_task
from rdl.train import TrainConfig
from rdl.train.entity import EntityTrainer
from rdl.train.seeds import make_seeds


@pytest.fixture(scope="module")
def berka():
    return load_recipe("berka").build_database()


@pytest.fixture(scope="module")
def northwind():
    return load_recipe("northwind").build_database()


def test_berka_traps(berka):
    from rdl.datasets.berka import birth_date_and_sex, yymmdd

    assert yymmdd(pd.Series([930705, 981231])).tolist() == [
        pd.Timestamp("1993-07-05"),
        pd.Timestamp("1998-12-31"),
    ]
    born, sex = birth_date_and_sex(pd.Series(["706213", "450204"]))
    assert born.tolist() == [pd.Timestamp("1970-12-13"), pd.Timestamp("1945-02-04")]
    assert sex.tolist() == ["F", "M"]
    with pytest.raises(ValueError, match="YYMMDD"):
        yymmdd(pd.Series([931340]))
    assert {n: len(t.df) for n, t in berka.items()} == {
        "district": 77,
        "account": 4500,
        "client": 5369,
        "disp": 5369,
        "card": 892,
        "loan": 682,
        "loan_status": 682,
    }
    assert berka["card"].df["issued_date"].max() == pd.Timestamp("1998-12-29")
    assert berka["district"].df["unemployment_1995"].isna().sum() == 1  # "?" is NULL
    assert "status" not in berka["loan"].df.columns
    assert not berka["loan_status"].fkey_col_to_pkey_table  # an island: no edge reaches it


@pytest.mark.parametrize("name", ["berka", "northwind"])
def test_a_built_file_reads_back_with_the_recipes_schema(name, tmp_path, request):
    db = request.getfixturevalue(name)
    url = f"duckdb:///{tmp_path / name}.duckdb"
    to_url(db, url)
    back = connect(url)
    assert sorted(back) == sorted(db)
    for table, t in db.items():
        b = back[table]
        assert (b.pkey_col, b.time_col, dict(b.fkey_col_to_pkey_table)) == (
            t.pkey_col,
            t.time_col,
            dict(t.fkey_col_to_pkey_table),
        ), table
        assert len(b.df) == len(t.df)


def _task_sizes(task):
    out = []
    for split in ("train", "val", "test"):
        df = task.get_table(split, mask_input_cols=False).df
        out.append(
            (
                len(df),
                int(df[task.target_col].sum())
                if task.target_col in ("defaulted", "churn")
                else None,
            )
        )
    return out


def test_berka_loan_default_splits(berka):
    task = load_task("berka/loan-default", berka)
    assert _task_sizes(task) == [(254, 41), (121, 10), (139, 19)]
    test = task.get_table("test", mask_input_cols=False).df
    assert test["timestamp"].min() >= task.test_timestamp
    assert test["timestamp"].max() <= pd.Timestamp("1997-12-31")


def _flip_status(db: Database) -> Database:
    t = db["loan_status"]
    df = t.df.copy()
    df["status"] = df["status"].map({"A": "D", "B": "C", "C": "B", "D": "A"})
    tables = dict(db.items())
    tables["loan_status"] = Table(df, t.fkey_col_to_pkey_table, t.pkey_col, t.time_col, t.stypes)
    return Database(tables)


def test_berka_loan_status_never_reaches_a_model_input(berka, tmp_path):
    task = load_task("berka/loan-default", berka)
    # the graph's inputs (seed features: tests/train/test_seed_features.py)
    cfg = TrainConfig(
        epochs=1,
        channels=8,
        encoder_layers=1,
        num_neighbors=[8, 4],
        text="none",
        seed=0,
        seed_features=[],
        blend=False,
    )
    cut = task.input_db("relbench")
    graph = build_graph(
        cut, text="none", stats_until=task.test_timestamp, use_cache=False, progress=False
    )
    assert not [et for et in graph.edge_types if "loan_status" in (et[0], et[2])]
    train = make_seeds(task, task.get_table("train"), graph)
    trainer = EntityTrainer(task, graph, cfg, train.y)
    trainer.fit(train, make_seeds(task, task.get_table("val"), graph), progress=False)
    state = trainer.model.state_dict()
    rows = task.get_table("val").df

    def predict(db):
        g = build_graph(db, text="none", col_stats=graph.col_stats, progress=False)
        tr = EntityTrainer(task, g, cfg, train.y)
        tr.model.load_state_dict(state)
        return tr.predict(_seeds(task, rows, g))

    base = predict(cut)
    np.testing.assert_array_equal(predict(_flip_status(cut)), base)
    # control: the accounts' own columns do reach the model
    acc = cut["account"]
    df = acc.df.copy()
    df["frequency"] = np.where(df["frequency"] == "monthly", "weekly", "monthly")
    tables = dict(cut.items())
    tables["account"] = Table(
        df, acc.fkey_col_to_pkey_table, acc.pkey_col, acc.time_col, acc.stypes
    )
    assert not np.allclose(predict(Database(tables)), base)


def _seeds(task, rows, graph):
    from rdl.train.seeds import Seeds, to_seconds

    node = graph.node_index(task.entity_table, rows[task.entity_col].to_numpy())
    return Seeds(node, to_seconds(rows[task.time_col]), torch.zeros(len(rows)), rows)


def test_northwind_script_and_recipe(northwind):
    from rdl.datasets.northwind import SOURCE_DIR, read_script

    raw = read_script(SOURCE_DIR / "northwind.sql")
    assert {n: len(df) for n, df in raw.items() if len(df)} == {
        "categories": 8,
        "customers": 91,
        "employee_territories": 49,
        "employees": 9,
        "order_details": 2155,
        "orders": 830,
        "products": 77,
        "region": 4,
        "shippers": 6,
        "suppliers": 29,
        "territories": 53,
        "us_states": 51,
    }
    orders = northwind["orders"].df
    assert "shipped_date" not in orders.columns and "freight" not in orders.columns
    ship = northwind["shipments"]
    assert len(ship.df) == 809 and ship.time_col == "shipped_date"  # 21 never shipped
    assert (
        ship.df["shipped_date"]
        .ge(orders.set_index("order_id").loc[ship.df["order_id"], "order_date"].to_numpy())
        .all()
    )
    for col in ("unit_price", "units_in_stock", "units_on_order", "discontinued"):
        assert col not in northwind["products"].df.columns
    assert northwind["order_details"].df["order_detail_id"].is_unique


def test_northwind_task_splits(northwind):
    churn = load_task("northwind/customer-churn", northwind)
    assert [n for n, _ in _task_sizes(churn)] == [727, 171, 213]
    spend = load_task("northwind/customer-spend", northwind)
    test = spend.get_table("test", mask_input_cols=False).df
    assert len(test) == 213 and (test["spend"] >= 0).all() and (test["spend"] > 0).any()
    # spend of a window = the order lines of the customer's orders in (t, t + 30 days]
    d = northwind["order_details"].df.merge(northwind["orders"].df[["order_id", "customer_id"]])
    row = test[test["spend"] > 0].iloc[0]
    t = row["timestamp"]
    lines = d[
        (d["customer_id"] == row["customer_id"])
        & (d["order_date"] > t)
        & (d["order_date"] <= t + pd.Timedelta(days=30))
    ]
    want = (lines["unit_price"] * lines["quantity"] * (1 - lines["discount"])).sum()
    assert row["spend"] == pytest.approx(want, rel=1e-4)
