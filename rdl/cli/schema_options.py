"""The schema options of every command that opens a database, in one place.

A command gets them by decorating itself with `schema_options` and taking a ``schema``
argument (a `SchemaArgs`); `open_db` then opens the database with them::

    @app.command()
    @schema_options
    def embed(db: str = typer.Option(..., "--db"), schema: SchemaArgs = None):
        database = open_db(db, schema)

The options (shown under "Data and schema" in ``--help``): ``--schema FILE`` (TOML, see
`rdl.db.schema_file`), ``--pkey users=Id``, ``--no-pkey votes``,
``--fkey orders.buyerId=users`` (``flights.origin=airports.code``),
``--no-fkey orders.note_id``, ``--time-col orders=ordered_at``,
``--time-col season_stats.year:year-end``, ``--no-time-col products``,
``--time-format payments.paid_on=%d/%m/%Y``, ``--stype users.zip=categorical``,
``--include``, ``--exclude``, ``--exclude-column users.Reputation``, ``--no-infer-fkeys``;
all repeatable. Precedence: a task file's ``SCHEMA = {...}`` < ``--schema`` < the flags.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field

import typer

PANEL = "Data and schema"  # rdl.config.option.DATA: beside --text and --cache-dir

#: parameter name -> (flag, help)
_LISTS = {
    "pkey": ("--pkey", "TABLE=COLUMN (composite: TABLE=A,B): a primary key"),
    "no_pkey": ("--no-pkey", "TABLE: the table has no primary key (an event table)"),
    "fkey": (
        "--fkey",
        "TABLE.COLUMN=TARGET: a foreign key to TARGET's primary key, or "
        "TARGET.COLUMN (a unique column); composite: TABLE.A,B=TARGET",
    ),
    "no_fkey": ("--no-fkey", "TABLE.COLUMN: not a foreign key (drops a declared or inferred one)"),
    "time_col": (
        "--time-col",
        "TABLE=COLUMN or TABLE.COLUMN[:READING] (READING: year-end, "
        "month-end, yymmdd, yyyymmdd, epoch-s, epoch-ms, dayfirst, "
        "a strftime format ...): the table's time column",
    ),
    "no_time_col": ("--no-time-col", "TABLE: the table has no time column (rows always visible)"),
    "time_format": ("--time-format", "TABLE.COLUMN=READING: how to read a column as timestamps"),
    "stype": (
        "--stype",
        "TABLE.COLUMN=STYPE (numerical, categorical, text_embedded, timestamp, ..., or ignore)",
    ),
    "include": ("--include", "TABLE: read only these tables (views and SCHEMA.TABLE too)"),
    "exclude": ("--exclude", "TABLE: leave this table out"),
    "exclude_column": (
        "--exclude-column",
        "TABLE.COLUMN: drop this column (e.g. a leakage suspect of rdl inspect)",
    ),
    "keep_column": (
        "--keep-column",
        "TABLE.COLUMN: keep a strong leakage suspect (left out "
        "of the features by default) as a feature",
    ),
}

#: `rdl.connect` keyword -> the flag that sets it (messages name the argument, the CLI
#: prints this flag: `rdl.cli.errors.FLAGS`); ``no_pkey`` ... above name the negative flags
CONNECT_FLAGS = {
    "primary_keys": _LISTS["pkey"][0],
    "foreign_keys": _LISTS["fkey"][0],
    "time_cols": _LISTS["time_col"][0],
    "time_formats": _LISTS["time_format"][0],
    "stypes": _LISTS["stype"][0],
    "include": _LISTS["include"][0],
    "exclude": _LISTS["exclude"][0],
    "exclude_columns": _LISTS["exclude_column"][0],
    "infer_fkeys": "--no-infer-fkeys",
    "schema": "--schema",
}


def schema_flags() -> dict[str, str]:
    """Every schema option's flag, by `rdl.connect` keyword and by option name
    (``{"primary_keys": "--pkey", "no_pkey": "--no-pkey", ...}``)."""
    return {**{name: flag for name, (flag, _) in _LISTS.items()}, **CONNECT_FLAGS}


@dataclass
class SchemaArgs:
    """The schema options as given on the command line."""

    schema_file: str | None = None
    flags: dict = field(default_factory=dict)
    infer_fkeys: bool = True

    def schema(self, base: dict | None = None) -> dict:
        """`rdl.connect` keyword arguments: ``base`` (a task file's ``SCHEMA`` or a
        checkpoint's), then ``--schema``, then the flags.

        Raises:
            SchemaError: a malformed flag or schema file.
        """
        from rdl.db.schema_file import load_schema, merge_schemas, parse_flags

        from_file = load_schema(self.schema_file) if self.schema_file else None
        flags = parse_flags(**self.flags, infer_fkeys=None if self.infer_fkeys else False)
        return merge_schemas(base, from_file, flags)


def schema_options(command):
    """Add the schema options to a typer command whose function takes ``schema``
    (receives a `SchemaArgs`)."""
    sig = inspect.signature(command)
    params = [p for p in sig.parameters.values() if p.name != "schema"]
    extra = [
        inspect.Parameter(
            "schema_file",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=str | None,
            default=typer.Option(
                None,
                "--schema",
                rich_help_panel=PANEL,
                help="TOML schema file (rdl inspect --write-schema writes one)",
            ),
        )
    ]
    for name, (flag, help_) in _LISTS.items():
        extra.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=list[str] | None,
                default=typer.Option(None, flag, help=help_, rich_help_panel=PANEL),
            )
        )
    extra.append(
        inspect.Parameter(
            "no_infer_fkeys",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=bool,
            default=typer.Option(
                False,
                "--no-infer-fkeys",
                rich_help_panel=PANEL,
                help="list, but do not apply, inferred foreign keys",
            ),
        )
    )

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        flags = {name: list(kwargs.pop(name) or []) for name in _LISTS}
        kwargs["schema"] = SchemaArgs(
            kwargs.pop("schema_file"), flags, not kwargs.pop("no_infer_fkeys")
        )
        return command(*args, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=params + extra)
    return wrapper


def task_schema(task: str | None) -> dict | None:
    """The ``SCHEMA = {...}`` of the task file ``task`` addresses (``FILE.py[:NAME]`` or a
    built-in name), checked; ``None`` when it has none."""
    if not task:
        return None
    from rdl.tasks.load import task_file_schema

    return task_file_schema(task)


def open_db(
    url: str, schema: SchemaArgs | None = None, *, task: str | None = None, base: dict | None = None
):
    """Open the database at ``url`` (a URL or a ``.duckdb``/``.sqlite``/``.db`` path)
    with the schema options.

    Args:
        url: what ``--db`` (or ``inspect``'s argument) says.
        schema: the command's `SchemaArgs` (``None``: no options).
        task: the ``--task`` spec, whose file's ``SCHEMA`` applies first.
        base: a schema under everything else (a checkpoint's, for ``rdl predict``).

    Returns:
        the `rdl.db.Database`.

    Raises:
        SchemaError, DataError, SourceError, FileNotFoundError: from `rdl.connect`.
    """
    from rdl.db import connect
    from rdl.db.schema_file import merge_schemas
    from rdl.db.write import normalize_url

    target = normalize_url(url)
    merged = merge_schemas(base, task_schema(task))
    kwargs = (schema or SchemaArgs()).schema(merged)
    return connect(target, **kwargs)


__all__ = [
    "CONNECT_FLAGS",
    "PANEL",
    "SchemaArgs",
    "open_db",
    "schema_flags",
    "schema_options",
    "task_schema",
]
