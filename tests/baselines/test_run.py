"""run_baselines, the results report and ``rdl baseline``: on a small shop database
(binary, regression, multiclass tasks) and end-to-end on rel-f1 driver-top3."""

from __future__ import annotations

import json

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from rdl import Table
from rdl.baselines import LightGBMBaseline, run_baselines
from rdl.cli import app
from rdl.report import print_results, results_table
from rdl.results import write_results
from tests.fixtures.shops import feature_shop

TASK_FILE = '''
import pandas as pd
from rdl.tasks import EntityTask, TaskType

START = pd.Timestamp("2021-01-01")


class OrdersSoon(EntityTask):
    name = "orders-soon"
    entity_table = "users"
    entity_col = "user_id"
    time_col = "t"
    target_col = "buys"
    task_type = TaskType.BINARY_CLASSIFICATION
    timedelta = pd.Timedelta(days=30)
    num_eval_timestamps = 3
    metrics = ["roc_auc", "average_precision", "accuracy"]
    val_timestamp = START + pd.Timedelta(days=300)
    test_timestamp = START + pd.Timedelta(days=400)
    sql = """
        SELECT t.timestamp AS t, u.user_id, CAST(count(o.order_id) > 0 AS INTEGER) AS buys
        FROM timestamp_df t CROSS JOIN users u
        LEFT JOIN orders o ON o.user_id = u.user_id AND o.ts > t.timestamp
                           AND o.ts <= t.timestamp + {timedelta}
        GROUP BY ALL
    """


class Spend(OrdersSoon):
    name = "spend"
    target_col = "spend"
    task_type = TaskType.REGRESSION
    metrics = ["mae", "rmse", "r2"]
    sql = """
        SELECT t.timestamp AS t, u.user_id, coalesce(sum(o.amount), 0.0) AS spend
        FROM timestamp_df t CROSS JOIN users u
        LEFT JOIN orders o ON o.user_id = u.user_id AND o.ts > t.timestamp
                           AND o.ts <= t.timestamp + {timedelta}
        GROUP BY ALL
    """


class Channel(OrdersSoon):
    name = "channel"
    target_col = "channel"
    task_type = TaskType.MULTICLASS_CLASSIFICATION
    timedelta = pd.Timedelta(days=60)
    metrics = ["multiclass_accuracy", "macro_f1"]
    sql = """
        SELECT t.timestamp AS t, o.user_id,
               CASE mode(o.channel) WHEN 'web' THEN 0 WHEN 'app' THEN 1 ELSE 2 END AS channel
        FROM timestamp_df t
        JOIN orders o ON o.ts > t.timestamp AND o.ts <= t.timestamp + {timedelta}
        GROUP BY ALL
    """


class Channels(Channel):
    name = "channels"
    target_col = "used"
    task_type = TaskType.MULTILABEL_CLASSIFICATION
    metrics = ["multilabel_auroc_macro", "multilabel_ap_micro"]
    sql = """
        SELECT t.timestamp AS t, o.user_id,
               [max(CAST(o.channel = 'web' AS INTEGER)),
                max(CAST(o.channel = 'app' AS INTEGER))] AS used
        FROM timestamp_df t
        JOIN orders o ON o.ts > t.timestamp AND o.ts <= t.timestamp + {timedelta}
        GROUP BY ALL
    """
'''


@pytest.fixture(scope="module")
def task_module(tmp_path_factory):
    from rdl.project import load_file

    path = tmp_path_factory.mktemp("tasks") / "shop_tasks.py"
    path.write_text(TASK_FILE)
    return path, load_file(path)


@pytest.fixture(scope="module")
def db():
    return feature_shop()


@pytest.fixture(scope="module")
def binary_result(db, task_module):
    return run_baselines(db, task_module[1].OrdersSoon(db))


def test_results_shape(binary_result, db, task_module):
    r = binary_result
    task = task_module[1].OrdersSoon(db)
    assert r["task"] == "orders-soon"
    assert r["splits"] == {s: len(task.get_table(s)) for s in ("train", "val", "test")}
    assert list(r["baselines"]) == [
        "random",
        "majority",
        "entity_mean",
        "lightgbm_entity",
        "lightgbm_aggregated",
    ]
    for name, entry in r["baselines"].items():
        assert (
            set(entry["val"]) == set(entry["test"]) == {"roc_auc", "average_precision", "accuracy"}
        )
        assert entry["fit_seconds"] >= 0
        for split in ("val", "test"):
            assert all(0.0 <= v <= 1.0 for v in entry[split].values()), (name, entry)
    assert r["baselines"]["majority"]["test"]["roc_auc"] == 0.5
    agg = r["baselines"]["lightgbm_aggregated"]
    assert agg["num_features"] > r["baselines"]["lightgbm_entity"]["num_features"] > 0
    assert agg["best_iteration"] >= 1 and agg["params"] in [
        dict(p) for p in LightGBMBaseline().grid
    ]


def test_test_targets_are_only_used_for_scoring(db, task_module, binary_result):
    """Shuffling the test labels changes test scores only, never val scores or fits."""
    base = task_module[1].OrdersSoon

    class Shuffled(base):
        def get_table(self, split, mask_input_cols=None):
            table = super().get_table(split, mask_input_cols)
            if split == "test" and mask_input_cols is False:
                df = table.df.copy()
                df[self.target_col] = np.random.default_rng(0).permutation(
                    df[self.target_col].to_numpy()
                )
                return Table(df, table.fkey_col_to_pkey_table, None, table.time_col)
            return table

    r = run_baselines(db, Shuffled(db))
    for name, entry in r["baselines"].items():
        assert entry["val"] == binary_result["baselines"][name]["val"], name
    assert any(
        entry["test"] != binary_result["baselines"][name]["test"]
        for name, entry in r["baselines"].items()
    )


def test_regression_and_multiclass(db, task_module):
    mod = task_module[1]
    reg = run_baselines(db, mod.Spend)  # a class is instantiated on db
    assert list(reg["baselines"]) == [
        "random",
        "global_mean",
        "global_median",
        "entity_mean",
        "lightgbm_entity",
        "lightgbm_aggregated",
    ]
    b = reg["baselines"]
    assert all(v["test"]["mae"] >= 0 for v in b.values())
    # the relational features carry the signal: past spend predicts future spend
    assert b["lightgbm_aggregated"]["val"]["mae"] < b["global_mean"]["val"]["mae"]
    multi = run_baselines(db, mod.Channel(db), baselines=["majority", "lightgbm_aggregated"])
    assert list(multi["baselines"]) == ["majority", "lightgbm_aggregated"]
    for entry in multi["baselines"].values():
        assert 0 <= entry["test"]["multiclass_accuracy"] <= 1
    labels = run_baselines(db, mod.Channels(db), baselines=["majority", "lightgbm_entity"])
    b = labels["baselines"]
    assert b["majority"]["test"]["multilabel_auroc_macro"] == 0.5  # constant per label
    assert 0 <= b["lightgbm_entity"]["test"]["multilabel_ap_micro"] <= 1


def test_bad_arguments(db, task_module):
    mod = task_module[1]
    with pytest.raises(ValueError, match="unknown baseline\\(s\\) \\['global_mean'\\]"):
        run_baselines(db, mod.OrdersSoon(db), baselines=["global_mean"])
    with pytest.raises(ValueError, match="different Database"):
        run_baselines(feature_shop(seed=1), mod.OrdersSoon(db))


def test_report_json_and_table(tmp_path, binary_result):
    r = json.loads(json.dumps(binary_result))
    r["baselines"]["majority"]["val"]["roc_auc"] = float("nan")
    path = write_results(r, tmp_path / "out")
    back = json.loads(path.read_text())
    assert path.name == "results.json"
    assert back["baselines"]["majority"]["val"]["roc_auc"] is None  # NaN -> null
    assert back["splits"] == binary_result["splits"]
    console = Console(record=True, width=200)
    print_results(back, console)
    text = console.export_text()
    for name in ["random", "majority", "entity_mean", "lightgbm_aggregated", "AUROC", "n/a"]:
        assert name in text
    assert results_table(back).row_count == 2 * len(back["baselines"])


def test_cli_baseline_with_a_task_file(tmp_path, db, task_module):
    from rdl.db.write import to_url

    url = f"duckdb:///{tmp_path / 'shop.duckdb'}"
    to_url(db, url)
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app,
        ["baseline", "--db", url, "--task", f"{task_module[0]}:OrdersSoon", "--out", str(out)],
        terminal_width=200,
    )
    assert res.exit_code == 0, res.output
    r = json.loads((out / "results.json").read_text())
    assert {"task", "db", "splits", "baselines"} <= set(r)
    assert r["task"] == f"{task_module[0]}:OrdersSoon" and r["db"] == url
    assert set(r["baselines"]["lightgbm_aggregated"]) >= {"val", "test", "fit_seconds"}
    assert "lightgbm_aggregated" in res.output and "wrote" in res.output


@pytest.mark.slow
def test_rel_f1_driver_top3_end_to_end(tmp_path, f1_duckdb):
    out = tmp_path / "top3"
    res = CliRunner().invoke(
        app,
        ["baseline", "--db", f1_duckdb, "--task", "rel-f1/driver-top3", "--out", str(out)],
        terminal_width=200,
    )
    assert res.exit_code == 0, res.output
    r = json.loads((out / "results.json").read_text())
    assert r["splits"] == {"train": 1353, "val": 588, "test": 726}
    b = r["baselines"]
    assert b["majority"]["test"]["roc_auc"] == 0.5
    # hand-built relational features beat RelBench's LightGBM (73.92 AUROC) by far
    assert b["lightgbm_aggregated"]["test"]["roc_auc"] > 0.85
    assert b["lightgbm_entity"]["test"]["roc_auc"] > 0.6
    assert r["total_seconds"] < 60
