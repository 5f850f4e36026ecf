"""Databases of the shapes real exports have (`tests/fixtures/shapes.py`): rdl finds declared keys,
``Id``-style and role-named keys, keys with dangling values and candidate primary keys,
lists the near misses with their coverage, picks time columns by rule, audits leakage;
and ``rdl train`` / ``rdl predict`` run from the CLI alone, with a schema file or flags
where inference cannot know (issue 10, "Done when")."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import rdl
from tests.fixtures import shapes
from tests.fixtures.cli import TINY, run
from tests.fixtures.shops import TASK_FILE, shop_file, task_file


def links(db) -> set[tuple[str, str, str]]:
    """(table, column, target) of every foreign key, composite/mapped ones by their
    original columns (from ``db.schema``)."""
    return {
        (t, c, tgt.split(".")[0])
        for t, m in db.schema["foreign_keys"].items()
        for c, tgt in m.items()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = {}
    for name, build in shapes.BUILDERS.items():
        folder = tmp_path_factory.mktemp(name)
        out[name] = build(folder)
    return out


@pytest.mark.parametrize("name", list(shapes.BUILDERS))
def test_every_expected_foreign_key_is_found_and_nothing_else(built, name):
    url, expected = built[name]
    db = rdl.connect(url)
    want = set(expected["declared"]) | set(expected["undeclared"])
    if name == "qa_dump":  # AcceptedAnswerId fits posts, comments and votes alike
        want.discard(("posts", "AcceptedAnswerId", "posts"))
        (miss,) = [m for m in db.rejected_fkeys if m["column"] == "AcceptedAnswerId"]
        assert miss["reason"].startswith("ambiguous: the values fit")
    assert links(db) == want


def test_qa_dump_id_keys_role_names_dangling_and_leakage(built):
    url, expected = built["qa_dump"]
    db = rdl.connect(url)
    assert {n: t.pkey_col for n, t in db.items()} == {n: "Id" for n in db}  # case-insensitive
    ev = {(e["table"], e["column"]): e for e in db.inferred_fkeys}
    assert ev[("posts", "OwnerUserId")]["rule"] == "a role of 'users' (<role><Table>Id)"
    assert 0.95 < ev[("posts", "OwnerUserId")]["coverage"] < 0.99  # 3 % deleted users ...
    assert ev[("posts", "OwnerUserId")]["dangling"] > 0  # ... kept, counted, link dropped
    assert ev[("posts", "ParentId")]["target"] == "posts"
    suspects = {(s["table"], s["column"]) for s in db.leakage}
    assert expected["leaky"] <= suspects
    # not applying the inferred keys lists them all the same
    bare = rdl.connect(url, infer_foreign_keys=False)
    assert all(not t.fkey_col_to_pkey_table for t in bare.values())
    assert len(bare.inferred_fkeys) == len(db.inferred_fkeys)


def test_flights_no_primary_keys_codes_and_dangling_planes(built):
    url, expected = built["flights"]
    db = rdl.connect(url)
    assert {n: t.pkey_col for n, t in db.items()} == {
        "airlines": "carrier",
        "airports": "code",
        "flights": None,
        "planes": "tailnum",
    }
    assert db["flights"].time_col == "dep_time"  # TIMESTAMPTZ, stored as naive UTC
    assert str(db["flights"].df["dep_time"].dtype) == "datetime64[ns]"
    (ev,) = [e for e in db.inferred_fkeys if e["column"] == "tailnum"]
    assert abs(1 - ev["coverage"] - expected["dangling"][("flights", "tailnum")]) < 1e-6
    assert ev["coverage"] < 0.99  # rejected by the old 99 % rule; found now
    assert db["flights"].df["tailnum"].isna().sum() == ev["dangling"]  # rows kept
    assert len(db["flights"]) == 2000


def test_music_store_declared_composite_keys(built):
    url, expected = built["music_store"]
    db = rdl.connect(url)
    assert db.inferred_fkeys == []
    for table, cols in expected["composite_pkeys"].items():
        assert db[table].pkey_col == "_rdl_key" and db.schema["primary_keys"][table] == cols
    assert db["refunds"].fkey_col_to_pkey_table == {"_rdl_fkey_invoice_lines": "invoice_lines"}
    assert db["refunds"].df["_rdl_fkey_invoice_lines"].notna().all()


def test_dvd_rental_audit_columns_in_postgresql(pg_url):
    url, expected = shapes.dvd_rental(pg_url)
    db = rdl.connect(url)
    assert {n: t.time_col for n, t in db.items()} == expected["time_cols"]
    assert links(db) == set(expected["declared"])
    why = " ".join(p.message for p in db.report.problems if p.table == "film")
    assert "'last_update' not used: one value on every row" in why


def test_ratings_epoch_seconds_and_releases_after_ratings(built):
    url, expected = built["ratings"]
    db = rdl.connect(url)
    assert db["ratings"].time_col == "timestamp" and db["movies"].time_col == "release_date"
    assert db.schema["time_formats"] == {
        "ratings.timestamp": "epoch-s",
        "tags.timestamp": "epoch-s",
    }
    (w,) = [p for p in db.report.problems if p.table == "ratings" and p.level == "warning"]
    assert w.rows == expected["early_ratings"] and "dated before the movies row" in w.message


def test_write_schema_round_trips_and_pins_every_choice(built, tmp_path):
    url, _ = built["qa_dump"]
    path = tmp_path / "schema.toml"
    out = run("inspect", url, "--write-schema", path, "--json")
    assert out.exit_code == 0, out.output
    text = path.read_text()
    assert '# "users.Reputation",  leakage suspect (export-time count)' in text
    assert "# AcceptedAnswerId = " in text and "near miss: ambiguous" in text
    assert 'OwnerUserId = "users" # inferred (a role of' in text
    db = rdl.connect(url)
    again = rdl.connect(url, **rdl.db.schema_file.load_schema(path))
    assert again.equals(db) and again.schema == db.schema


def test_baseball_trains_and_predicts_from_the_cli_with_flags(built, tmp_path):
    """Integer years need a reading and the (yearID, teamID) key a flag: inference cannot
    know either; with them, rdl train and rdl predict run from the command line alone."""
    url, expected = built["baseball"]
    task = tmp_path / "bb.py"
    task.write_text('''
import pandas as pd
from rdl.tasks import EntityTask, TaskType

SCHEMA = {"time_cols": {"season_stats": "yearID:year-end", "salaries": "yearID:year-end"}}


class Homers(EntityTask):
    entity_table, entity_col, time_col, target_col = "people", "playerID", "t", "hr"
    task_type = TaskType.REGRESSION
    timedelta = pd.Timedelta(days=365)
    metrics = ["mae"]
    val_timestamp, test_timestamp = pd.Timestamp("2011-01-01"), pd.Timestamp("2013-01-01")
    sql = """SELECT t.timestamp AS t, s.playerID, SUM(s.HR)::DOUBLE AS hr
             FROM timestamp_df t JOIN season_stats s ON s.yearID > t.timestamp
                  AND s.yearID <= t.timestamp + {timedelta} GROUP BY ALL"""
''')
    out = tmp_path / "run"
    r = run(
        "train",
        "--db",
        url,
        "--task",
        f"{task}:Homers",
        *TINY,
        "--cache-dir",
        tmp_path / "c",
        "--out",
        out,
        "--fkey",
        "season_stats.yearID,teamID=teams",
    )
    assert r.exit_code == 0, r.output
    results = json.loads((out / "results.json").read_text())
    assert np.isfinite(results["models"]["gnn"]["test"]["mae"])
    import torch

    schema = torch.load(out / "model.pt", weights_only=False)["schema"]
    assert schema["time_formats"]["season_stats.yearID"] == "year-end"  # the task's SCHEMA
    assert schema["foreign_keys"]["season_stats"]["yearID,teamID"] == "teams"  # the flag
    p = run(
        "predict",
        "--model",
        out,
        "--db",
        url,
        "--at",
        "2014-01-01",
        "--out",
        tmp_path / "p.parquet",
        "--cache-dir",
        tmp_path / "c",
    )
    assert p.exit_code == 0, p.output
    pred = pd.read_parquet(tmp_path / "p.parquet")
    assert len(pred) == 120 and np.isfinite(pred["prediction"]).all()


def test_an_infinite_value_never_makes_a_prediction_nan(tmp_path):
    import sqlite3

    db = shop_file(tmp_path)
    con = sqlite3.connect(db)
    con.execute("UPDATE orders SET amount = ? WHERE id % 7 = 0", (float("inf"),))
    con.commit()
    con.close()
    out = tmp_path / "run"
    r = run(
        "train",
        "--db",
        db,
        "--task",
        f"{task_file(tmp_path, TASK_FILE)}:WillOrder",
        *TINY,
        "--cache-dir",
        tmp_path / "c",
        "--out",
        out,
    )
    assert r.exit_code == 0, r.output
    res = json.loads((out / "results.json").read_text())
    assert np.isfinite(res["models"]["gnn"]["test"]["roc_auc"])
    p = run(
        "predict",
        "--model",
        out,
        "--db",
        db,
        "--at",
        "2021-10-01",
        "--out",
        tmp_path / "p.parquet",
        "--cache-dir",
        tmp_path / "c",
    )
    assert p.exit_code == 0, p.output
    assert np.isfinite(pd.read_parquet(tmp_path / "p.parquet")["prediction"]).all()
    inspect = run("inspect", db)
    assert "orders.amount: 57 values are not finite (['inf']" in inspect.output


def test_qa_dump_trains_with_an_edited_schema_file(built, tmp_path):
    """Write what rdl inferred, edit it (the ambiguous key, the leaky columns), train and
    predict with --schema alone."""
    url, expected = built["qa_dump"]
    path = tmp_path / "schema.toml"
    assert run("inspect", url, "--write-schema", path).exit_code == 0
    text = path.read_text()
    for col in (
        "users.Reputation",
        "users.Views",
        "users.UpVotes",
        "users.LastAccessDate",
        "posts.ViewCount",
    ):  # switch the suspects on
        text = text.replace(f'# "{col}",', f'"{col}", #')
    text = text.replace(
        "[foreign_keys.posts]\n", '[foreign_keys.posts]\nAcceptedAnswerId = "posts"\n'
    )
    path.write_text(text)
    task = tmp_path / "qa.py"
    task.write_text('''
import pandas as pd
from rdl.tasks import EntityTask, TaskType


class Posts(EntityTask):
    entity_table, entity_col, time_col, target_col = "users", "Id", "t", "posts"
    task_type = TaskType.REGRESSION
    timedelta = pd.Timedelta(days=90)
    metrics = ["mae"]
    val_timestamp, test_timestamp = pd.Timestamp("2017-01-01"), pd.Timestamp("2018-01-01")
    sql = """SELECT t.timestamp AS t, p.OwnerUserId AS Id, COUNT(*)::DOUBLE AS posts
             FROM timestamp_df t JOIN posts p ON p.CreationDate > t.timestamp
                  AND p.CreationDate <= t.timestamp + {timedelta}
             WHERE p.OwnerUserId IS NOT NULL GROUP BY ALL"""
''')
    out = tmp_path / "run"
    r = run(
        "train",
        "--db",
        url,
        "--task",
        f"{task}:Posts",
        *TINY,
        "--schema",
        path,
        "--cache-dir",
        tmp_path / "c",
        "--out",
        out,
    )
    assert r.exit_code == 0, r.output
    results = json.loads((out / "results.json").read_text())
    assert not any(
        s["table"] == "users" and s["kind"] == "running count" for s in results["leakage_suspects"]
    )  # dropped by the edited file
    import torch

    schema = torch.load(out / "model.pt", weights_only=False)["schema"]
    assert schema["foreign_keys"]["posts"]["AcceptedAnswerId"] == "posts"
    assert "users.Reputation" in schema["exclude_columns"]
    p = run(
        "predict",
        "--model",
        out,
        "--db",
        url,
        "--at",
        "2019-01-01",
        "--out",
        tmp_path / "p.parquet",
        "--cache-dir",
        tmp_path / "c",
    )
    assert p.exit_code == 0, p.output
    assert np.isfinite(pd.read_parquet(tmp_path / "p.parquet")["prediction"]).all()
