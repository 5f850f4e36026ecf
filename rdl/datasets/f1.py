"""rel-f1: the Ergast Formula 1 database, built as RelBench builds its ``rel-f1`` dataset.

Source: the Ergast CSV export shipped beside this file in ``rdl/datasets/ergast-f1/``
(package data; CC0, see its SOURCE.md).
Construction (RelBench, ``relbench/datasets/f1.py``):

* tables races, circuits, drivers, results, standings (from driver_standings),
  constructors, constructor_results, constructor_standings, qualifying; ``\\N`` is NULL;
* races' ``date`` = date + time (a missing time is midnight);
* results, standings, constructor_results, constructor_standings get their race's ``date``,
  qualifying its race's date minus one day (qualifying is the day before the race);
* drivers, circuits, constructors have no time column;
* dropped: URLs, practice/qualifying/sprint session dates and times, ``positionText``,
  results' ``time``/``fastestLapTime``/``fastestLapSpeed``, qualifying ``q1``-``q3``,
  ``constructor_results.status``, ``drivers.number``.

Default cut: races dated up to 2023-12-31 (1,101 races, RelBench's snapshot) and the rows
that reference them; ``cut=None`` keeps everything (results through 2025-10-05).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rdl.db import Database, Table, infer_stypes

NAME = "rel-f1"
SOURCE_DIR = Path(__file__).resolve().parent / "ergast-f1"
DEFAULT_CUT = "2023-12-31"


def _read(src: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(src / f"{name}.csv", na_values=["\\N"], keep_default_na=False)


def build_database(src_dir: str | Path = SOURCE_DIR, cut: str | None = DEFAULT_CUT) -> Database:
    """rel-f1 as a `Database`.

    Args:
        src_dir: folder with the Ergast CSVs.
        cut: keep races dated up to and including this day (``None``: keep all).

    Returns:
        `Database` with 9 tables, keys and time columns declared as RelBench declares them.
    """
    src = Path(src_dir)
    races = _read(src, "races")
    circuits = _read(src, "circuits").drop(columns=["url"])
    drivers = _read(src, "drivers").drop(columns=["url", "number"])
    results = _read(src, "results").drop(
        columns=["positionText", "time", "fastestLapTime", "fastestLapSpeed"]
    )
    standings = _read(src, "driver_standings").drop(columns=["positionText"])
    constructors = _read(src, "constructors").drop(columns=["url"])
    constructor_results = _read(src, "constructor_results").drop(columns=["status"])
    constructor_standings = _read(src, "constructor_standings").drop(columns=["positionText"])
    qualifying = _read(src, "qualifying").drop(columns=["q1", "q2", "q3"])

    races = races.drop(
        columns=["url"]
        + [f"{s}_{p}" for s in ("fp1", "fp2", "fp3", "quali", "sprint") for p in ("date", "time")]
    )
    races["date"] = pd.to_datetime(
        races["date"] + " " + races["time"].fillna("00:00:00"), format="%Y-%m-%d %H:%M:%S"
    )
    races = races.drop(columns=["time"])
    if cut is not None:
        races = races[races["date"] < pd.Timestamp(cut) + pd.Timedelta(days=1)]
    drivers["dob"] = pd.to_datetime(drivers["dob"]).astype("datetime64[ns]")

    race_date = races[["raceId", "date"]]

    def dated(df: pd.DataFrame, shift_days: int = 0) -> pd.DataFrame:
        out = df.merge(race_date, on="raceId", how="inner")  # drops rows of cut races
        out["date"] = out["date"] - pd.Timedelta(days=shift_days)
        return out

    def t(df, pkey, fkeys, time_col=None):
        df = df.sort_values(pkey).reset_index(drop=True)
        if time_col is not None:
            df[time_col] = df[time_col].astype("datetime64[ns]")
        stypes = infer_stypes(df, exclude=[pkey, *fkeys])
        return Table(df, fkeys, pkey, time_col, stypes)

    by_race = {"raceId": "races"}
    return Database(
        {
            "races": t(races, "raceId", {"circuitId": "circuits"}, "date"),
            "circuits": t(circuits, "circuitId", {}),
            "drivers": t(drivers, "driverId", {}),
            "results": t(
                dated(results),
                "resultId",
                {**by_race, "driverId": "drivers", "constructorId": "constructors"},
                "date",
            ),
            "standings": t(
                dated(standings), "driverStandingsId", {**by_race, "driverId": "drivers"}, "date"
            ),
            "constructors": t(constructors, "constructorId", {}),
            "constructor_results": t(
                dated(constructor_results),
                "constructorResultsId",
                {**by_race, "constructorId": "constructors"},
                "date",
            ),
            "constructor_standings": t(
                dated(constructor_standings),
                "constructorStandingsId",
                {**by_race, "constructorId": "constructors"},
                "date",
            ),
            "qualifying": t(
                dated(qualifying, 1),
                "qualifyId",
                {**by_race, "driverId": "drivers", "constructorId": "constructors"},
                "date",
            ),
        }
    )
