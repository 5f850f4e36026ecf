"""Checking a schema dict: `check_schema` normalises a schema file, the CLI's flags, a task
file's ``SCHEMA = {...}`` or `rdl.connect`'s keyword arguments and refuses a malformed one.

Moved out of `rdl.db.schema_file` (which re-exports `SCHEMA_KEYS` and `check_schema` and
documents the format).
"""

from __future__ import annotations

from typing import Any

from rdl.db.errors import SchemaError
from rdl.db.stypes import IGNORE, STYPES
from rdl.db.timenumbers import READINGS, check_reading

#: the keys of a schema (the keyword arguments of `rdl.connect`)
SCHEMA_KEYS = (
    "primary_keys",
    "foreign_keys",
    "time_cols",
    "time_formats",
    "stypes",
    "include",
    "exclude",
    "exclude_columns",
    "keep_columns",
    "infer_foreign_keys",
)
_DEFAULTS: dict[str, Any] = {
    "primary_keys": {},
    "foreign_keys": {},
    "time_cols": {},
    "time_formats": {},
    "stypes": {},
    "include": None,
    "exclude": None,
    "exclude_columns": [],
    "keep_columns": [],
    "infer_foreign_keys": True,
}


def _none(v):
    return None if v == "" else v


def _table_map(d, key: str, where: str, ok) -> dict:
    if not isinstance(d, dict):
        raise SchemaError(
            f"{where}: {key} must be a table of table name -> value (got {type(d).__name__} {d!r})"
        )
    out = {}
    for t, v in d.items():
        v = _none(v)
        if not ok(v):
            raise SchemaError(
                f"{where}: {key}.{t} = {v!r} is not valid here; see the "
                f"examples in rdl.db.schema_file"
            )
        out[str(t)] = v
    return out


def _dotted(d, key: str, where: str, check) -> dict:
    if not isinstance(d, dict):
        raise SchemaError(
            f"{where}: {key} must map 'table.column' -> value (got {type(d).__name__} {d!r})"
        )
    out = {}
    for k, v in d.items():
        if "." not in str(k):
            raise SchemaError(
                f"{key} key {k!r} must be 'table.column', e.g. {key}={{'users.{k}': {v!r}}}"
            )
        out[str(k)] = check(v, k)
    return out


def _names(v, key: str, where: str, dotted: bool = False) -> list[str] | None:
    if v is None:
        return None
    if (
        isinstance(v, str)
        or not isinstance(v, (list, tuple))
        or not all(isinstance(x, str) for x in v)
    ):
        raise SchemaError(
            f"{where}: {key} must be a list of names, e.g. {key}=[{v!r}]"
            if isinstance(v, str)
            else f"{where}: {key} must be a list of names (got {v!r})"
        )
    if dotted:
        for x in v:
            if "." not in x:
                raise SchemaError(f"{where}: {key} entry {x!r} must be 'table.column'")
    return list(v)


def check_schema(schema: dict | None, where: str, complete: bool = True) -> dict:
    """Check and normalise a schema dict (file, flags, ``SCHEMA =``, `rdl.connect` args).

    ``""`` stands for ``None`` (no key / no time column); ``time_cols`` values may carry
    a reading (``"year:year-end"``), moved to ``time_formats``.

    Args:
        schema: the dict (``None``: empty).
        where: names the source in messages (a file path, ``"--pkey"``, ...).
        complete: fill every key of `SCHEMA_KEYS` with its default; otherwise keep only
            the keys given (for `merge_schemas`).

    Raises:
        SchemaError: an unknown key, a value of the wrong shape, an unknown stype or
            time reading.
    """
    schema = {k: v for k, v in (schema or {}).items() if not (complete and v is None)}
    unknown = sorted(set(schema) - set(SCHEMA_KEYS))
    if unknown:
        raise SchemaError(
            f"{where}: unknown schema key(s) {unknown}; the keys are {list(SCHEMA_KEYS)}"
        )
    out: dict[str, Any] = {}
    if "time_cols" in schema:
        tc = _table_map(
            schema["time_cols"], "time_cols", where, lambda v: v is None or isinstance(v, str)
        )
        formats = {}
        for t, v in list(tc.items()):
            if (
                v
                and ":" in v
                and v.split(":", 1)[1]
                and (v.split(":", 1)[1] in READINGS or "%" in v.split(":", 1)[1])
            ):
                col, reading = v.split(":", 1)
                tc[t] = col
                formats[f"{t}.{col}"] = reading
        out["time_cols"] = tc
        if formats:
            schema = {**schema, "time_formats": {**formats, **(schema.get("time_formats") or {})}}
    if "primary_keys" in schema:
        out["primary_keys"] = _table_map(
            schema["primary_keys"],
            "primary_keys",
            where,
            lambda v: (
                v is None
                or isinstance(v, str)
                or (isinstance(v, (list, tuple)) and v and all(isinstance(x, str) for x in v))
            ),
        )
        out["primary_keys"] = {
            t: list(v) if isinstance(v, tuple) else v for t, v in out["primary_keys"].items()
        }
    if "foreign_keys" in schema:
        fk = _table_map(
            schema["foreign_keys"], "foreign_keys", where, lambda v: isinstance(v, dict)
        )
        out["foreign_keys"] = {
            t: _table_map(m, f"foreign_keys.{t}", where, lambda v: v is None or isinstance(v, str))
            for t, m in fk.items()
        }
    if "stypes" in schema:

        def st_ok(v, k):
            if v not in STYPES and v != IGNORE:
                t, c = str(k).split(".", 1)
                raise SchemaError(
                    f"table {t!r}, column {c!r}: unknown stype {v!r}; use one "
                    f"of {list(STYPES)} or {IGNORE!r} to leave the column out "
                    f"of the features."
                )
            return v

        out["stypes"] = _dotted(schema["stypes"], "stypes", where, st_ok)
    if "time_formats" in schema:
        out["time_formats"] = _dotted(
            schema["time_formats"],
            "time_formats",
            where,
            lambda v, k: check_reading(v, f"{where}: time format of {k}"),
        )
    for key in ("include", "exclude"):
        if key in schema:
            out[key] = _names(schema[key], key, where)
    for key in ("exclude_columns", "keep_columns"):
        if key in schema:
            out[key] = _names(schema[key], key, where, dotted=True) or []
    if "infer_foreign_keys" in schema:
        if not isinstance(schema["infer_foreign_keys"], bool):
            raise SchemaError(f"{where}: infer_foreign_keys must be true or false")
        out["infer_foreign_keys"] = schema["infer_foreign_keys"]
    if complete:
        out = {
            **{k: (v.copy() if isinstance(v, (dict, list)) else v) for k, v in _DEFAULTS.items()},
            **out,
        }
    return out


__all__ = ["SCHEMA_KEYS", "check_schema"]
