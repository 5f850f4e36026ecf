"""Shared fixtures: a throwaway PostgreSQL server, and rel-f1 built into each backend.

* ``pg_server`` (session): one PostgreSQL 15 server per pytest(-xdist) worker, started on
  first use and stopped at the end (see ``tests/fixtures/pg.py``). Without the server binaries the
  tests that need it fail when ``CI=true`` and are skipped otherwise.
* ``pg_url``: a fresh, empty database on that server for one test.
* ``f1_ref`` (session): the recipe's rel-f1 `Database` (``rdl/datasets/f1.py``).
* ``f1_duckdb`` / ``f1_sqlite`` / ``f1_postgresql`` (session): the URL of rel-f1 written by
  ``rdl datasets build rel-f1 --out TARGET``; ``f1_url`` is parametrised over the three.
  The files are built once per run and shared by the xdist workers; do not modify them.

The PostgreSQL start-up times are printed in pytest's terminal summary. Every test outside
the slow ones (`tests.fixtures.fast`) is marked ``fast``: ``pytest -m fast`` runs them.
"""

from __future__ import annotations

import importlib.util
import os

# Two pytest-xdist workers share two cores: one torch/OpenMP thread each (two threads per
# worker oversubscribe the cores and OpenMP barriers then stall). Notebook kernels inherit it.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")

from pathlib import Path

import pytest

from tests.fixtures.f1 import build_f1, shared_f1_file
from tests.fixtures.fast import is_fast
from tests.fixtures.pg import PostgresServer, require_postgres

_PG_TIMES: list[list[float]] = []  # [initdb s, start s] per server started
BACKENDS = ("duckdb", "sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_server():
    """A running throwaway PostgreSQL server (`tests.fixtures.pg.PostgresServer`)."""
    require_postgres()
    server = PostgresServer().start()
    _PG_TIMES.append([server.initdb_seconds, server.start_seconds])
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """SQLAlchemy URL of a new empty database on the session's server."""
    return pg_server.create_database()


@pytest.fixture(scope="session")
def f1_ref():
    from rdl.project import load_recipe

    return load_recipe("rel-f1").build_database()


@pytest.fixture(scope="session")
def f1_duckdb(tmp_path_factory) -> str:
    return f"duckdb:///{shared_f1_file(tmp_path_factory, 'duckdb')}"


@pytest.fixture(scope="session")
def f1_sqlite(tmp_path_factory) -> str:
    return f"sqlite:///{shared_f1_file(tmp_path_factory, 'sqlite')}"


@pytest.fixture(scope="session")
def f1_postgresql(pg_server) -> str:
    url = pg_server.create_database("rel_f1")
    build_f1(url)
    return url


@pytest.fixture(params=BACKENDS)
def f1_url(request) -> str:
    """rel-f1's URL in each backend in turn."""
    return request.getfixturevalue(f"f1_{request.param}")


def pytest_collection_modifyitems(config, items):
    tests_dir = Path(__file__).resolve().parent
    for item in items:
        if is_fast(item, tests_dir):
            item.add_marker(pytest.mark.fast)


# ---- reporting the PostgreSQL start-up time (also from pytest-xdist workers) ----------
def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None and _PG_TIMES:
        workeroutput["rdl_pg_times"] = _PG_TIMES


if importlib.util.find_spec("xdist") is not None:

    def pytest_testnodedown(node, error):
        _PG_TIMES.extend(getattr(node, "workeroutput", {}).get("rdl_pg_times", []))


def pytest_terminal_summary(terminalreporter):
    if _PG_TIMES and not hasattr(terminalreporter.config, "workeroutput"):
        parts = ", ".join(f"initdb {a:.2f} s + start {b:.2f} s" for a, b in _PG_TIMES)
        terminalreporter.write_line(f"throwaway PostgreSQL servers: {parts}")
