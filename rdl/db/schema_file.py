"""The schema options of `rdl.connect` as data: a TOML schema file, CLI flags, a task
file's ``SCHEMA = {...}``, all checked the same way and merged.

A schema file (``--schema schema.toml``; ``rdl inspect --write-schema schema.toml``
writes one with everything rdl inferred, to edit) holds the keyword arguments of
`rdl.connect`, one TOML key each::

    include = ["users", "posts", "votes"]       # tables (views / "schema.table" too)
    exclude = ["sessions"]
    exclude_columns = ["users.Reputation"]      # dropped on reading (leakage audit)
    infer_foreign_keys = true

    [primary_keys]
    users = "Id"
    order_items = ["order_id", "line"]          # composite
    votes = ""                                  # "" = none (TOML has no null)

    [foreign_keys.posts]
    OwnerUserId = "users"                       # its primary key
    ParentId = "posts"
    [foreign_keys.flights]
    origin = "airports.code"                    # a unique column
    ticket = ""                                 # not a foreign key

    [time_cols]
    posts = "CreationDate"
    users = ""                                  # static
    season_stats = "year:year-end"              # column:reading

    [time_formats]                              # how to read columns as timestamps
    "season_stats.year" = "year-end"
    "payments.paid_on" = "%d/%m/%Y"

    [stypes]
    "users.zip" = "categorical"
    "users.bio" = "ignore"

The CLI flags (`parse_flags`) are the same in another spelling: ``--pkey users=Id``,
``--no-pkey votes``, ``--fkey orders.buyerId=users``, ``--no-fkey flights.ticket``,
``--time-col orders=ordered_at``, ``--time-col season_stats.year:year-end``,
``--no-time-col products``, ``--time-format payments.paid_on=%d/%m/%Y``,
``--stype users.zip=categorical``, ``--include``, ``--exclude``, ``--exclude-column``,
``--no-infer-fkeys``. Later sources win (`merge_schemas`): a task file's ``SCHEMA``, then
``--schema``, then the flags.

Every source is checked by `check_schema`, which lives in `rdl.db.schema_check` with
`SCHEMA_KEYS` (both re-exported here).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from rdl.db.errors import SchemaError, spelled
from rdl.db.schema_check import SCHEMA_KEYS, check_schema
from rdl.db.stypes import IGNORE


def load_schema(path: str | Path) -> dict:
    """The `rdl.connect` keyword arguments a TOML schema file holds (only those it sets).

    Raises:
        SchemaError: the file does not exist, is not valid TOML (line and column named),
            or holds an unknown key or a value of the wrong shape.
    """
    p = Path(path)
    if not p.is_file():
        write = spelled(
            f"rdl.db.schema_write.write_schema(db, {str(p)!r})",
            f"`rdl inspect URL --write-schema {p}`",
        )
        raise SchemaError(
            f"schema file {str(p.resolve())!r} does not exist. Write one with {write} and edit it."
        )
    try:
        data = tomllib.loads(p.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SchemaError(
            f"schema file {str(p)!r} is not valid TOML: {e}. See the format in "
            'docs/schema.md ("The schema file").'
        ) from None
    return check_schema(data, f"schema file {p}", complete=False)


def merge_schemas(*schemas: dict | None) -> dict:
    """One schema from several (later ones win, per table / column; lists add up)."""
    out: dict = {}
    for s in schemas:
        for k, v in (s or {}).items():
            if k in ("primary_keys", "time_cols", "stypes", "time_formats"):
                out[k] = {**out.get(k, {}), **v}
            elif k == "foreign_keys":
                fk = {t: dict(m) for t, m in out.get(k, {}).items()}
                for t, m in v.items():
                    fk.setdefault(t, {}).update(m)
                out[k] = fk
            elif k in ("exclude", "exclude_columns", "keep_columns") and v is not None:
                out[k] = list(dict.fromkeys([*(out.get(k) or []), *v]))
            else:
                out[k] = v
    return out


def find_unquoted(value: str, sep: str, last: bool = False) -> int:
    """The position of ``sep`` in ``value`` outside double-quoted names (``-1``: none).
    A flag names a table or column holding ``.``, ``=``, ``:``, ``,`` or spaces in double
    quotes, SQL-style (``""`` is a quote inside): ``--stype 'posts."a=b"=categorical'``."""
    quoted, found = False, -1
    for i, ch in enumerate(value):
        if ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            if not last:
                return i
            found = i
    return found


def unquote_name(name: str) -> str:
    """``"a=b"`` -> ``a=b`` (``""`` -> ``"``); an unquoted name is only stripped."""
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1].replace('""', '"')
    return name


def _unquoted_list(value: str) -> list[str]:
    """``a,"b,c"`` -> ``["a", "b,c"]``."""
    out: list[str] = []
    while True:
        i = find_unquoted(value, ",")
        if i < 0:
            return out + [unquote_name(value)]
        out.append(unquote_name(value[:i]))
        value = value[i + 1 :]


def _split(flag: str, value: str, sep: str, example: str) -> tuple[str, str]:
    i = find_unquoted(value, sep)
    if i <= 0 or not value[i + 1 :].strip():
        raise SchemaError(f"{flag} {value!r}: write it as {example}")
    return value[:i].strip(), value[i + 1 :].strip()


def _table_col(flag: str, value: str, example: str) -> tuple[str, str]:
    i = find_unquoted(value, ".", last=True)
    if i <= 0:
        raise SchemaError(
            f"{flag} {value!r}: name the column as TABLE.COLUMN, e.g. {example}"
            "; double-quote a name that holds . = : or spaces "
            '(TABLE."my col")'
        )
    return unquote_name(value[:i]), unquote_name(value[i + 1 :])


def parse_flags(
    pkey=(),
    no_pkey=(),
    fkey=(),
    no_fkey=(),
    time_col=(),
    no_time_col=(),
    time_format=(),
    stype=(),
    include=(),
    exclude=(),
    exclude_column=(),
    infer_fkeys: bool | None = None,
    keep_column=(),
) -> dict:
    """The schema the CLI's flags give (see the module doc), checked.

    Raises:
        SchemaError: a malformed flag value; the message shows the form to use.
    """
    s: dict = {}
    for v in pkey:
        t, c = _split(
            "--pkey", v, "=", "TABLE=COLUMN (composite: TABLE=COL1,COL2), e.g. --pkey users=Id"
        )
        cols = _unquoted_list(c)
        s.setdefault("primary_keys", {})[unquote_name(t)] = cols if len(cols) > 1 else cols[0]
    for t in no_pkey:
        s.setdefault("primary_keys", {})[unquote_name(t)] = None
    for v in fkey:
        left, target = _split(
            "--fkey",
            v,
            "=",
            "TABLE.COLUMN=TARGET, e.g. --fkey "
            "orders.buyerId=users or --fkey flights.origin=airports.code",
        )
        t, c = _table_col("--fkey", left, "--fkey orders.buyerId=users")
        s.setdefault("foreign_keys", {}).setdefault(t, {})[c] = target
    for v in no_fkey:
        t, c = _table_col("--no-fkey", v, "--no-fkey orders.buyerId")
        s.setdefault("foreign_keys", {}).setdefault(t, {})[c] = None
    for v in time_col:
        if find_unquoted(v, "=") >= 0:
            t, rest = _split(
                "--time-col", v, "=", "TABLE=COLUMN, e.g. --time-col orders=ordered_at"
            )
            t = unquote_name(t)
            i = find_unquoted(rest, ":")
            col, reading = (rest, "") if i < 0 else (rest[:i], rest[i + 1 :])
            col = unquote_name(col)
        else:
            i = find_unquoted(v, ":")
            left, reading = (v, "") if i < 0 else (v[:i], v[i + 1 :])
            t, col = _table_col(
                "--time-col",
                left,
                "--time-col orders=ordered_at or --time-col season_stats.year:year-end",
            )
        s.setdefault("time_cols", {})[t] = col
        if reading:
            s.setdefault("time_formats", {})[f"{t}.{col}"] = reading
    for t in no_time_col:
        s.setdefault("time_cols", {})[unquote_name(t)] = None
    for v in time_format:
        left, fmt = _split(
            "--time-format",
            v,
            "=",
            "TABLE.COLUMN=FORMAT, e.g. --time-format payments.paid_on=%d/%m/%Y",
        )
        t, c = _table_col("--time-format", left, "--time-format payments.paid_on=%d/%m/%Y")
        s.setdefault("time_formats", {})[f"{t}.{c}"] = fmt
    for v in stype:
        left, st = _split(
            "--stype", v, "=", "TABLE.COLUMN=STYPE, e.g. --stype users.zip=categorical"
        )
        t, c = _table_col("--stype", left, "--stype users.zip=categorical")
        s.setdefault("stypes", {})[f"{t}.{c}"] = st
    if include:
        s["include"] = list(include)
    if exclude:
        s["exclude"] = list(exclude)
    for v in exclude_column:
        t, c = _table_col("--exclude-column", v, "--exclude-column users.Reputation")
        s.setdefault("exclude_columns", []).append(f"{t}.{c}")
    for v in keep_column:
        t, c = _table_col("--keep-column", v, "--keep-column posts.ViewCount")
        s.setdefault("keep_columns", []).append(f"{t}.{c}")
    if infer_fkeys is not None:
        s["infer_foreign_keys"] = infer_fkeys
    return check_schema(s, "the schema flags", complete=False)


def pinned_schema(db, pk_cols: dict, specs, readings: dict, args: dict) -> dict:
    """Every choice `rdl.connect` made, as its keyword arguments: connecting again with
    them gives the same tables, keys, time columns and features (stypes for every column,
    ``"ignore"`` for the non-features), whatever inference would say on newer rows. What
    ``--write-schema`` writes and a checkpoint keeps for ``rdl predict``."""
    key_cols = {n: set(t.key_cols) | {c for c in pk_cols[n]} for n, t in db.items()}
    fks: dict[str, dict[str, str]] = {}
    for spec in specs:
        fks.setdefault(spec.table, {})[spec.key] = spec.target_spec(pk_cols[spec.target])
        key_cols[spec.table] |= set(spec.columns)
    stypes = {}
    for n, t in db.items():
        for c in t.df.columns:
            if c in key_cols[n] or str(c).startswith("_rdl_"):
                continue
            stypes[f"{n}.{c}"] = t.stypes.get(c, IGNORE)
    return {
        "include": list(db),
        "exclude_columns": list(args.get("exclude_columns") or []),
        "keep_columns": list(args.get("keep_columns") or []),
        "infer_foreign_keys": False,
        "primary_keys": {
            n: (p[0] if len(p) == 1 else (list(p) if p else None)) for n, p in pk_cols.items()
        },
        "foreign_keys": fks,
        "time_cols": {n: t.time_col for n, t in db.items()},
        "time_formats": {
            k: v
            for k, v in readings.items()
            if k.split(".", 1)[1] in db[k.split(".", 1)[0]].df.columns
        },
        "stypes": stypes,
    }


__all__ = [
    "SCHEMA_KEYS",
    "check_schema",
    "load_schema",
    "merge_schemas",
    "parse_flags",
    "pinned_schema",
]
