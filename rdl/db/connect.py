"""`connect(url)`: a SQL database -> a validated in-memory `Database`.

The checks of its arguments against the tables read (`need_table`, `need_col`) and the
parsing of given foreign keys (`given_fkeys`) live in `rdl.db.arguments`."""

from __future__ import annotations

from rdl.db import hints
from rdl.db.arguments import given_fkeys, need_col, need_table
from rdl.db.audit import leakage_suspects, strong_suspects
from rdl.db.backends import read_database
from rdl.db.columns import exclude_columns as drop_columns
from rdl.db.columns import read_columns
from rdl.db.database import Database
from rdl.db.errors import arg, said
from rdl.db.keys import infer_foreign_keys as find_foreign_keys
from rdl.db.links import FKeySpec, link
from rdl.db.pkeys import infer_primary_key
from rdl.db.schema import SURROGATE_PKEY
from rdl.db.schema_file import check_schema, pinned_schema
from rdl.db.stypes import infer_stypes
from rdl.db.table import Table
from rdl.db.timecols import (
    child_before_parent,
    choose_time_col,
    database_span,
    empty_time_text,
)
from rdl.db.validate import ValidationReport


def connect(
    url: str,
    *,
    time_cols: dict[str, str | None] | None = None,
    primary_keys: dict[str, str | list[str] | None] | None = None,
    foreign_keys: dict[str, dict[str, str | None]] | None = None,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    infer_foreign_keys: bool = True,
    stypes: dict[str, str] | None = None,
    time_formats: dict[str, str] | None = None,
    exclude_columns: list[str] | None = None,
    keep_columns: list[str] | None = None,
) -> Database:
    """Read the database at ``url`` into a validated `Database`, read-only.

    Every argument below has a CLI flag (`rdl.cli.schema_options`) and a key of the same
    name in a schema file (`rdl.db.schema_file.load_schema`, ``--schema schema.toml``).

    Args:
        url: a SQLAlchemy URL: ``sqlite:///file.db``, ``duckdb:///file.duckdb``,
            ``postgresql+psycopg://user@host:port/db``; other dialects SQLAlchemy reflects
            work too. rdl never writes to it.
        time_cols: table -> time column (``None``: the table has none; ``--time-col``,
            ``--no-time-col``). Other tables get one by rule (`rdl.db.timecols`: never an
            audit column, creation/event names first), stated in ``db.report``.
        primary_keys: table -> column, list of columns (composite) or ``None`` (none);
            ``--pkey``, ``--no-pkey``. Composite keys get a surrogate key column
            ``_rdl_key`` (0..n-1 in key order). Tables with no declared key get one
            inferred (`rdl.db.pkeys.infer_primary_key`), reported as a note.
        foreign_keys: table -> {column (``"a,b"`` composite): target}, added to the
            catalog's (``--fkey``); target ``"users"`` (its primary key) or
            ``"airports.code"`` (a unique column); ``None`` drops a declared or inferred
            key (``--no-fkey``). See `rdl.db.links` for how references to non-key columns
            are mapped.
        include / exclude: table names to keep / drop (``--include`` / ``--exclude``);
            views and tables of other schemas (``"archive.orders"``) are read only when
            included. A name the database does not have is an error.
        infer_foreign_keys: apply foreign keys inferred where the catalog declares none
            (`rdl.db.keys.infer_foreign_keys`). They are listed in ``db.inferred_fkeys``
            and near misses in ``db.rejected_fkeys``, with evidence either way.
        stypes: ``"table.column"`` -> stype (or ``"ignore"``), overriding inference
            (``--stype``). An ``"ignore"``\\ d column is kept as read (not parsed).
        time_formats: ``"table.column"`` -> how to read it as timestamps: a reading of
            `rdl.db.timeparse.READINGS` (``year-end``, ``yymmdd``, ``epoch-ms``,
            ``dayfirst`` ...) or a ``strftime`` format (``--time-format``, or
            ``--time-col table.column:READING``).
        exclude_columns: ``"table.column"`` names to drop on reading (``--exclude-column``;
            e.g. "as of today" columns the leakage audit lists).
        keep_columns: ``"table.column"`` names of strong leakage suspects to keep as
            features (``--keep-column``). Without it a strong suspect (`rdl.db.audit`: an
            export-time count, ...) is left out of the features, with a note; its values
            stay in the table for a task's SQL.

    Returns:
        `Database` whose tables are sorted by primary key (all columns when there is none),
        with ``db.report`` (`ValidationReport`: choices and problems),
        ``db.inferred_fkeys`` / ``db.rejected_fkeys`` (evidence), ``db.leakage`` (the
        audit, `rdl.db.audit`) and ``db.schema`` (every choice, as these arguments: what
        ``rdl inspect --write-schema`` writes and a checkpoint keeps). Times are naive UTC
        ``datetime64[ns]``; dangling foreign keys are set to null and counted (RelBench);
        non-finite numbers are missing values; binary and JSON columns are kept as read
        but are no features (a note says so).

    Raises:
        SchemaError: unknown table/column in an argument, a type rdl cannot encode, an
            empty database, or an override that does not fit the database.
        DataError: null or duplicate primary keys, values that are not timestamps under
            the reading given or detected, ambiguous day/month dates, mixed-zone
            timestamps, dates out of range that are no sentinel.
        SourceError: the database cannot be opened (see `rdl.db.sources`).
        FileNotFoundError: a file-backed database that does not exist.
    """
    args = check_schema(
        dict(
            time_cols=time_cols,
            primary_keys=primary_keys,
            foreign_keys=foreign_keys,
            include=include,
            exclude=exclude,
            infer_foreign_keys=infer_foreign_keys,
            stypes=stypes,
            time_formats=time_formats,
            exclude_columns=exclude_columns,
            keep_columns=keep_columns,
        ),
        "connect()",
    )
    gone = set(args["exclude_columns"])  # an excluded column's other options lapse
    args["stypes"] = {k: v for k, v in args["stypes"].items() if k not in gone}
    args["time_formats"] = {k: v for k, v in args["time_formats"].items() if k not in gone}
    time_cols, primary_keys = args["time_cols"], args["primary_keys"]
    catalog = read_database(url, include=args["include"], exclude=args["exclude"])
    raw = catalog.tables
    report = ValidationReport()
    for kind, names in (
        ("views", catalog.views),
        ("tables in other schemas", catalog.other_schemas),
    ):
        if names:
            report.add(
                "note",
                "(database)",
                None,
                f"{len(names)} {kind} not read: {names[:10]}; read one with "
                f"{hints.include(names[0])}",
            )
    for name in ("time_cols", "primary_keys", "foreign_keys"):
        for t in args[name]:
            need_table(raw, t, name, url)
    for name in ("stypes", "time_formats"):
        for key in args[name]:
            need_table(raw, key.split(".", 1)[0], name, url)
    drop_columns(raw, args["exclude_columns"], report, url)

    # 1. column values: one representation, non-finite -> missing, timestamps read
    readings = read_columns(raw, args, report)

    # 2. primary keys: given > declared > inferred; composite -> surrogate
    given_fks = given_fkeys(raw, args["foreign_keys"])
    referenced: dict[str, set[str]] = {}
    for rt in raw.values():
        for fk in rt.fkeys:
            if len(fk.ref_columns) == 1:
                referenced.setdefault(fk.ref_table, set()).add(fk.ref_columns[0])
    for s in given_fks:
        if s.target_columns and len(s.target_columns) == 1:
            referenced.setdefault(s.target, set()).add(s.target_columns[0])
    pk_cols: dict[str, list[str]] = {}
    pkeys: dict[str, str | None] = {}
    for name, rt in raw.items():
        pk = primary_keys.get(name, rt.pkey)
        if name not in primary_keys and not pk:
            unique = {u[0] for u in rt.unique if len(u) == 1}
            col, why = infer_primary_key(
                name,
                rt.df,
                list(raw),
                referenced.get(name, set()),
                unique,
                {n: o.df for n, o in raw.items() if n != name},
            )
            if col is not None:
                pk = col
                report.add(
                    "note",
                    name,
                    col,
                    f"no primary key declared; chosen as primary "
                    f"key ({why}). Another: {hints.pkey(name)}, or {hints.no_pkey(name)}",
                )
            elif why:
                report.add(
                    "note",
                    name,
                    None,
                    f"no primary key declared and {why}; none "
                    f"chosen. Choose one with {hints.pkey(name)}",
                )
        pk = [pk] if isinstance(pk, str) else list(pk or [])
        for c in pk:
            need_col(rt, c, "primary_keys", hints.pkey(name))
        pk_cols[name] = pk
        if len(pk) > 1:
            rt.df = rt.df.sort_values(pk, kind="stable").reset_index(drop=True)
            rt.df.insert(0, SURROGATE_PKEY, range(len(rt.df)))
            report.add(
                "note",
                name,
                SURROGATE_PKEY,
                f"composite primary key {pk} mapped to surrogate key {SURROGATE_PKEY}",
            )
        pkeys[name] = pk[0] if len(pk) == 1 else (SURROGATE_PKEY if pk else None)

    # 3. foreign keys: declared, then given (which may override or drop them)
    specs: dict[tuple[str, str], FKeySpec] = {}
    for name, rt in raw.items():
        for fk in rt.fkeys:
            if fk.ref_table not in raw:
                left_out = bool(args["include"] or args["exclude"]) or fk.ref_table in (
                    list(catalog.views) + list(catalog.other_schemas)
                )
                report.add(
                    "warning",
                    name,
                    ",".join(fk.columns),
                    f"foreign key to table {fk.ref_table!r}, which is not loaded "
                    f"({arg('include')} / {arg('exclude')}); ignored. Load "
                    f"{fk.ref_table!r} to keep this link: {hints.include(fk.ref_table)}"
                    if left_out
                    else f"foreign key to table {fk.ref_table!r}, which this database does "
                    "not have (the catalog's constraint points nowhere); ignored: the column "
                    "stays a plain column",
                )
                continue
            spec = FKeySpec(name, list(fk.columns), fk.ref_table, list(fk.ref_columns) or None)
            specs[(name, spec.key)] = spec
    for s in given_fks:
        specs[(s.table, s.key)] = s
    dropped = {(t, c) for t, m in args["foreign_keys"].items() for c, v in m.items() if v is None}
    for key in dropped:
        specs.pop(key, None)

    # 4. rows in a deterministic order
    for name, rt in raw.items():
        if len(pk_cols[name]) > 1:
            continue
        by = [pkeys[name]] if pkeys[name] else list(rt.df.columns)
        try:
            rt.df = rt.df.sort_values(by, kind="stable", na_position="last").reset_index(drop=True)
        except TypeError:
            rt.df = rt.df.reset_index(drop=True)

    # 5. foreign-key inference (evidence always listed, applied on request)
    holders = {n: _Holder(rt.df, pkeys[n]) for n, rt in raw.items()}
    known: dict[str, dict[str, bool]] = {n: {} for n in raw}
    for t, key in list(specs) + list(dropped):
        for c in key.split(","):
            known[t][c] = True
    uniques = {n: {u[0] for u in rt.unique if len(u) == 1} for n, rt in raw.items()}
    inferred, rejected = find_foreign_keys(holders, known, uniques)
    for ev in inferred:
        ev["applied"] = bool(args["infer_foreign_keys"])
        if ev["applied"]:
            tgt = [ev["target_key"]] if ev["target_key"] != pkeys[ev["target"]] else None
            specs[(ev["table"], ev["column"])] = FKeySpec(
                ev["table"], [ev["column"]], ev["target"], tgt, "inferred"
            )
            if pkeys[ev["target"]] is None and ev["target"] not in primary_keys:
                pkeys[ev["target"]], pk_cols[ev["target"]] = ev["target_key"], [ev["target_key"]]
                report.add(
                    "note",
                    ev["target"],
                    ev["target_key"],
                    f"chosen as primary key: unique, non-null, and referenced by "
                    f"{ev['table']}.{ev['column']}. Another: {hints.pkey(ev['target'])}",
                )
                specs[(ev["table"], ev["column"])].target_columns = None
                rt = raw[ev["target"]]  # sorted by its new primary key, as every table
                rt.df = rt.df.sort_values(ev["target_key"], kind="stable").reset_index(drop=True)
    for ev in rejected:
        report.add(
            "note",
            ev["table"],
            ev["column"],
            (
                f"not a foreign key to {ev['target']}.{ev['target_key']}: {ev['reason']} "
                f"({ev['non_null']:,} values, {ev['dangling']:,} not found). If it is one: "
                f"{hints.fkey(ev['table'], ev['column'], ev['target'])}"
            ),
        )

    # 6. links: one column per foreign key holding the parent's primary-key value
    fkeys: dict[str, dict[str, str]] = {name: {} for name in raw}
    extra_key_cols = {name: list(pk_cols[name]) if len(pk_cols[name]) > 1 else [] for name in raw}
    applied = []
    for spec in specs.values():
        col, raw[spec.table].df = link(
            spec,
            raw[spec.table].df,
            raw[spec.target].df,
            pkeys[spec.target],
            pk_cols[spec.target],
            report,
        )
        if col is not None:
            applied.append(spec)
            fkeys[spec.table][col] = spec.target
            if col.startswith("_rdl_fkey_"):
                extra_key_cols[spec.table].extend(spec.columns)

    for rt in raw.values():  # the values as read served the links; drop them
        rt.df = rt.df[[c for c in rt.df.columns if not str(c).startswith("\0raw:")]]

    # 7. time columns (database-wide: audit columns hold its latest date), stypes, tables
    cands = {n: c for n, c in readings.candidates.items() if n not in time_cols}
    span = database_span({n: rt.df for n, rt in raw.items()}, cands)
    tables = {}
    for name, rt in raw.items():
        if name in time_cols:
            tc = time_cols[name]
            if tc is not None:
                need_col(rt, tc, "time_cols", hints.time_col(name))
                report.add("note", name, tc, "time column chosen by " + hints.time_col(name, tc))
        else:
            tc = choose_time_col(name, rt.df, cands.get(name, []), span, report)
        if tc is None and readings.empty_times.get(name):
            report.add(
                "warning",
                name,
                readings.empty_times[name][0],
                empty_time_text(name, readings.empty_times[name]),
            )
        fkeys[name] = {c: fkeys[name][c] for c in rt.df.columns if c in fkeys[name]}
        keys = ([pk] if (pk := pkeys[name]) else []) + list(fkeys[name]) + extra_key_cols[name]
        overrides = {
            k.split(".", 1)[1]: v for k, v in args["stypes"].items() if k.split(".", 1)[0] == name
        }
        st = infer_stypes(
            rt.df,
            table=name,
            exclude=keys,
            overrides=overrides,
            sql_types=rt.sql_types,
            report=report,
        )
        tables[name] = Table(rt.df, fkeys[name], pkeys[name], tc, st)

    db = Database(tables)
    report.extend(db.validate(fix=True))
    report.raise_if_errors()
    early = child_before_parent(db, report)
    db.report = report
    db.inferred_fkeys = inferred
    db.rejected_fkeys = rejected
    db.url = url
    db.unread = list(catalog.views) + list(catalog.other_schemas)  # views not included
    db.leakage = leakage_suspects(db) + [
        {
            "table": e["child"],
            "column": e["column"],
            "kind": "child before parent",
            "reason": f"{e['rows']} of {e['of']} rows dated before the {e['parent']} row they "
            f"reference{e['harmless']}",
            "fix": said(e["fix"]),
            "strength": "weak",
        }
        for e in early
    ]
    _leave_out_strong_suspects(db, args["keep_columns"], report)
    db.schema = pinned_schema(db, pk_cols, applied, readings.readings, args)
    return db


def _leave_out_strong_suspects(db, keep: list[str], report) -> None:
    """Strong leakage suspects are no features unless kept (see `connect`'s
    ``keep_columns``); their values stay for a task's SQL."""
    for x in strong_suspects(db.leakage, keep):
        t = db[x["table"]]
        if x["column"] not in t.stypes:
            continue
        del t.stypes[x["column"]]
        x["excluded"] = True
        x["fix"] = said(hints.keep_column(x["table"], x["column"]))
        report.add(
            "note",
            x["table"],
            x["column"],
            f"left out of the features: a strong leakage suspect ({x['kind']}); keep "
            f"it with {x['fix']}",
        )


class _Holder:
    def __init__(self, df, pkey_col):
        self.df, self.pkey_col = df, pkey_col


__all__ = ["connect"]
