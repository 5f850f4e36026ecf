"""Bad input, database side (issue 10, item 5): databases that cannot be opened, schema
options and files that do not fit, values rdl refuses to guess. Every case runs the CLI
in-process and checks: non-zero exit, one ``error:`` paragraph naming the culprit and the
fix, no traceback, the source byte-identical (`tests.fixtures.cli.assert_refused`)."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest

from tests.fixtures.cli import assert_refused, digest, run
from tests.fixtures.shops import shop_file

CASES = {}


def case(name):
    def add(f):
        CASES[name] = f
        return f

    return add


def sqlite_file(tmp, sql, name="x.sqlite"):
    p = tmp / name
    con = sqlite3.connect(p)
    con.executescript(sql)
    con.commit()
    con.close()
    return p


def duck_file(tmp, sql, name="x.duckdb"):
    p = tmp / name
    con = duckdb.connect(str(p))
    con.execute(sql)
    con.close()
    return p


# ---- opening --------------------------------------------------------------------------
@case("missing sqlite file")
def _(tmp):
    return ["inspect", tmp / "nope.sqlite"], ["nope.sqlite' does not exist", "Check the path"], None


@case("missing duckdb url")
def _(tmp):
    return ["inspect", f"duckdb:///{tmp}/nope.duckdb"], ["DuckDB file", "does not exist"], None


@case("path of unknown kind")
def _(tmp):
    (tmp / "data.csv").write_text("a,b\n1,2\n")
    return (
        ["inspect", tmp / "data.csv"],
        ["cannot tell the database kind of", ".duckdb, .sqlite or .db"],
        tmp / "data.csv",
    )


@case("postgresql url without a driver")
def _(tmp):
    return (
        ["inspect", "postgresql://me:secret@127.0.0.1:1/shop"],
        [
            "rdl talks to PostgreSQL through psycopg 3",
            "postgresql+psycopg://me:***@127.0.0.1:1/shop",
        ],
        None,
    )


@case("driver not installed")
def _(tmp):
    return ["inspect", "mysql://me@127.0.0.1/shop"], ["is not installed", "pip install"], None


@case("unknown database kind")
def _(tmp):
    return ["inspect", "foo://x/y"], ["knows no database kind 'foo'", "sqlite:///FILE"], None


@case("server not answering")
def _(tmp):
    return (
        ["inspect", "postgresql+psycopg://postgres@127.0.0.1:1/shop"],
        [
            "cannot connect to postgresql+psycopg://postgres@127.0.0.1:1/shop",
            "Check that the server runs",
        ],
        None,
    )


@case("text file named .sqlite")
def _(tmp):
    (tmp / "t.sqlite").write_text("not a database\n" * 100)
    return (
        ["inspect", tmp / "t.sqlite"],
        ["is not a SQLite database", "sqlite:///"],
        tmp / "t.sqlite",
    )


@case("text file named .duckdb")
def _(tmp):
    (tmp / "t.duckdb").write_text("not a database\n" * 100)
    return ["inspect", tmp / "t.duckdb"], ["is not a DuckDB database"], tmp / "t.duckdb"


@case("directory named .sqlite")
def _(tmp):
    (tmp / "d.sqlite").mkdir()
    return ["inspect", tmp / "d.sqlite"], ["is not a SQLite database"], tmp / "d.sqlite"


@case("duckdb file open for writing elsewhere")
def _(tmp):
    p = duck_file(tmp, "CREATE TABLE t (id INTEGER)")
    con = duckdb.connect(str(p))  # a writer holds the file (closed by the test's teardown)
    _writers.append(con)
    return ["inspect", p], ["is locked by another program", "a copy of the file"], p


@case("sqlite file with no tables")
def _(tmp):
    p = sqlite_file(tmp, "CREATE VIEW v AS SELECT 1 AS x;")
    return ["inspect", p], ["has no tables: there is nothing to learn from", "--include v"], p


@case("duckdb file with no tables")
def _(tmp):
    p = duck_file(tmp, "CREATE SCHEMA s; CREATE TABLE s.t (x INTEGER)")
    return ["inspect", p], ["has no tables", "['s.t']", "--include s.t"], p


# ---- tables and schema options -----------------------------------------------------------
@case("every table excluded")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--exclude", "users", "--exclude", "orders"],
        ["is left out by --include / --exclude", "Keep at least one"],
        p,
    )


@case("include names no table")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--include", "Users"],
        ["--include names tables ['Users']", "its tables are ['orders', 'users']"],
        p,
    )


@case("exclude names no table")
def _(tmp):
    p = shop_file(tmp)
    return ["inspect", p, "--exclude", "clients"], ["--exclude names tables ['clients']"], p


@case("--pkey without =")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--pkey", "users"],
        ["--pkey 'users': write it as TABLE=COLUMN", "--pkey users=Id"],
        p,
    )


@case("--pkey unknown table")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--pkey", "clients=id"],
        ["--pkey names table 'clients'", "tables: ['orders', 'users']"],
        p,
    )


@case("--pkey unknown column")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--pkey", "users=uid"],
        ["table 'users' has no column 'uid'", "--pkey users=COLUMN"],
        p,
    )


@case("--pkey on a column with duplicates")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--pkey", "orders=user_id"],
        [
            "orders.user_id",
            "rows share a primary-key value",
            "--pkey orders=COLUMN",
            "--no-pkey orders",
        ],
        p,
    )


@case("--pkey on a column with nulls")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--pkey", "orders=note"],
        ["orders.note", "have a null primary key", "--pkey orders=COLUMN"],
        p,
    )


@case("--fkey without =")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--fkey", "orders.user_id"],
        ["write it as TABLE.COLUMN=TARGET", "--fkey orders.buyerId=users"],
        p,
    )


@case("--fkey without a column")
def _(tmp):
    p = shop_file(tmp)
    return ["inspect", p, "--fkey", "orders=users"], ["name the column as TABLE.COLUMN"], p


@case("--fkey to an unknown table")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--fkey", "orders.user_id=people"],
        ["'people' is not a loaded table (or table.column)", "tables: ['orders', 'users']"],
        p,
    )


@case("--fkey from an unknown column")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--fkey", "orders.buyer=users"],
        ["'orders' has no column 'buyer'", "its columns are"],
        p,
    )


@case("--no-fkey without a column")
def _(tmp):
    p = shop_file(tmp)
    return ["inspect", p, "--no-fkey", "orders"], ["--no-fkey 'orders': name the column"], p


@case("--time-col unknown column")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--time-col", "orders=ordered_at"],
        ["table 'orders' has no column 'ordered_at'", "--time-col orders=COLUMN"],
        p,
    )


@case("--time-col unknown reading")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--time-col", "orders.created_at:yearly"],
        ["unknown time reading 'yearly'", "year-end", "strftime"],
        p,
    )


@case("--time-col reading that does not fit")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--time-col", "orders.amount:yymmdd"],
        [
            "table 'orders', column 'amount'",
            "do not fit the reading 'yymmdd'",
            "--time-col orders.amount:READING",
        ],
        p,
    )


@case("--time-format epoch on text dates")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--time-format", "orders.created_at=epoch-s"],
        [
            "column 'created_at'",
            "values are not timestamps under the reading 'epoch-s'",
            "--stype orders.created_at=ignore",
        ],
        p,
    )


@case("--stype unknown stype")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--stype", "users.name=blob"],
        ["unknown stype 'blob'", "'ignore' to leave the column out"],
        p,
    )


@case("--stype without a table")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--stype", "name=categorical"],
        ["name the column as TABLE.COLUMN", "--stype users.zip=categorical"],
        p,
    )


@case("--stype unknown column")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--stype", "users.zip=categorical"],
        ["stype override for 'zip', which is not a column"],
        p,
    )


@case("--exclude-column unknown column")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--exclude-column", "users.Reputation"],
        ["exclude_columns: table 'users' has no column 'Reputation'"],
        p,
    )


@case("--schema file missing")
def _(tmp):
    p = shop_file(tmp)
    return (
        ["inspect", p, "--schema", tmp / "schema.toml"],
        ["schema.toml' does not exist", "--write-schema"],
        p,
    )


@case("--schema file not TOML")
def _(tmp):
    p = shop_file(tmp)
    (tmp / "s.toml").write_text("[primary_keys\nusers = 'id'\n")
    return ["inspect", p, "--schema", tmp / "s.toml"], ["is not valid TOML", "line 1"], p


@case("--schema file with an unknown key")
def _(tmp):
    p = shop_file(tmp)
    (tmp / "s.toml").write_text("[primary_key]\nusers = 'id'\n")
    return (
        ["inspect", p, "--schema", tmp / "s.toml"],
        ["unknown schema key(s) ['primary_key']", "primary_keys"],
        p,
    )


@case("--schema file with a wrong shape")
def _(tmp):
    p = shop_file(tmp)
    (tmp / "s.toml").write_text("time_cols = 3\n")
    return ["inspect", p, "--schema", tmp / "s.toml"], ["time_cols must be a table"], p


@case("--schema include as a string")
def _(tmp):
    p = shop_file(tmp)
    (tmp / "s.toml").write_text("include = 'users'\n")
    return ["inspect", p, "--schema", tmp / "s.toml"], ["include must be a list of names"], p


# ---- values --------------------------------------------------------------------------------
@case("ambiguous day/month dates")
def _(tmp):
    p = sqlite_file(
        tmp,
        "CREATE TABLE pay (id INTEGER PRIMARY KEY, paid TIMESTAMP);"
        "INSERT INTO pay VALUES (1, '04/03/2021'), (2, '01/12/2020');",
    )
    return (
        ["inspect", p],
        ["table 'pay', column 'paid'", "rdl does not guess", "--time-format pay.paid=%d/%m/%Y"],
        p,
    )


@case("day/month dates that disagree")
def _(tmp):
    p = sqlite_file(
        tmp,
        "CREATE TABLE pay (id INTEGER PRIMARY KEY, paid TIMESTAMP);"
        "INSERT INTO pay VALUES (1, '25/03/2021'), (2, '03/25/2021');",
    )
    return ["inspect", p], ["the values disagree", "--time-format pay.paid="], p


@case("text that is no timestamp")
def _(tmp):
    p = sqlite_file(
        tmp,
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, created_at TIMESTAMP);"
        "INSERT INTO ev VALUES (1, '2020-01-01'), (2, 'yesterday');",
    )
    return (
        ["inspect", p],
        [
            "1 values are not timestamps",
            "'yesterday'",
            "rows with id [2]",
            "--stype ev.created_at=ignore",
        ],
        p,
    )


@case("mixed time zones")
def _(tmp):
    p = sqlite_file(
        tmp,
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, created_at TIMESTAMP);"
        "INSERT INTO ev VALUES (1, '2020-01-01 10:00'), (2, '2020-01-01 10:00+02:00');",
    )
    return ["inspect", p], ["mixes 1 timestamps without a time zone", "Store all of them in UTC"], p


@case("date out of range")
def _(tmp):
    p = sqlite_file(
        tmp,
        "CREATE TABLE h (id INTEGER PRIMARY KEY, built_at TIMESTAMP);"
        "INSERT INTO h VALUES (1, '1500-06-01'), (2, '2020-01-01');",
    )
    return (
        ["inspect", p],
        ["outside the years 1678..2261", "'1500-06-01'", "--stype h.built_at=ignore"],
        p,
    )


@case("YYMMDD integers in a TIMESTAMP column")
def _(tmp):
    p = sqlite_file(
        tmp,
        "CREATE TABLE loan (id INTEGER PRIMARY KEY, granted TIMESTAMP);"
        "INSERT INTO loan VALUES (1, 930705), (2, 971231);",
    )
    return (
        ["inspect", p],
        ["cannot read as timestamps without being told how", "--time-col loan.granted:yymmdd"],
        p,
    )


@case("six digits fitting two readings")
def _(tmp):
    p = sqlite_file(
        tmp,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, period INTEGER);"
        "INSERT INTO t VALUES (1, 200101), (2, 200112);",
    )
    return (
        ["inspect", p, "--time-col", "t=period"],
        ["they fit month-end and yymmdd", "--time-col t.period:month-end"],
        p,
    )


@case("column mixing numbers and text")
def _(tmp):
    p = sqlite_file(
        tmp,
        "CREATE TABLE people (id INTEGER PRIMARY KEY, age);"
        "INSERT INTO people VALUES (1, 31), (2, 'unknown');",
    )
    return ["inspect", p], ["column 'age': values of type int", "--stype people.age=ignore"], p


@case("null declared primary key")
def _(tmp):
    p = sqlite_file(
        tmp,
        "CREATE TABLE users (code TEXT PRIMARY KEY, name TEXT);"
        "INSERT INTO users VALUES ('a', 'x'), (NULL, 'y');",
    )
    return ["inspect", p], ["users.code", "null primary key", "--pkey users=COLUMN"], p


_writers: list = []


@pytest.fixture(autouse=True)
def _close_writers():
    yield
    while _writers:
        _writers.pop().close()


@pytest.mark.parametrize("name", list(CASES))
def test_bad_database_input(name, tmp_path):
    args, needles, source = CASES[name](tmp_path)
    before = digest(source) if source is not None else None
    listing = sorted(p.name for p in tmp_path.iterdir())
    result = run(*args)
    assert_refused(
        result, *needles, sources=(source,) if source else (), digests=(before,) if source else ()
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # nothing created beside it


def test_a_locked_sqlite_file_is_one_message(tmp_path):
    """A writer holds SQLite's exclusive lock: rdl waits the driver's timeout, then says so."""
    p = shop_file(tmp_path)
    before = digest(p)
    con = sqlite3.connect(p)
    con.execute("BEGIN EXCLUSIVE")
    try:
        result = run("inspect", p)
    finally:
        con.rollback()
        con.close()
    assert_refused(
        result,
        "is locked by another program",
        "a copy of the file",
        sources=(p,),
        digests=(before,),
    )


def test_debug_shows_the_traceback(tmp_path):
    """The control: the same bad input with --debug (before or after the command) raises."""
    for args in (
        ["--debug", "inspect", tmp_path / "nope.sqlite"],
        ["inspect", tmp_path / "nope.sqlite", "--debug"],
    ):
        result = run(*args)
        assert result.exit_code != 0
        assert isinstance(result.exception, FileNotFoundError)
        assert "error:" not in result.output
