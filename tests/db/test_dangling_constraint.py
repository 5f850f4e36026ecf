"""A declared foreign key to a table the database does not have is named as such, not
answered with "include that table" (control: a table left out by exclude= is)."""

from __future__ import annotations

import sqlite3

import rdl


def _db(tmp_path) -> str:
    path = tmp_path / "d.sqlite"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE users (id INTEGER PRIMARY KEY, joined_at TIMESTAMP);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id),
                             shop_id INTEGER REFERENCES shops(id), created_at TIMESTAMP);
        INSERT INTO users VALUES (1, '2020-01-01');
        INSERT INTO orders VALUES (1, 1, 7, '2020-02-01');""")
    con.commit()
    con.close()
    return f"sqlite:///{path}"


def _warning(db, col):
    (p,) = [p for p in db.report.problems if p.level == "warning" and p.column == col]
    return p.message


def test_a_constraint_to_a_missing_table_is_named_as_such(tmp_path):
    msg = _warning(rdl.connect(_db(tmp_path)), "shop_id")
    assert "which this database does not have" in msg and "include" not in msg


def test_control_an_excluded_table_is_offered_for_inclusion(tmp_path):
    msg = _warning(rdl.connect(_db(tmp_path), exclude=["users"]), "user_id")
    assert "not loaded" in msg and "include=['users']" in msg
