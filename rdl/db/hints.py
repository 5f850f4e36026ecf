"""The fix a message suggests, as a marker of the `rdl.connect` argument that makes it
(`rdl.db.errors.arg`): a Python caller reads ``primary_keys={'users': 'Id'}``, the CLI
prints the flag of `rdl.cli.schema_options` (``--pkey users=Id``). The schema file
(``schema.toml``) takes the same keys as the Python arguments.

One place, so every message of the database layer names the same arguments; the option
names (``no_pkey``, ``no_fkey`` ...) are the parameters of `rdl.cli.schema_options`.
"""

from __future__ import annotations

from rdl.db.errors import arg


def pkey(table: str, col: str = "COLUMN") -> str:
    return arg("primary_keys", f"{{{table!r}: {col!r}}}", option="pkey", cli=f"{table}={col}")


def no_pkey(table: str) -> str:
    return arg("primary_keys", f"{{{table!r}: None}}", option="no_pkey", cli=table)


def fkey(table: str, col: str, target: str = "TABLE") -> str:
    return arg("foreign_keys", f"{{{table!r}: {{{col!r}: {target!r}}}}}", option="fkey",
               cli=f"{table}.{col}={target}")


def no_fkey(table: str, col: str) -> str:
    return arg("foreign_keys", f"{{{table!r}: {{{col!r}: None}}}}", option="no_fkey",
               cli=f"{table}.{col}")


def time_col(table: str, col: str = "COLUMN", reading: str | None = None) -> str:
    if reading:
        return arg("time_cols", f"{{{table!r}: {col!r}}}, time_formats={{'{table}.{col}': "
                                f"{reading!r}}}", option="time_col",
                   cli=f"{table}.{col}:{reading}")
    return arg("time_cols", f"{{{table!r}: {col!r}}}", option="time_col", cli=f"{table}={col}")


def no_time_col(table: str) -> str:
    return arg("time_cols", f"{{{table!r}: None}}", option="no_time_col", cli=table)


def time_format(table: str, col: str, fmt: str) -> str:
    return arg("time_formats", f"{{'{table}.{col}': {fmt!r}}}", option="time_format",
               cli=f"{table}.{col}={fmt}")


def stype(table: str, col: str, st: str = "ignore") -> str:
    return arg("stypes", f"{{'{table}.{col}': {st!r}}}", option="stype",
               cli=f"{table}.{col}={st}")


def exclude_column(table: str, col: str) -> str:
    return arg("exclude_columns", f"['{table}.{col}']", option="exclude_column",
               cli=f"{table}.{col}")


def keep_column(table: str, col: str) -> str:
    return f"--keep-column {table}.{col} (Python: keep_columns=['{table}.{col}'])"


def include(name: str) -> str:
    return arg("include", f"[{name!r}]", cli=name)


def exclude(name: str) -> str:
    return arg("exclude", f"[{name!r}]", cli=name)


def storage(value: str) -> str:
    """``storage='memory'`` (`rdl.train.TrainConfig`) / ``--storage memory``."""
    return arg("storage", repr(value), cli=value)
