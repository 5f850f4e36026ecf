"""Helpers shared by the database-layer tests (imported by conftest.py and test files)."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pg

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


def require_postgres() -> None:
    """Fail (when ``CI=true``) or skip the test when the server binaries are missing."""
    if not pg.pg_available():
        msg = (f"PostgreSQL 15 server binaries not found in {pg.PG_BIN}; install "
               "postgresql-15 (apt-get install postgresql-15) or set RDL_PG_BIN")
        if in_ci():
            pytest.fail(msg + " (CI=true: PostgreSQL tests must run in CI)", pytrace=False)
        pytest.skip(msg)


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


def shared_f1_file(tmp_path_factory, suffix: str, *extra: str) -> Path:
    """rel-f1 built by ``rdl datasets build`` into a ``.duckdb``/``.sqlite`` file, once per
    test session: pytest-xdist workers share the file (an ``flock`` makes one build it,
    the others wait), so ``-n 2`` does not build it twice. Its folder holds nothing else.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by all workers of this run
    folder = base / ("rel-f1" + "".join(extra).replace("-", "_") + "." + suffix)
    folder.mkdir(exist_ok=True)
    path = folder / f"rel-f1.{suffix}"
    with open(base / (folder.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            partial = folder / f"partial.{suffix}"
            build_f1(str(partial), *extra)
            partial.rename(path)
    return path


_LOADED: dict[str, object] = {}


def connect_cached(url: str):
    """``rdl.connect(url)``, once per URL and worker (tests must not modify the result)."""
    import rdl

    if url not in _LOADED:
        _LOADED[url] = rdl.connect(url)
    return _LOADED[url]
