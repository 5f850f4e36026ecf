"""rel-f1 written by ``rdl datasets build`` into DuckDB, SQLite and a real PostgreSQL
server reads back through `rdl.connect` as the recipe's `Database`, on every backend."""

from __future__ import annotations

import pandas as pd
import pytest

import rdl
from rdl.db.write import to_url
from tests.fixtures.f1 import F1_FKEYS, F1_TIME_COLS, connect_cached


def test_recipe_matches_relbench_rel_f1(f1_ref):
    assert sorted(f1_ref) == sorted(F1_FKEYS)
    assert len(f1_ref["races"]) == 1101
    assert f1_ref["races"].max_timestamp <= pd.Timestamp("2023-12-31 23:59:59")
    for name, table in f1_ref.items():
        assert table.fkey_col_to_pkey_table == F1_FKEYS[name]
        assert table.time_col == F1_TIME_COLS[name]
    # qualifying is dated one day before its race (RelBench)
    q = f1_ref["qualifying"].df.merge(f1_ref["races"].df[["raceId", "date"]], on="raceId")
    assert ((q["date_y"] - q["date_x"]) == pd.Timedelta(days=1)).all()
    dropped = {"url", "positionText", "fastestLapTime", "fastestLapSpeed", "q1", "status"}
    for table in f1_ref.values():
        assert not dropped & set(table.df.columns)
        assert not table.stypes.keys() & set(table.key_cols)


def test_backend_loads_as_the_recipe(f1_url, f1_ref):
    db = connect_cached(f1_url)
    assert db.equals(f1_ref), f"{f1_url} does not read back as the recipe's rel-f1"
    for name, table in db.items():
        ref = f1_ref[name]
        assert len(table) == len(ref)
        assert table.pkey_col == ref.pkey_col
        assert table.fkey_col_to_pkey_table == F1_FKEYS[name]
        assert table.time_col == F1_TIME_COLS[name]
        if table.time_col:  # naive UTC datetimes, identical to the second
            assert str(table.df[table.time_col].dtype) == "datetime64[ns]"
            assert table.df[table.time_col].equals(ref.df[ref.time_col])
    assert db.inferred_fkeys == []  # everything was declared
    # notes only, but for the true one: qualifying is dated the day before its race
    assert db.report.ok and [
        (p.table, p.column) for p in db.report.problems if p.level != "note"
    ] == [("qualifying", "raceId")]


def test_three_backends_load_equal(f1_duckdb, f1_sqlite, f1_postgresql):
    duck, lite, pg = (connect_cached(u) for u in (f1_duckdb, f1_sqlite, f1_postgresql))
    assert duck.equals(lite) and lite.equals(pg) and pg.equals(duck)


def test_equals_notices_a_changed_value_key_or_time_column(f1_ref):
    """Guards the round-trip tests: `Database.equals` is not vacuous."""

    def copy(db):
        return rdl.Database(
            {
                n: rdl.Table(
                    t.df.copy(),
                    dict(t.fkey_col_to_pkey_table),
                    t.pkey_col,
                    t.time_col,
                    dict(t.stypes),
                )
                for n, t in db.items()
            }
        )

    assert copy(f1_ref).equals(f1_ref)
    changed = copy(f1_ref)
    changed["results"].df.loc[5, "points"] += 1
    assert not changed.equals(f1_ref)
    changed = copy(f1_ref)
    del changed["results"].fkey_col_to_pkey_table["driverId"]
    assert not changed.equals(f1_ref)
    changed = copy(f1_ref)
    changed["races"].time_col = None
    assert not changed.equals(f1_ref)


def test_upto_is_inclusive_and_static_tables_are_whole(f1_ref):
    t = f1_ref["races"].df["date"].sort_values().iloc[700]  # a race's start
    cut = f1_ref.upto(t)
    assert cut["races"].df["date"].max() == t
    assert len(cut["drivers"]) == len(f1_ref["drivers"])
    assert (cut["results"].df["date"] <= t).all()
    later = f1_ref.from_(t)
    assert later["races"].df["date"].min() == t
    assert len(cut["races"]) + len(later["races"]) == len(f1_ref["races"]) + 1


def test_save_load_keeps_keys_time_columns_and_stypes(f1_ref, tmp_path):
    loaded = rdl.Database.load(f1_ref.save(tmp_path / "f1"))
    assert loaded.equals(f1_ref)
    assert f1_ref.min_timestamp == pd.Timestamp("1950-05-13")
    assert loaded.max_timestamp == f1_ref.max_timestamp


def test_rewrite_needs_replace(f1_ref, tmp_path):
    target = str(tmp_path / "twice.duckdb")
    small = rdl.Database({n: f1_ref[n] for n in ("circuits",)})
    to_url(small, target)
    with pytest.raises(rdl.db.SchemaError, match=r"already has tables \['circuits'\].*replace"):
        to_url(small, target)
    to_url(small, target, replace=True)
    assert rdl.connect(f"duckdb:///{target}").equals(small)


def test_a_duckdb_url_without_a_file_is_refused(f1_ref, tmp_path):
    small = rdl.Database({n: f1_ref[n] for n in ("circuits",)})
    with pytest.raises(rdl.db.SchemaError, match="names no DuckDB file"):
        to_url(small, "duckdb://")
    to_url(small, f"duckdb:///{tmp_path / 'named.duckdb'}")  # control: a file is written
    assert rdl.connect(f"duckdb:///{tmp_path / 'named.duckdb'}").equals(small)
