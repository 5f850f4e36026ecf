"""``rdl inspect`` on rel-f1 in DuckDB, SQLite and PostgreSQL: the JSON layout and figures,
the human output, and clean errors for bad input."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from rdl.cli import app
from tests.fixtures.cli import run_cli
from tests.fixtures.f1 import F1_FKEYS, F1_PKEYS, F1_TIME_COLS

TABLE_KEYS = {"num_rows", "pkey", "fkeys", "time_col", "stypes"}


def test_inspect_json(f1_url):
    info = json.loads(run_cli("inspect", f1_url, "--json"))
    assert set(info) == {
        "tables",
        "inferred_fkeys",
        "rejected_fkeys",
        "leakage_suspects",
        "problems",
    }
    tables = info["tables"]
    assert len(tables) == 9 and set(tables) == set(F1_FKEYS)
    assert tables["races"]["num_rows"] == 1101
    assert tables["results"]["fkeys"] == {
        "raceId": "races",
        "driverId": "drivers",
        "constructorId": "constructors",
    }
    for name, t in tables.items():
        assert set(t) >= TABLE_KEYS, name
        assert t["pkey"] == F1_PKEYS[name]
        assert t["fkeys"] == F1_FKEYS[name]
        assert t["time_col"] == F1_TIME_COLS[name]
        assert t["declared_fkeys"] == list(t["fkeys"]) and t["inferred_fkeys"] == []
        assert set(t["stypes"].values()) <= {
            "numerical",
            "categorical",
            "text_embedded",
            "timestamp",
        }
        assert not set(t["stypes"]) & ({t["pkey"]} | set(t["fkeys"]))  # keys: no features
    assert tables["races"]["time_range"] == ["1950-05-13T00:00:00", "2023-11-26T13:00:00"]
    assert tables["results"]["stypes"]["statusId"] == "categorical"
    assert tables["drivers"]["stypes"]["nationality"] == "categorical"
    assert info["inferred_fkeys"] == []
    # the one warning: qualifying sessions are dated the day before their race
    (warning,) = [p for p in info["problems"] if p["level"] == "warning"]
    assert (warning["table"], warning["column"]) == ("qualifying", "raceId")
    assert "dated before the races row they reference" in warning["message"]
    assert {p["level"] for p in info["problems"]} == {"note", "warning"}
    assert all(set(p) >= {"level", "table", "column", "message"} for p in info["problems"])


def test_inspect_human_output(f1_sqlite):
    out = run_cli("inspect", f1_sqlite)
    assert "9 tables, 98,429 rows" in out
    assert "races  1,101 rows" in out
    assert "raceId -> races, driverId -> drivers, constructorId -> constructors" in out
    assert "date, 1950-05-13 .. 2023-11-26" in out
    assert "none (static: rows always visible)" in out  # drivers, circuits, constructors
    assert "problems: 0 errors, 1 warnings, 7 notes" in out
    assert "(inferred)" not in out


def test_inspect_accepts_a_path(f1_duckdb):
    path = f1_duckdb.removeprefix("duckdb:///")
    info = json.loads(run_cli("inspect", path, "--json"))
    assert info["tables"]["races"]["num_rows"] == 1101


def test_inspect_bad_input_is_a_message_not_a_traceback(tmp_path):
    missing = tmp_path / "nope.sqlite"
    result = CliRunner().invoke(app, ["inspect", str(missing)])
    assert result.exit_code == 1
    assert "error:" in result.output and str(missing) in result.output
    assert "Traceback" not in result.output
