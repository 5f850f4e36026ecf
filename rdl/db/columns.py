"""Column values as rdl reads them, before any key or time-column decision:

* columns the user excludes are dropped (`exclude_columns`);
* every column gets one in-memory representation (`rdl.db.schema.coerce_column`), and
  non-finite numbers become missing values with a warning;
* timestamps are read (`rdl.db.timeparse.read_times`): declared date/time SQL types and
  the columns the user names must read (or the error says why not); text and number
  columns named like a time are read when their values leave no doubt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from rdl.db import hints
from rdl.db.errors import SchemaError, arg
from rdl.db.names import shown_columns
from rdl.db.schema import coerce_column, drop_non_finite, is_date_sql_type
from rdl.db.stypes import IGNORE
from rdl.db.timecols import NOT_A_TIME, NUMBER_TIME_NAME, TIME_NAME
from rdl.db.timeparse import read_times


def raw_name(col: str) -> str:
    """The temporary column holding ``col``'s values as read, before it was read as
    timestamps: keys match on these (``season_stats.yearID`` is the time column *and*
    part of a key to ``teams``). `rdl.connect` drops them once keys are linked."""
    return f"\0raw:{col}"


@dataclass
class Readings:
    """What `read_columns` decided: per table, the datetime columns that may be its time
    column (named like a time); per ``"table.column"``, the reading used when it was not
    plain ISO text or a native timestamp."""

    candidates: dict[str, list[str]] = field(default_factory=dict)
    readings: dict[str, str] = field(default_factory=dict)
    #: per table, the columns named like a time (or named by the caller) with no value
    empty_times: dict[str, list[str]] = field(default_factory=dict)


def exclude_columns(raw: dict, names: list[str], report, url: str) -> None:
    """Drop ``"table.column"`` names from ``raw`` (a dict of `RawTable`); declared keys on
    them go too, with a note.

    Raises:
        SchemaError: an unknown table or column (the message lists the columns).
    """
    for full in names:
        t, c = full.split(".", 1)
        if t not in raw:
            raise SchemaError(
                f"exclude_columns names table {t!r}, which {url} does not have "
                f"(or it was excluded); tables: {sorted(raw)}"
            )
        rt = raw[t]
        if c not in rt.df.columns:
            raise SchemaError(
                f"exclude_columns: table {t!r} has no column {c!r}; its columns "
                f"are {shown_columns(rt.df)}"
            )
        rt.df = rt.df.drop(columns=[c])
        rt.sql_types.pop(c, None)
        if c in rt.pkey:
            rt.pkey = []
            report.add(
                "note",
                t,
                c,
                "excluded column was the primary key: the table has none "
                f"unless one is inferred or given ({hints.pkey(t)})",
            )
        gone = [fk for fk in rt.fkeys if c in fk.columns]
        rt.fkeys = [fk for fk in rt.fkeys if c not in fk.columns]
        rt.unique = [u for u in rt.unique if c not in u]
        for other in raw.values():
            other.fkeys = [
                fk for fk in other.fkeys if not (fk.ref_table == t and c in fk.ref_columns)
            ]
        report.add(
            "note",
            t,
            c,
            f"excluded ({arg('exclude_columns')})"
            + (f"; its foreign key to {gone[0].ref_table} goes too" if gone else ""),
        )


def read_columns(raw: dict, args: dict, report) -> Readings:
    """Coerce every column and read the timestamps (see the module doc).

    Args:
        raw: table name -> `RawTable` (edited in place).
        args: the checked `rdl.connect` arguments (``time_cols``, ``time_formats``,
            ``stypes``, ``primary_keys``).
        report: receives notes and warnings.

    Raises:
        DataError / SchemaError: from `rdl.db.timeparse.read_times`.
    """
    out = Readings()
    time_cols, formats, stypes = args["time_cols"], args["time_formats"], args["stypes"]
    for key in formats:
        t, c = key.split(".", 1)
        if c not in raw[t].df.columns:
            raise SchemaError(
                f"time_formats: table {t!r} has no column {c!r}; its columns "
                f"are {shown_columns(raw[t].df)}"
            )
    for name, rt in raw.items():
        out.candidates[name] = []
        pk = args["primary_keys"].get(name, rt.pkey) if name in args["primary_keys"] else rt.pkey
        pk = [pk] if isinstance(pk, str) else list(pk or [])
        row_ids = rt.df[pk[0]] if len(pk) == 1 and pk[0] in rt.df.columns else None
        for col in rt.df.columns:
            s = drop_non_finite(coerce_column(rt.df[col]), name, report, row_ids)
            rt.df[col] = s
            wanted = time_cols.get(name) == col
            reading = formats.get(f"{name}.{col}")
            if stypes.get(f"{name}.{col}") == IGNORE and not wanted and reading is None:
                continue  # the user left it out: keep it as read, unparsed
            strict = (
                wanted
                or reading is not None
                or is_date_sql_type(rt.sql_types.get(col, ""))
                or pd.api.types.is_datetime64_any_dtype(s)
            )
            named = (
                name not in time_cols
                and not NOT_A_TIME.search(str(col))
                and (
                    NUMBER_TIME_NAME.search(str(col))
                    if pd.api.types.is_numeric_dtype(s)
                    else TIME_NAME.search(str(col))
                )
            )
            if not (strict or named) or pd.api.types.is_bool_dtype(s):
                continue
            if not s.notna().any() and not pd.api.types.is_datetime64_any_dtype(s):
                if strict:
                    rt.df[col] = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
                if len(s) and (wanted or TIME_NAME.search(str(col))):
                    out.empty_times.setdefault(name, []).append(col)  # warned about if
                    # the table ends up without a time column (rdl.db.timecols)
                continue
            parsed, used = read_times(
                s, name, report, reading=reading, row_ids=row_ids, strict=strict, chosen=wanted
            )
            if parsed is None:
                continue
            if not pd.api.types.is_datetime64_any_dtype(s):
                rt.df[raw_name(col)] = s  # the values as read, for key matching (links)
            rt.df[col] = parsed
            if used not in (None, "iso"):
                out.readings[f"{name}.{col}"] = used
            if (
                not strict
                and not pd.api.types.is_numeric_dtype(s)
                and not pd.api.types.is_datetime64_any_dtype(s)
            ):
                report.add("note", name, col, "text column read as timestamps")
            if TIME_NAME.search(str(col)) or wanted:
                out.candidates[name].append(col)
    return out


__all__ = ["Readings", "exclude_columns", "raw_name", "read_columns"]
