"""rdl never writes to a user's database: the source file is byte-identical (sha256), keeps
its mtime, and gains no journal/WAL sibling after `rdl.connect` and ``rdl inspect``."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import rdl
from tests.fixtures.cli import run_cli


def fingerprint(path: Path) -> dict:
    st = path.stat()
    return {
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "mtime_ns": st.st_mtime_ns,
        "size": st.st_size,
        "siblings": sorted(p.name for p in path.parent.iterdir()),
    }


@pytest.mark.parametrize("fixture", ["f1_sqlite", "f1_duckdb"])
def test_source_file_is_byte_identical_after_connect(request, fixture):
    url = request.getfixturevalue(fixture)
    path = Path(url.split(":///", 1)[1])
    before = fingerprint(path)
    db = rdl.connect(url)
    assert len(db["races"]) == 1101
    run_cli("inspect", url, "--json")
    assert fingerprint(path) == before


def test_sqlite_file_with_pending_wal_setting_is_untouched(tmp_path):
    """A WAL-mode SQLite file: even a read-write open would create -wal/-shm files."""
    import sqlite3

    path = tmp_path / "wal.sqlite"
    con = sqlite3.connect(path)
    con.executescript(
        "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v REAL);"
        "INSERT INTO t VALUES (1, 0.5), (2, 1.5);"
    )
    con.commit()
    con.close()
    before = fingerprint(path)
    assert rdl.connect(f"sqlite:///{path}")["t"].df["v"].tolist() == [0.5, 1.5]
    assert fingerprint(path) == before


def test_sqlite_rows_still_in_the_wal_log_are_read(tmp_path):
    """With a live writer the newest rows sit in the -wal log: they must be read."""
    import sqlite3

    path = tmp_path / "live.sqlite"
    writer = sqlite3.connect(path)
    try:
        writer.executescript(
            "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v REAL);"
            "INSERT INTO t VALUES (1, 0.5), (2, 1.5);"
        )
        writer.commit()
        assert Path(str(path) + "-wal").exists()
        assert len(rdl.connect(f"sqlite:///{path}")["t"]) == 2
    finally:
        writer.close()
