"""Errors speak the caller's language: the same bad input read from Python names the Python
argument (and no flag), read through the ``rdl`` command names the flag, once.

The library marks arguments (`rdl.db.errors.arg`); `rdl.cli.errors.error_message` is the one
place that turns them into flags. The controls: a marker read without the CLI's table keeps
its Python spelling, and a message that already names the option's flag is not prefixed
with it a second time.
"""

from __future__ import annotations

import ast
import json
import re
import sqlite3
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

import rdl
from rdl.cli.errors import OPTION, cli_text, error_message, flags
from rdl.db.errors import (
    ArgumentError,
    DataError,
    RdlError,
    RdlWarning,
    SchemaError,
    arg,
    render,
    said,
    spelled,
)

FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+")
ROOT = Path(__file__).resolve().parents[2]


def shop(tmp_path: Path) -> Path:
    """users (a duplicated ``code``) and orders referencing them."""
    path = tmp_path / "shop.sqlite"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE users (id INTEGER PRIMARY KEY, code TEXT, name TEXT);
        INSERT INTO users VALUES (1, 'a', 'x'), (2, 'a', 'y'), (3, 'b', 'z');
        CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id),
                             amount REAL);
        INSERT INTO orders VALUES (1, 1, 3.5), (2, 2, 1.0);
    """)
    con.commit()
    con.close()
    return path


def cli(*args) -> str:
    from rdl.cli import app

    res = CliRunner().invoke(app, [str(a) for a in args])
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and res.output.count("error:") == 1, res.output
    return res.output[res.output.index("error:") :]


# ---- the mechanism ------------------------------------------------------------------------
def test_a_marker_reads_python_by_default_and_flags_in_the_cli():
    text = f"declare it: {arg('foreign_keys', repr({'o': {'c': 'u'}}), option='fkey', cli='o.c=u')}"
    e = SchemaError(text)
    assert str(e) == "declare it: foreign_keys={'o': {'c': 'u'}}"
    assert error_message(e) == "declare it: --fkey o.c=u"
    # control: an argument the CLI has no flag for keeps its Python spelling there too
    odd = RdlError(f"pass {arg('no_such_argument', 3)}")
    assert str(odd) == error_message(odd) == "pass no_such_argument=3"
    # a bare switch, a bare name, and two spellings of one piece of advice
    assert render(arg("replace", "True", cli=""), flags()) == "--replace"
    assert render(arg("stale_prob"), None) == "stale_prob"
    both = spelled("rdl.train.train_task(db, task, out_dir=D)", "rdl train --out D")
    assert render(both) == "rdl.train.train_task(db, task, out_dir=D)"
    assert render(both, flags()) == "rdl train --out D"


def test_messages_kept_as_data_are_plain_text_with_the_markers_behind():
    fix = said(
        f"drop it ({arg('exclude_columns', repr(['t.c']), option='exclude_column', cli='t.c')})"
    )
    assert fix == "drop it (exclude_columns=['t.c'])"  # a str, as Python and JSON see it
    assert json.loads(json.dumps({"fix": fix})) == {"fix": "drop it (exclude_columns=['t.c'])"}
    assert cli_text(fix) == "drop it (--exclude-column t.c)"
    assert said("no markers") == "no markers" and cli_text("no markers") == "no markers"


def test_the_option_at_fault_is_named_once():
    class FieldError(RdlError, ValueError):
        def __init__(self, field, message):
            super().__init__(message)
            self.field = field

    # a message naming no flag gets the option in front
    assert (
        error_message(FieldError("epochs", "epochs must be >= 0"))
        == "option --epochs: epochs must be >= 0"
    )
    # the doubled form of old: the message already names the flag -> no prefix
    doubled = FieldError("stale_prob", "stale_prob must be in [0, 1] (got 2; --stale-prob)")
    assert error_message(doubled).count("--stale-prob") == 1
    marked = FieldError("stale_prob", f"{arg('stale_prob')} must be in [0, 1] (got 2)")
    assert error_message(marked) == "--stale-prob must be in [0, 1] (got 2)"
    assert str(marked) == "stale_prob must be in [0, 1] (got 2)"
    # every TrainConfig field the CLI maps keeps its flag in the joint table
    assert all(flags()[k] == v for k, v in OPTION.items())


def test_a_warning_names_the_argument_in_python():
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        warnings.warn(RdlWarning(f"pass {arg('text', repr('minilm'), cli='minilm')}"), stacklevel=1)
    assert str(got[0].message) == "pass text='minilm'"
    assert cli_text(got[0].message) == "pass --text minilm"


# ---- the same bad input through Python and through the CLI --------------------------------
def test_an_unknown_table_in_primary_keys(tmp_path):
    url = f"sqlite:///{shop(tmp_path)}"
    with pytest.raises(SchemaError) as e:
        rdl.connect(url, primary_keys={"clients": "id"})
    assert "primary_keys names table 'clients'" in str(e.value)
    assert not FLAG.search(str(e.value))
    para = cli("inspect", url, "--pkey", "clients=id")
    assert "--pkey names table 'clients'" in para and para.count("--pkey") == 1
    assert "primary_keys" not in para


def test_a_duplicated_primary_key(tmp_path):
    url = f"sqlite:///{shop(tmp_path)}"
    with pytest.raises(DataError) as e:
        rdl.connect(url, primary_keys={"users": "code"})
    msg = str(e.value)
    assert "primary_keys={'users': 'COLUMN'}" in msg and "primary_keys={'users': None}" in msg
    assert not FLAG.search(msg)
    para = cli("inspect", url, "--pkey", "users=code")
    assert "--pkey users=COLUMN" in para and "--no-pkey users" in para
    assert "primary_keys" not in para


def test_inspect_prints_the_notes_fixes_as_flags(tmp_path):
    from rdl.cli import app

    url = f"sqlite:///{shop(tmp_path)}"
    db = rdl.connect(url, time_cols={"orders": None}, exclude_columns=["users.name"])
    notes = " ".join(p.message for p in db.report.problems)
    assert "exclude_columns" in notes and not FLAG.search(notes)
    out = CliRunner().invoke(app, ["inspect", url, "--exclude-column", "users.name"]).output
    assert "excluded (--exclude-column)" in out and "exclude_columns" not in out


def test_a_bad_stale_probability_below_the_config(tmp_path):
    from rdl.train.stale import GapSampler

    with pytest.raises(ValueError) as e:  # the setting's one declaration checks it
        GapSampler(1, 4, 2.0)
    assert str(e.value) == "stale_prob must be a finite number in [0, 1] (got 2.0)"
    assert "--" not in str(e.value)
    assert error_message(e.value).count("--stale-prob") == 1


def test_a_top_k_and_a_write_target():
    from rdl.serve.writeback import WriteBackError

    e = WriteBackError(
        f"pass {arg('replace', 'True', cli='')} or {arg('table', repr('NAME'), cli='NAME')}"
    )
    assert str(e) == "pass replace=True or table='NAME'"
    assert error_message(e) == "pass --replace or --table NAME"
    e = ArgumentError(f"{arg('top_k', 50)}: choose 1 .. 20")
    assert (str(e), error_message(e)) == ("top_k=50: choose 1 .. 20", "--top-k 50: choose 1 .. 20")


# ---- no flag in the library's messages ----------------------------------------------------
#: files another part of the refactor rewrites (the config declarations and their CLIs)
PENDING = {
    "rdl/train/config.py",
    "rdl/train/tune.py",
    "rdl/pretrain/config.py",
    "rdl/scale/launch.py",
}


def message_flags(source: str, name: str = "<string>") -> list[str]:
    """The ``--flags`` written in the messages of ``source``: string constants inside a
    ``raise``, a ``warnings.warn`` / ``said`` / ``report.add`` call, but not inside
    ``spelled(...)`` (the CLI's own spelling of a piece of advice)."""
    tree = ast.parse(source)
    skip = {
        id(n)
        for c in ast.walk(tree)
        if isinstance(c, ast.Call) and getattr(c.func, "id", "") == "spelled"
        for n in ast.walk(c)
    }
    found = []
    for node in ast.walk(tree):
        target = None
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc
        elif isinstance(node, ast.Call):
            func = node.func
            called = getattr(func, "attr", getattr(func, "id", ""))
            owner = getattr(getattr(func, "value", None), "id", "")
            if called in ("warn", "said") or (called == "add" and owner == "report"):
                target = node
        if target is None:
            continue
        for sub in ast.walk(target):
            if (
                id(sub) in skip
                or not isinstance(sub, ast.Constant)
                or not isinstance(sub.value, str)
            ):
                continue
            found += [f"{name}:{sub.lineno}: {m}" for m in FLAG.findall(sub.value)]
    return found


def test_the_library_messages_name_no_flag():
    # control: the scan finds a flag in a message, and none in spelled(...) or a docstring
    assert message_flags('raise ValueError("pick --channels 64")') == ["<string>:1: --channels"]
    assert message_flags('raise E("a " + spelled("f(out=D)", "rdl x --out D"))') == []
    assert message_flags('"""use --out"""\nreport.add("note", "t", None, "x --exclude")') == [
        "<string>:2: --exclude"
    ]
    found = []
    for path in sorted((ROOT / "rdl").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("rdl/cli/") or rel in PENDING or rel == "rdl/db/schema_file.py":
            continue  # schema_file: parse_flags reads the CLI's own flags and names them
        found += message_flags(path.read_text(), rel)
    assert found == [], "\n".join(found)
