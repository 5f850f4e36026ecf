"""TPC-H end to end at SF 0.01: the recipe (``rdl datasets build tpch --scale``), its tasks,
and training in memory and out of core giving identical predictions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from rdl.cli import app
from rdl.runtime.storage import open_for_training
from rdl.train import TrainConfig
from rdl.train.job import resolve_task, run_task

pytest.importorskip("duckdb")
ROWS = {
    "region": 5,
    "nation": 25,
    "supplier": 100,
    "customer": 1500,
    "part": 2000,
    "partsupp": 8000,
    "orders": 15000,
    "lineitem": 60175,
}


@pytest.fixture(scope="module")
def tpch(tmp_path_factory):
    from rdl.datasets.tpch import generator

    try:
        generator()
    except FileNotFoundError as e:
        if __import__("os").environ.get("CI"):
            raise
        pytest.skip(str(e))
    d = tmp_path_factory.mktemp("tpch")
    for name, extra in (("keys", []), ("nokeys", ["--no-constraints"])):
        res = CliRunner().invoke(
            app,
            [
                "datasets",
                "build",
                "tpch",
                "--scale",
                "0.01",
                "--out",
                str(d / f"{name}.duckdb"),
                *extra,
            ],
        )
        assert res.exit_code == 0, res.output
        assert "8 tables, 86,805 rows" in res.output
    return str(d / "keys.duckdb"), str(d / "nokeys.duckdb")


def test_recipe_writes_tpch_with_its_keys(tpch):
    import duckdb

    con = duckdb.connect(tpch[0], read_only=True)
    try:
        rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ROWS}
        cons = con.execute(
            "SELECT table_name, constraint_type, constraint_column_names "
            "FROM duckdb_constraints() WHERE constraint_type IN "
            "('PRIMARY KEY', 'FOREIGN KEY')"
        ).fetchall()
    finally:
        con.close()
    assert rows == ROWS
    assert ("lineitem", "PRIMARY KEY", ["l_orderkey", "l_linenumber"]) in cons
    assert ("lineitem", "FOREIGN KEY", ["l_partkey", "l_suppkey"]) in cons
    assert sum(c[1] == "FOREIGN KEY" for c in cons) == 10
    res = CliRunner().invoke(
        app, ["datasets", "build", "tpch", "--scale", "0.01", "--out", tpch[0]]
    )
    # refused in one paragraph naming the flag (the CLI's error handler; no traceback)
    assert res.exit_code != 0 and "--replace" in res.output and "Traceback" not in res.output


def test_task_schema_gives_the_keys_of_a_database_built_without_constraints(tpch):
    with_keys, _, _ = open_for_training(tpch[0], "tpch/customer-reorder", "disk")
    without, _, _ = open_for_training(tpch[1], "tpch/customer-reorder", "disk")
    for name in ROWS:
        a, b = with_keys[name], without[name]
        assert (a.pkey_col, a.time_col, a.stypes) == (b.pkey_col, b.time_col, b.stypes)
        assert list(a.fkey_col_to_pkey_table.items()) == list(b.fkey_col_to_pkey_table.items())
    assert with_keys["lineitem"].fkey_col_to_pkey_table["_rdl_fkey_partsupp"] == "partsupp"
    assert with_keys["lineitem"].time_col == "l_shipdate"


@pytest.mark.parametrize("spec", ["tpch/customer-reorder", "tpch/customer-parts"])
def test_task_tables_equal_in_memory_and_out_of_core(tpch, spec):
    tables = {}
    for storage in ("memory", "disk"):
        db, _, _ = open_for_training(tpch[0], spec, storage)
        task, _ = resolve_task(spec, db)
        tables[storage] = {
            s: task.get_table(s, mask_input_cols=False).df for s in ("train", "val", "test")
        }
    for s in ("train", "val", "test"):
        pd.testing.assert_frame_equal(tables["memory"][s], tables["disk"][s])
    train = tables["disk"]["train"]
    assert train["timestamp"].nunique() == 22 and len(tables["disk"]["val"]) > 100
    if spec.endswith("reorder"):
        assert 0.3 < train["reorder"].mean() < 0.6  # uniform data: ~43 % order again


def test_training_in_memory_and_out_of_core_predicts_identically(tpch, tmp_path):
    preds = {}
    for storage in ("memory", "disk"):
        cfg = TrainConfig(
            epochs=1,
            channels=8,
            num_neighbors=[4, 2],
            batch_size=256,
            max_steps_per_epoch=4,
            text=False,
            storage=storage,
            threads=1,
            precision="fp32",
            seed=1,
        )
        run = run_task(
            tpch[0],
            "tpch/customer-reorder",
            cfg,
            baselines=False,
            progress=False,
            cache_dir=tmp_path / storage,
        )
        assert run.results["storage"] == storage
        preds[storage] = run.predictions
    assert np.unique(preds["disk"]["test"]).size > 10  # real, varied predictions
    for split in ("val", "test"):
        np.testing.assert_array_equal(preds["memory"][split], preds["disk"][split])
