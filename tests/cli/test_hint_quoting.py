"""Every printed fix is a command that works: a suggested flag value with names that hold
spaces, dots, ``=`` or quotes is quoted for the schema flags (double quotes, SQL-style) and
for the shell (shlex), and reads back to the same column (control: plain names print as
before)."""

from __future__ import annotations

import shlex

from rdl.cli.errors import cli_text
from rdl.db import hints
from rdl.db.schema_file import parse_flags
from rdl.spelling import render


def _flag_value(text: str, flag: str) -> str:
    words = shlex.split(text)
    return words[words.index(flag) + 1]


def test_a_column_with_special_characters_round_trips():
    for col in ("my col", "a=b", 'say "hi"', "x.y"):
        text = cli_text(hints.stype("users", col))
        value = _flag_value(text, "--stype")
        assert parse_flags(stype=[value])["stypes"] == {f"users.{col}": "ignore"}, text


def test_control_plain_names_print_as_before():
    assert cli_text(hints.stype("users", "zip")) == "--stype users.zip=ignore"
    assert cli_text(hints.time_col("orders", "ordered_at")) == "--time-col orders=ordered_at"
    assert "time_cols={'orders': 'ordered_at'}" in render(hints.time_col("orders", "ordered_at"))
