"""The fix a message suggests, as a marker of the `rdl.connect` argument that makes it
(`rdl.db.errors.arg`): a Python caller reads ``primary_keys={'users': 'Id'}``, the CLI
prints the flag of `rdl.cli.schema_options` (``--pkey users=Id``). The schema file
(``schema.toml``) takes the same keys as the Python arguments.

One place, so every message of the database layer names the same arguments; the option
names (``no_pkey``, ``no_fkey`` ...) are the parameters of `rdl.cli.schema_options`.
"""

from __future__ import annotations

import re

from rdl.db.errors import arg

#: characters that make a table or column name ambiguous in a flag value
_SPECIAL = re.compile(r"[.=:,\"\s]")


def q(name: object) -> str:
    """A table or column name as a flag value spells it: double-quoted, SQL-style, when it
    holds ``.``, ``=``, ``:``, ``,``, a quote or a space (`rdl.db.schema_file` reads it
    back); placeholders such as ``COLUMN`` stay as they are."""
    text = str(name)
    if not _SPECIAL.search(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def pkey(table: str, col: str = "COLUMN") -> str:
    return arg("primary_keys", f"{{{table!r}: {col!r}}}", option="pkey", cli=f"{q(table)}={q(col)}")


def no_pkey(table: str) -> str:
    return arg("primary_keys", f"{{{table!r}: None}}", option="no_pkey", cli=table)


def fkey(table: str, col: str, target: str = "TABLE") -> str:
    return arg(
        "foreign_keys",
        f"{{{table!r}: {{{col!r}: {target!r}}}}}",
        option="fkey",
        cli=f"{q(table)}.{q(col)}={target}",
    )


def no_fkey(table: str, col: str) -> str:
    return arg(
        "foreign_keys",
        f"{{{table!r}: {{{col!r}: None}}}}",
        option="no_fkey",
        cli=f"{q(table)}.{q(col)}",
    )


def time_col(table: str, col: str = "COLUMN", reading: str | None = None) -> str:
    if reading:
        return arg(
            "time_cols",
            f"{{{table!r}: {col!r}}}, time_formats={{'{table}.{col}': {reading!r}}}",
            option="time_col",
            cli=f"{q(table)}.{q(col)}:{reading}",
        )
    return arg(
        "time_cols", f"{{{table!r}: {col!r}}}", option="time_col", cli=f"{q(table)}={q(col)}"
    )


def no_time_col(table: str) -> str:
    return arg("time_cols", f"{{{table!r}: None}}", option="no_time_col", cli=table)


def time_format(table: str, col: str, fmt: str) -> str:
    return arg(
        "time_formats",
        f"{{'{table}.{col}': {fmt!r}}}",
        option="time_format",
        cli=f"{q(table)}.{q(col)}={fmt}",
    )


def stype(table: str, col: str, st: str = "ignore") -> str:
    return arg(
        "stypes", f"{{'{table}.{col}': {st!r}}}", option="stype", cli=f"{q(table)}.{q(col)}={st}"
    )


def exclude_column(table: str, col: str) -> str:
    return arg(
        "exclude_columns", f"['{table}.{col}']", option="exclude_column", cli=f"{q(table)}.{q(col)}"
    )


def keep_column(table: str, col: str) -> str:
    return f"--keep-column {table}.{col} (Python: keep_columns=['{table}.{col}'])"


def include(name: str) -> str:
    return arg("include", f"[{name!r}]", cli=name)


def exclude(name: str) -> str:
    return arg("exclude", f"[{name!r}]", cli=name)


def storage(value: str) -> str:
    """``storage='memory'`` (`rdl.train.TrainConfig`) / ``--storage memory``."""
    return arg("storage", repr(value), cli=value)
