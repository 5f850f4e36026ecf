"""Schema options everywhere (issue 10, item 2): flags and schema files parsed into
`rdl.connect` arguments, their precedence (task file ``SCHEMA`` < ``--schema`` < flags),
the same options on every command, the checkpoint keeping the schema for ``rdl predict``,
and options checked before any work."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import torch

import rdl
from rdl.db import SchemaError
from rdl.db.schema_file import check_schema, load_schema, merge_schemas, parse_flags
from tests.fixtures.cli import TINY, run
from tests.fixtures.shops import TASK_FILE, shop_file, task_file


def test_flags_parse_into_connect_arguments():
    s = parse_flags(
        pkey=["users=Id", "lines=order_id,line"],
        no_pkey=["votes"],
        fkey=[
            "orders.buyerId=users",
            "flights.origin=airports.code",
            "games.year,league=seasons",
            "archive.orders.user_id=users",
        ],
        no_fkey=["orders.note_id"],
        time_col=["orders=ordered_at", "season_stats.year:year-end", "pay=paid:%d/%m/%Y %H:%M"],
        no_time_col=["products"],
        time_format=["users.born=%d.%m.%Y"],
        stype=["users.zip=categorical"],
        include=["users"],
        exclude=["logs"],
        exclude_column=["users.Reputation"],
        infer_fkeys=False,
    )
    assert s["primary_keys"] == {"users": "Id", "lines": ["order_id", "line"], "votes": None}
    assert s["foreign_keys"] == {
        "orders": {"buyerId": "users", "note_id": None},
        "flights": {"origin": "airports.code"},
        "games": {"year,league": "seasons"},
        "archive.orders": {"user_id": "users"},
    }
    assert s["time_cols"] == {
        "orders": "ordered_at",
        "season_stats": "year",
        "pay": "paid",
        "products": None,
    }
    assert s["time_formats"] == {
        "season_stats.year": "year-end",
        "pay.paid": "%d/%m/%Y %H:%M",
        "users.born": "%d.%m.%Y",
    }
    assert s["stypes"] == {"users.zip": "categorical"}
    assert (s["include"], s["exclude"], s["exclude_columns"], s["infer_foreign_keys"]) == (
        ["users"],
        ["logs"],
        ["users.Reputation"],
        False,
    )


def test_schema_file_reads_the_documented_keys(tmp_path):
    p = tmp_path / "schema.toml"
    p.write_text("""
include = ["users", "posts"]
exclude_columns = ["users.Reputation"]
[primary_keys]
users = "Id"
votes = ""
lines = ["order_id", "line"]
[foreign_keys.posts]
OwnerUserId = "users"
ticket = ""
[time_cols]
posts = "CreationDate"
users = ""
season_stats = "year:year-end"
[time_formats]
"pay.paid" = "%d/%m/%Y"
[stypes]
"users.zip" = "categorical"
""")
    s = load_schema(p)
    assert s["primary_keys"] == {"users": "Id", "votes": None, "lines": ["order_id", "line"]}
    assert s["foreign_keys"] == {"posts": {"OwnerUserId": "users", "ticket": None}}
    assert s["time_cols"] == {"posts": "CreationDate", "users": None, "season_stats": "year"}
    assert s["time_formats"] == {"season_stats.year": "year-end", "pay.paid": "%d/%m/%Y"}
    assert s["include"] == ["users", "posts"] and s["exclude_columns"] == ["users.Reputation"]


def test_later_sources_win_per_table_and_column():
    task = check_schema(
        {"primary_keys": {"users": "id", "orders": "id"}, "stypes": {"users.tier": "ignore"}},
        "task",
        complete=False,
    )
    file = check_schema(
        {"primary_keys": {"users": "uid"}, "exclude_columns": ["users.a"]}, "file", complete=False
    )
    flags = parse_flags(stype=["users.tier=categorical"], exclude_column=["users.b"])
    m = merge_schemas(task, file, flags)
    assert m["primary_keys"] == {"users": "uid", "orders": "id"}
    assert m["stypes"] == {"users.tier": "categorical"}
    assert m["exclude_columns"] == ["users.a", "users.b"]


@pytest.mark.parametrize(
    "bad, words",
    [
        ({"time_formats": {"t.c": "weekly"}}, "unknown time reading 'weekly'"),
        ({"stypes": {"t.c": "blob"}}, "unknown stype 'blob'"),
        ({"primary_keys": {"t": 3}}, "primary_keys.t = 3 is not valid here"),
        ({"infer_foreign_keys": "yes"}, "infer_foreign_keys must be true or false"),
        ({"exclude_columns": ["users"]}, "exclude_columns entry 'users' must be 'table.column'"),
    ],
)
def test_schema_values_are_checked(bad, words):
    with pytest.raises(SchemaError, match=words.replace("(", r"\(").replace(")", r"\)")):
        check_schema(bad, "here")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("w")
    return {"dir": d, "db": shop_file(d), "task": task_file(d)}


@pytest.mark.parametrize("command", ["inspect", "train", "predict", "baseline"])
def test_every_command_that_opens_a_database_has_the_schema_options(command):
    out = run(command, "--help").output
    for flag in (
        "--schema",
        "--pkey",
        "--no-pkey",
        "--fkey",
        "--no-fkey",
        "--time-col",
        "--no-time-col",
        "--time-format",
        "--stype",
        "--include",
        "--exclude",
        "--exclude-column",
        "--no-infer-fkeys",
    ):
        assert flag in out, (command, flag)


def test_flags_reach_inspect(world):
    info = json.loads(
        run(
            "inspect",
            world["db"],
            "--json",
            "--no-time-col",
            "orders",
            "--stype",
            "users.tier=ignore",
            "--exclude-column",
            "users.updated_at",
        ).output
    )
    assert info["tables"]["orders"]["time_col"] is None
    assert "tier" not in info["tables"]["users"]["stypes"]
    assert "updated_at" not in info["tables"]["users"]["stypes"]


def test_task_file_schema_flags_and_checkpoint(world, tmp_path):
    """The task file drops a column, a flag changes a stype; the checkpoint keeps both and
    rdl predict serves the model without repeating them; a schema at predict time that
    changes the features is refused with one paragraph."""
    tf = task_file(tmp_path, TASK_FILE + "\nSCHEMA = {'exclude_columns': ['users.updated_at']}\n")
    out = tmp_path / "run"
    r = run(
        "train",
        "--db",
        world["db"],
        "--task",
        f"{tf}:WillOrder",
        *TINY,
        "--stype",
        "users.tier=ignore",
        "--cache-dir",
        tmp_path / "c",
        "--out",
        out,
    )
    assert r.exit_code == 0, r.output
    schema = torch.load(out / "model.pt", weights_only=False)["schema"]
    assert schema["exclude_columns"] == ["users.updated_at"]
    assert schema["stypes"]["users.tier"] == "ignore"
    assert schema["primary_keys"] == {"orders": "id", "users": "id"}
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
    assert len(pd.read_parquet(tmp_path / "p.parquet")) == 20
    bad = run(
        "predict",
        "--model",
        out,
        "--db",
        world["db"],
        "--at",
        "2021-10-01",
        "--out",
        tmp_path / "q.parquet",
        "--stype",
        "users.tier=categorical",
    )
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    assert "was trained on other features than this database gives: users" in bad.output
    assert not (tmp_path / "q.parquet").exists()
    # the library path: train_task on a URL reads the task file's SCHEMA too
    from rdl.train import TrainConfig, train_task

    res = train_task(
        str(world["db"]),
        f"{tf}:WillOrder",
        TrainConfig(
            epochs=1,
            channels=8,
            num_neighbors=[4, 2],
            batch_size=64,
            max_steps_per_epoch=1,
            text=False,
            precision="fp32",
        ),
        baselines=False,
        progress=False,
        cache_dir=tmp_path / "c",
    )
    assert not any(s["column"] == "updated_at" for s in res["leakage_suspects"])


def test_debug_per_command_and_globally(world, tmp_path):
    for args in (
        ["--debug", "train", "--db", world["db"], "--task", "x.py:T", "--epochs", "0"],
        ["train", "--db", world["db"], "--task", "x.py:T", "--epochs", "0", "--debug"],
    ):
        r = run(*args)
        assert r.exit_code != 0 and type(r.exception).__name__ == "ConfigError"


def test_connect_pinned_schema_reproduces_the_database(world):
    db = rdl.connect(f"sqlite:///{world['db']}")
    again = rdl.connect(f"sqlite:///{world['db']}", **db.schema)
    assert again.equals(db) and again.schema == db.schema
