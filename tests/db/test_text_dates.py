"""Text date columns whose rows mix formats (a messy export) are read with one reading
decided from the whole column — or refused with a warning that names the column, the
formats found, what it means for leakage and the flag to pass — never parsed row by row."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

import rdl
from rdl.db import DataError
from rdl.db.textdates import read_mixed


def _sqlite(tmp_path, values: list[str], decl: str = "TEXT", col: str = "created_at") -> str:
    path = tmp_path / f"mixed{len(list(tmp_path.glob('*.sqlite')))}.sqlite"
    con = sqlite3.connect(path)
    con.execute(f"CREATE TABLE events (id INTEGER PRIMARY KEY, {col} {decl}, v REAL)")
    con.executemany(
        "INSERT INTO events VALUES (?, ?, ?)", [(i, d, float(i)) for i, d in enumerate(values)]
    )
    con.commit()
    con.close()
    return f"sqlite:///{path}"


def _problems(db, level=None):
    return [
        p.message
        for p in db.report.problems
        if p.column == "created_at" and (level is None or p.level == level)
    ]


def _day_first_export() -> tuple[list[str], list[pd.Timestamp]]:
    """100 day-first rows (most with day <= 12, which a row-by-row reader takes month
    first), ISO rows, year-first rows, compact YYYYMMDD rows and month names."""
    days = pd.date_range("2021-01-01", periods=100, freq="3D")
    values = [d.strftime("%d/%m/%Y") for d in days]
    values += [d.strftime("%Y-%m-%d") for d in days[:20]]
    values += [d.strftime("%Y/%m/%d") for d in days[20:40]]
    values += [d.strftime("%Y%m%d") for d in days[40:60]]
    values += [d.strftime("%d %b %Y") for d in days[60:80]]
    expected = (
        list(days) + list(days[:20]) + list(days[20:40]) + list(days[40:60]) + list(days[60:80])
    )
    return values, expected


def test_a_mixed_format_column_is_read_with_one_day_month_order(tmp_path):
    values, expected = _day_first_export()
    db = rdl.connect(_sqlite(tmp_path, values))
    got = db["events"].df["created_at"]
    assert str(got.dtype) == "datetime64[ns]"
    assert got.tolist() == expected  # 04/03/2021 is 4 March; 20210531 is not 1970
    assert db["events"].time_col == "created_at"
    note = " ".join(_problems(db, "note"))
    assert "5 formats" in note and "read dayfirst" in note and "compact YYYYMMDD" in note


def test_the_order_comes_from_the_column_month_first_too(tmp_path):
    days = pd.date_range("2021-01-01", periods=40, freq="5D")
    values = [d.strftime("%m/%d/%Y") for d in days] + [d.strftime("%Y-%m-%d") for d in days]
    db = rdl.connect(_sqlite(tmp_path, values))
    assert db["events"].df["created_at"].tolist() == list(days) * 2
    assert "read monthfirst" in " ".join(_problems(db, "note"))


def test_a_column_no_single_reading_fits_is_refused_with_a_warning(tmp_path):
    values = ["31/05/2021", "05/31/2021", "2021-06-01", "20210602"] * 5
    db = rdl.connect(_sqlite(tmp_path, values))
    assert db["events"].time_col is None  # not read as timestamps
    (warning,) = _problems(db, "warning")
    assert "events" in warning and "created_at" in warning
    assert "several formats" in warning and "ISO 8601" in warning and "disagree" in warning
    assert "static" in warning and "leak" in warning
    assert "time_formats={'events.created_at': 'dayfirst'}" in warning


def test_a_declared_or_chosen_time_column_that_cannot_be_read_is_an_error(tmp_path):
    values = ["31/05/2021", "05/31/2021", "2021-06-01"] * 3
    with pytest.raises(DataError, match="several formats.*rdl does not guess"):
        rdl.connect(_sqlite(tmp_path, values, decl="TIMESTAMP"))
    # told the order, the rows are still refused: some contradict it
    with pytest.raises(DataError, match="disagree"):
        rdl.connect(
            _sqlite(tmp_path, values, decl="TIMESTAMP"),
            time_formats={"events.created_at": "dayfirst"},
        )


def test_an_ambiguous_mix_is_read_once_the_order_is_given(tmp_path):
    values = ["04/03/2021", "2021-03-05", "20210306"] * 4
    url = _sqlite(tmp_path, values)
    db = rdl.connect(url)
    assert db["events"].time_col is None and "no day/month value decides" in " ".join(
        _problems(db, "warning")
    )
    db = rdl.connect(url, time_formats={"events.created_at": "dayfirst"})
    assert db["events"].df["created_at"].iloc[:3].tolist() == [
        pd.Timestamp("2021-03-04"),
        pd.Timestamp("2021-03-05"),
        pd.Timestamp("2021-03-06"),
    ]


def test_control_single_format_columns_and_free_text_are_unchanged(tmp_path):
    iso = [f"2021-03-{d:02d} 10:00:00" for d in range(1, 21)]
    db = rdl.connect(_sqlite(tmp_path, iso))
    assert db["events"].time_col == "created_at" and not _problems(db, "warning")
    assert not any("formats" in n for n in _problems(db))
    text = ["created by the import job", "moved by hand", "n/a", "see ticket"] * 5
    db = rdl.connect(_sqlite(tmp_path, text, col="created_note"))
    assert db["events"].time_col is None
    assert not [p for p in db.report.problems if p.level == "warning"]


def test_read_mixed_families_and_problems():
    found = read_mixed(pd.Series(["2021-05-31", "31/05/2021", "20210531", "31 May 2021"]))
    assert found.problem is None and found.order == "dayfirst"
    assert set(found.parsed.values()) == {pd.Timestamp("2021-05-31", tz="UTC")}
    assert read_mixed(pd.Series(["2021-05-31", "yesterday"])).problem.startswith("1 distinct")
    assert "not valid dates" in read_mixed(pd.Series(["2021-02-30", "31/05/2021"])).problem


def test_dates_with_a_few_unreadable_values_warn_instead_of_going_static_silently(tmp_path):
    values = [f"2021-03-{d:02d}" for d in range(1, 19)] + ["unknown", "TBD"]
    db = rdl.connect(_sqlite(tmp_path, values))
    assert db["events"].time_col is None
    (warning,) = _problems(db, "warning")
    assert "fit no date format" in warning and "'unknown'" in warning and "static" in warning


def test_a_time_format_with_an_unknown_directive_is_refused_naming_it(tmp_path):
    from rdl.db import SchemaError

    url = _sqlite(tmp_path, ["2021-03-04"] * 3)
    with pytest.raises(SchemaError, match=r"unknown strftime directive\(s\) %Q"):
        rdl.connect(url, time_formats={"events.created_at": "%Y-%m-%Q"})
    db = rdl.connect(url, time_formats={"events.created_at": "%Y-%m-%d"})  # control
    assert db["events"].df["created_at"].iloc[0] == pd.Timestamp("2021-03-04")


@pytest.mark.parametrize("decl", ["TEXT", "TIMESTAMP"])
def test_an_all_null_time_column_is_warned_about(tmp_path, decl):
    url = _sqlite(tmp_path, [None] * 5, decl=decl)
    db = rdl.connect(url)
    assert db["events"].time_col is None
    (warning,) = _problems(db, "warning")
    assert "every value is NULL" in warning and "static" in warning
    assert "time_cols={'events': None}" in warning
    # control: the same table with dates has its time column and no warning
    db = rdl.connect(_sqlite(tmp_path, ["2021-01-01", "2021-01-02"] * 2, decl=decl))
    assert db["events"].time_col == "created_at" and not _problems(db, "warning")
