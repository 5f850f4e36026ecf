"""`rdl.connect`'s arguments against the tables read: the tables and columns they name must
exist (`need_table`, `need_col`: a `SchemaError` listing the ones there are), and the given
foreign keys become `FKeySpec` objects (`given_fkeys`). Moved out of `rdl.db.connect`."""

from __future__ import annotations

from rdl.db.errors import SchemaError, arg
from rdl.db.links import FKeySpec, parse_target
from rdl.db.names import shown_columns


def given_fkeys(raw, given: dict) -> list[FKeySpec]:
    out = []
    for table, mapping in given.items():
        for key, target in mapping.items():
            if target is None:
                continue
            where = f"foreign_keys: {table}.{key}"
            t, cols = parse_target(target, raw, where)
            out.append(FKeySpec(table, key.split(","), t, cols, "given"))
    return out


def need_table(raw, t: str, argument: str, url: str) -> None:
    if t not in raw:
        raise SchemaError(
            f"{arg(argument)} names table {t!r}, which {url} does not have (or it was "
            f"excluded); tables: {sorted(raw)}"
        )


def need_col(rt, col: str, argument: str, fix: str) -> None:
    if col not in rt.df.columns:
        raise SchemaError(
            f"{arg(argument)}: table {rt.name!r} has no column {col!r}; name one of its columns "
            f"{shown_columns(rt.df)}: {fix}"
        )


__all__ = ["given_fkeys", "need_col", "need_table"]
