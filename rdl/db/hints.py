"""The fix a message suggests, spelled for both ways of using rdl: the CLI flag first
(``--pkey users=Id``), then the Python argument of `rdl.connect`
(``primary_keys={'users': 'Id'}``). The schema file (``--schema schema.toml``) takes the
same keys as the Python arguments.

One place, so every message of the database layer names the same flags that
`rdl.cli.schema_options` defines.
"""

from __future__ import annotations


def pkey(table: str, col: str = "COLUMN") -> str:
    return f"--pkey {table}={col} (Python: primary_keys={{{table!r}: {col!r}}})"


def no_pkey(table: str) -> str:
    return f"--no-pkey {table} (Python: primary_keys={{{table!r}: None}})"


def fkey(table: str, col: str, target: str = "TABLE") -> str:
    return (f"--fkey {table}.{col}={target} "
            f"(Python: foreign_keys={{{table!r}: {{{col!r}: {target!r}}}}})")


def no_fkey(table: str, col: str) -> str:
    return f"--no-fkey {table}.{col} (Python: foreign_keys={{{table!r}: {{{col!r}: None}}}})"


def time_col(table: str, col: str = "COLUMN", reading: str | None = None) -> str:
    if reading:
        return (f"--time-col {table}.{col}:{reading} (Python: time_cols={{{table!r}: {col!r}}}, "
                f"time_formats={{'{table}.{col}': {reading!r}}})")
    return f"--time-col {table}={col} (Python: time_cols={{{table!r}: {col!r}}})"


def no_time_col(table: str) -> str:
    return f"--no-time-col {table} (Python: time_cols={{{table!r}: None}})"


def time_format(table: str, col: str, fmt: str) -> str:
    return (f"--time-format {table}.{col}={fmt} "
            f"(Python: time_formats={{'{table}.{col}': {fmt!r}}})")


def stype(table: str, col: str, st: str = "ignore") -> str:
    return f"--stype {table}.{col}={st} (Python: stypes={{'{table}.{col}': {st!r}}})"


def exclude_column(table: str, col: str) -> str:
    return f"--exclude-column {table}.{col} (Python: exclude_columns=['{table}.{col}'])"


def keep_column(table: str, col: str) -> str:
    return f"--keep-column {table}.{col} (Python: keep_columns=['{table}.{col}'])"


def include(name: str) -> str:
    return f"--include {name} (Python: include=[{name!r}])"
