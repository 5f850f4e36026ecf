"""jaffle-shop: the raw files' traps (cents, a supply id that is no key, stores opening
after the data), the schema a built file reads back with, the task splits and labels
recomputed by hand, the leakage rule, and a tiny training run on 100 customers."""

from __future__ import annotations

import pytest

from rdl.project import load_recipe
from rdl.tasks import load_task
from tests.fixtures.panel import (
    cli_build_and_inspect,
    leakage_rule_holds,
    reads_back,
    split_sizes,
    tiny_train,
    window,
)

ALLOWED = frozenset({("orders", "order_total")})


@pytest.fixture(scope="module")
def shop():
    return load_recipe("jaffle-shop").build_database()


def test_recipe_handles_the_raw_files(shop):
    from rdl.datasets.jaffle_shop import SOURCE_DIR, _read

    assert {n: len(t.df) for n, t in shop.items()} == {
        "stores": 4,
        "customers": 500,
        "products": 10,
        "product_supplies": 65,
        "orders": 81084,
        "order_items": 116714,
        "tweets": 25768,
    }
    raw = _read(SOURCE_DIR, "orders").set_index("id")
    o = shop["orders"].df.set_index("order_id")
    assert o.loc[1, "order_total"] == pytest.approx(raw.loc[1, "order_total"] / 100)
    assert not _read(SOURCE_DIR, "supplies")["id"].is_unique
    assert shop["products"].df.set_index("sku").loc["JAF-001", "price"] == 11.0
    # a customer's time is their first order, at their store
    c = shop["customers"].df.set_index("customer_id")
    first = shop["orders"].df.sort_values("ordered_at").groupby("customer_id").first()
    assert (c["first_order_at"] == first["ordered_at"]).all()
    assert (c["store_id"] == first["store_id"]).all()


def test_cli_builds_and_inspects(tmp_path, shop):
    rows = sum(len(t.df) for t in shop.values())
    cli_build_and_inspect("jaffle-shop", tmp_path / "cli.duckdb", rows)


def test_built_file_reads_back(shop, tmp_path):
    reads_back(shop, tmp_path / "shop.duckdb")


def test_customer_tasks_splits_labels_and_leakage(shop):
    jaffle = load_task("jaffle-shop/customer-jaffle", shop)
    assert split_sizes(jaffle) == {
        "train": (7099, 0.522),
        "val": (1293, 0.555),
        "test": (1784, 0.458),
    }
    leakage_rule_holds(jaffle, shop, ALLOWED)
    spend = load_task("jaffle-shop/customer-spend", shop)
    test = spend.get_table("test", mask_input_cols=False).df
    assert len(test) == 1243 and (test["spend"] >= 0).all()
    orders = shop["orders"].df
    for _, row in test.sort_values(["timestamp", "customer_id"]).head(3).iterrows():
        mine = window(
            orders[orders["customer_id"] == row["customer_id"]], "ordered_at", row["timestamp"], 30
        )
        assert row["spend"] == pytest.approx(mine["order_total"].sum())
    jt = jaffle.get_table("test", mask_input_cols=False).df.iloc[0]
    items = shop["order_items"].df.merge(orders[["order_id", "customer_id"]])
    mine = window(
        items[items["customer_id"] == jt["customer_id"]], "ordered_at", jt["timestamp"], 14
    )
    assert jt["buys_jaffle"] == int(mine["sku"].str.startswith("JAF").any())


def test_tiny_training_run(tmp_path):
    small = load_recipe("jaffle-shop").build_database(customers=100)
    url = reads_back(small, tmp_path / "small.duckdb")
    tiny_train(url, "jaffle-shop/customer-jaffle", tmp_path / "run")
