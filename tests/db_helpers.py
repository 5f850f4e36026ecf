"""Helpers shared by the database-layer tests (imported by conftest.py and test files)."""

from __future__ import annotations

import os
import time

from typer.testing import CliRunner

# rel-f1 as RelBench declares it
F1_FKEYS = {
    "races": {"circuitId": "circuits"},
    "circuits": {},
    "drivers": {},
    "constructors": {},
    "results": {"raceId": "races", "driverId": "drivers", "constructorId": "constructors"},
    "standings": {"raceId": "races", "driverId": "drivers"},
    "constructor_results": {"raceId": "races", "constructorId": "constructors"},
    "constructor_standings": {"raceId": "races", "constructorId": "constructors"},
    "qualifying": {"raceId": "races", "driverId": "drivers", "constructorId": "constructors"},
}
F1_TIME_COLS = {
    **{t: "date" for t in ("races", "results", "standings", "constructor_results",
                           "constructor_standings", "qualifying")},
    **{t: None for t in ("drivers", "circuits", "constructors")},
}
F1_PKEYS = {
    "races": "raceId", "circuits": "circuitId", "drivers": "driverId",
    "constructors": "constructorId", "results": "resultId", "standings": "driverStandingsId",
    "constructor_results": "constructorResultsId",
    "constructor_standings": "constructorStandingsId", "qualifying": "qualifyId",
}


def in_ci() -> bool:
    """Whether the CI environment variable says we run in CI (GitHub Actions: CI=true)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def run_cli(*args: str) -> str:
    """Run ``rdl ARGS`` in-process; returns its output, fails the test on a non-zero exit."""
    from rdl.cli import app

    result = CliRunner().invoke(app, list(args))
    if result.exit_code != 0:
        raise AssertionError(
            f"rdl {' '.join(args)} exited {result.exit_code}:\n{result.output}"
        ) from result.exception
    return result.output


def build_f1(target: str, *extra: str) -> float:
    """``rdl datasets build rel-f1 --out TARGET``; returns the wall-clock seconds."""
    t0 = time.perf_counter()
    run_cli("datasets", "build", "rel-f1", "--out", target, *extra)
    return time.perf_counter() - t0


_LOADED: dict[str, object] = {}


def connect_cached(url: str):
    """``rdl.connect(url)``, once per URL and worker (tests must not modify the result)."""
    import rdl

    if url not in _LOADED:
        _LOADED[url] = rdl.connect(url)
    return _LOADED[url]
