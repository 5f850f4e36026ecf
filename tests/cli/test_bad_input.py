"""Bad input, command side (issue 10, items 4 and 5): options out of range (checked before
any work), tasks that do not exist or cannot train, ``rdl predict`` / ``rdl baseline``
misuse, and caches that are damaged or cannot be written. Error cases check the one
paragraph, the non-zero exit and the untouched source (`tests.fixtures.cli.assert_refused`); the
cache cases check that the run goes on with a note naming the file or directory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.fixtures.cli import TINY, assert_refused, digest, run
from tests.fixtures.shops import TASK_FILE, shop_file, task_file


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("world")
    return {"dir": d, "db": shop_file(d), "task": f"{task_file(d)}:WillOrder"}


def train_args(w, *extra):
    return ["train", "--db", w["db"], "--task", w["task"], *TINY, *extra]


# option -> (value, the words the paragraph must hold)
OPTIONS = [
    ("--epochs", "0", "option --epochs: epochs must be an integer >= 1 (got 0)"),
    ("--epochs", "-1", "option --epochs: epochs must be an integer >= 1 (got -1)"),
    ("--channels", "0", "option --channels: channels must be an integer >= 1"),
    ("--batch-size", "0", "option --batch-size: batch_size must be an integer >= 1"),
    (
        "--num-neighbors",
        "a,b",
        "option --num-neighbors 'a,b': write one integer >= -1 per GNN layer",
    ),
    ("--num-neighbors", "-2,4", "option --num-neighbors '-2,4'"),
    ("--num-neighbors", "", "option --num-neighbors ''"),
    ("--lr", "0", "option --lr: lr must be a finite number > 0 (got 0.0)"),
    ("--lr", "nan", "option --lr: lr must be a finite number > 0 (got nan)"),
    ("--lr", "inf", "option --lr: lr must be a finite number > 0 (got inf)"),
    ("--lr", "-0.1", "option --lr: lr must be a finite number > 0"),
    (
        "--pooling",
        "sum",
        "option --pooling: pooling 'sum' is not one of ['seed', 'mean', 'max', 'attention', 'adaptive', ",
    ),
    ("--gnn", "gcn", "option --gnn: gnn 'gcn' is not one of ['sage', 'gat', 'rn', 'hgt']"),
    (
        "--temporal-strategy",
        "random",
        "option --temporal-strategy: temporal_strategy 'random' is not one of ['uniform', 'last', 'mixed']",
    ),
    (
        "--precision",
        "fp16",
        "option --precision: precision 'fp16' is not one of ['auto', 'fp32', 'bf16']",
    ),
    (
        "--batch-order",
        "time",
        "option --batch-order: batch_order 'time' is not one of ['random', 'entity']",
    ),
    (
        "--model",
        "mlp",
        "option --model 'mlp' is not one of ['gnn', 'two-tower', 'idgnn', 'contextgnn']",
    ),
    (
        "--max-steps-per-epoch",
        "0",
        "option --max-steps-per-epoch: max_steps_per_epoch must be an integer >= 1",
    ),
    ("--patience", "0", "option --patience: patience must be an integer >= 1 or None"),
    ("--threads", "0", "option --threads: threads must be an integer >= 1 or None"),
    ("--entity-group-size", "-1", "option --entity-group-size must be >= 0"),
    ("--seed", "-1", "option --seed: seed must be an integer >= 0"),
]


@pytest.mark.parametrize("flag, value, words", OPTIONS, ids=[f"{f}={v}" for f, v, _ in OPTIONS])
def test_train_options_are_checked_before_any_work(world, tmp_path, flag, value, words):
    before = digest(world["db"])
    # the database does not even exist: the option is refused before it is opened
    args = train_args(world, flag, value, "--cache-dir", tmp_path / "cache")
    args[args.index("--db") + 1] = tmp_path / "not-opened.sqlite"
    result = run(*args)
    assert_refused(result, words)
    assert not (tmp_path / "cache").exists()  # no work was done
    assert digest(world["db"]) == before


def cases(w, tmp):
    """name -> (args, needles) of the remaining error cases."""
    out_file = tmp / "results"
    out_file.write_text("x")
    bad_syntax = task_file(tmp, "def broken(:\n", "broken.py")
    bad_schema = task_file(
        tmp, TASK_FILE + "\nSCHEMA = {'primary_key': {'users': 'id'}}\n", "bad_schema.py"
    )
    bad_sql = task_file(
        tmp,
        TASK_FILE.replace("o.created_at > t.timestamp", "o.ordered_at > t.timestamp"),
        "bad_sql.py",
    )
    empty_dir = tmp / "empty_model"
    empty_dir.mkdir()
    return {
        "train: --out is a file": (
            train_args(w, "--out", out_file),
            ["option --out", "is a file", "results.json and model.pt"],
        ),
        "train: task file missing": (
            ["train", "--db", w["db"], "--task", f"{tmp}/nope.py:X", *TINY],
            ["option --task", "nope.py' does not exist"],
        ),
        "train: no such built-in task": (
            ["train", "--db", w["db"], "--task", "shop/churn", *TINY],
            ["option --task 'shop/churn': no such task", "rel-f1/driver-dnf", "FILE.py:NAME"],
        ),
        "train: no such task in the file": (
            ["train", "--db", w["db"], "--task", w["task"].replace("WillOrder", "Churn"), *TINY],
            ["has no task 'Churn'", "Available: WillOrder"],
        ),
        "train: task file does not import": (
            ["train", "--db", w["db"], "--task", f"{bad_syntax}:X", *TINY],
            ["broken.py failed to import: SyntaxError"],
        ),
        "train: task file SCHEMA malformed": (
            ["train", "--db", w["db"], "--task", f"{bad_schema}:WillOrder", *TINY],
            ["SCHEMA in", "unknown schema key(s) ['primary_key']"],
        ),
        "train: task SQL names no column": (
            ["train", "--db", w["db"], "--task", f"{bad_sql}:WillOrder", *TINY],
            ["task 'will-order'", "ordered_at"],
        ),
        "train: entity table without a primary key": (
            train_args(w, "--no-pkey", "users"),
            ["entity_table 'users' has no primary key", "--pkey users=COLUMN"],
        ),
        "train: empty train split (an audit column as entity time)": (
            train_args(w, "--time-col", "users=updated_at"),
            [
                "the train split is empty: the label SQL made no rows",
                "users has none of its 20 rows dated by then (users.updated_at",
                "--no-time-col users",
            ],
        ),
        "train: link model on an entity task": (
            train_args(w, "--model", "idgnn"),
            ["model 'idgnn' is for link tasks", "trained with --model gnn"],
        ),
        "predict: no model.pt": (
            [
                "predict",
                "--model",
                empty_dir,
                "--db",
                w["db"],
                "--at",
                "2021-10-01",
                "--out",
                tmp / "p.parquet",
            ],
            ["model.pt not found", "rdl train --out"],
        ),
        "predict: --at is no time": (
            [
                "predict",
                "--model",
                empty_dir,
                "--db",
                w["db"],
                "--at",
                "next week",
                "--out",
                tmp / "p.parquet",
            ],
            ["option --at 'next week' is not a time"],
        ),
        "predict: --out folder missing": (
            [
                "predict",
                "--model",
                empty_dir,
                "--db",
                w["db"],
                "--at",
                "2021-10-01",
                "--out",
                tmp / "no" / "p.parquet",
            ],
            ["option --out", "does not exist"],
        ),
        "predict: --out is a directory": (
            ["predict", "--model", empty_dir, "--db", w["db"], "--at", "2021-10-01", "--out", tmp],
            ["option --out", "is a directory"],
        ),
        "baseline: unknown --only": (
            ["baseline", "--db", w["db"], "--task", w["task"], "--only", "xgboost"],
            ["option --only: unknown baseline(s) ['xgboost']", "lightgbm_entity"],
        ),
        "baseline: task file missing": (
            ["baseline", "--db", w["db"], "--task", f"{tmp}/nope.py:X"],
            ["option --task", "does not exist"],
        ),
        "baseline: bad schema flag": (
            ["baseline", "--db", w["db"], "--task", w["task"], "--stype", "users.tier=color"],
            ["unknown stype 'color'"],
        ),
        "datasets: unknown recipe": (
            ["datasets", "build", "rel-f2", "--out", tmp / "f2.duckdb"],
            ["no dataset recipe 'rel-f2'", "known: ['berka', 'intl-football'", "RDL_DATASETS_PATH"],
        ),
        "inspect: --write-schema into a missing folder": (
            ["inspect", w["db"], "--write-schema", tmp / "no" / "s.toml"],
            ["option --write-schema", "s.toml", "does not exist"],
        ),
    }


CASE_NAMES = list(
    cases(
        {"db": "x", "task": "t.py:WillOrder"},
        __import__("pathlib").Path(__import__("tempfile").mkdtemp()),
    )
)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_bad_command_input(world, tmp_path, name):
    args, needles = cases(world, tmp_path)[name]
    before = digest(world["db"])
    result = run(*args, "--cache-dir", tmp_path / "cache") if args[0] == "train" else run(*args)
    assert_refused(result, *needles, sources=(world["db"],), digests=(before,))


# ---- caches: the run goes on, with a note ---------------------------------------------------
def test_unwritable_cache_directory_is_a_note_naming_it(world, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    result = run(*train_args(world, "--cache-dir", blocker / "cache"))
    assert result.exit_code == 0, result.output
    assert "note: cannot write the cache directory" in result.output
    assert str(blocker / "cache") in result.output and "RDL_CACHE_DIR" in result.output
    assert "--cache-dir" in result.output and "Traceback" not in result.output


def test_damaged_graph_cache_is_rebuilt_with_a_note(world, tmp_path):
    cache = tmp_path / "cache"
    first = run(*train_args(world, "--cache-dir", cache, "--out", tmp_path / "a"))
    assert first.exit_code == 0, first.output
    (entry,) = cache.glob("graph-*.rdlc")
    entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])  # truncated
    second = run(*train_args(world, "--cache-dir", cache, "--out", tmp_path / "b"))
    assert second.exit_code == 0, second.output
    assert f"note: cache entry {entry} is bad: no rdl cache footer" in second.output
    assert "rebuilding it" in second.output and entry.exists()  # rebuilt
    a = pd.read_json(tmp_path / "a" / "results.json", typ="series")["models"]["gnn"]["test"]
    b = pd.read_json(tmp_path / "b" / "results.json", typ="series")["models"]["gnn"]["test"]
    assert a == b  # the rebuilt graph trains the same model


def test_train_then_predict_from_the_cli_alone(world, tmp_path):
    """The happy path the errors guard: the checkpoint keeps the schema, predict reuses it."""
    out = tmp_path / "run"
    r = run(
        *train_args(
            world,
            "--cache-dir",
            tmp_path / "c",
            "--out",
            out,
            "--exclude-column",
            "users.updated_at",
        )
    )
    assert r.exit_code == 0, r.output
    p = run(
        "predict",
        "--model",
        out,
        "--db",
        world["db"],
        "--at",
        "2021-10-01",
        "--out",
        tmp_path / "p.parquet",
        "--cache-dir",
        tmp_path / "c",
    )
    assert p.exit_code == 0, p.output
    pred = pd.read_parquet(tmp_path / "p.parquet")
    assert len(pred) == 20 and np.isfinite(pred["prediction"]).all()


def test_ctrl_c_is_one_line_and_exit_130(world, monkeypatch):
    import rdl.db.describe

    def interrupted(db):
        raise KeyboardInterrupt

    monkeypatch.setattr(rdl.db.describe, "describe", interrupted)
    before = digest(world["db"])
    result = run("inspect", world["db"])
    assert result.exit_code == 130
    assert "error: interrupted; nothing more was written." in result.output
    assert "Traceback" not in result.output and digest(world["db"]) == before
