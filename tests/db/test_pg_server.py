"""The throwaway PostgreSQL server the tests start themselves (``tests/pg.py``)."""

from __future__ import annotations

import socket

import psycopg
import pytest

import rdl
from tests.fixtures import pg
from tests.fixtures.pg import PostgresServer, require_postgres


def test_missing_binaries_fail_in_ci_and_skip_elsewhere(monkeypatch, tmp_path):
    monkeypatch.setattr(pg, "PG_BIN", tmp_path / "no-postgres")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must run in CI"):
        require_postgres()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="install postgresql-15"):
        require_postgres()
    with pytest.raises(pg.PostgresUnavailable, match="RDL_PG_BIN"):
        PostgresServer().start()


def test_session_server(pg_server, pg_url):
    assert pg_server.url == f"postgresql+psycopg://postgres@127.0.0.1:{pg_server.port}/postgres"
    assert 0 < pg_server.start_seconds < 30 and 0 < pg_server.initdb_seconds < 60
    with psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql")) as con:
        assert con.execute("SHOW server_version").fetchone()[0].startswith("15.")
        assert con.execute("SHOW fsync").fetchone()[0] == "off"
        assert con.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
    assert pg_server.create_database() != pg_url  # a fresh database per call


def test_connect_sessions_are_read_only(pg_url, monkeypatch):
    import sqlalchemy as sa

    import rdl.db.backends as backends

    with psycopg.connect(
        pg_url.replace("postgresql+psycopg", "postgresql"), autocommit=True
    ) as con:
        con.execute(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); "
            "INSERT INTO t VALUES (1, 'a'), (2, 'b')"
        )
    engines, real = [], sa.create_engine

    def spy(*args, **kwargs):
        engines.append(real(*args, **kwargs))
        return engines[-1]

    monkeypatch.setattr(backends.sa, "create_engine", spy)
    assert rdl.connect(pg_url)["t"].df["v"].tolist() == ["a", "b"]
    monkeypatch.undo()
    (engine,) = engines
    with engine.connect() as con, pytest.raises(sa.exc.InternalError, match="read-only"):
        con.execute(sa.text("DELETE FROM t"))  # rdl's sessions cannot write
    engine.dispose()


def test_stop_removes_the_server_and_its_files():
    server = PostgresServer().start()
    folder, port = server.dir, server.port
    assert (folder / "data" / "PG_VERSION").read_text().strip() == "15"
    server.stop()
    server.stop()  # idempotent
    assert not folder.exists()
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more
