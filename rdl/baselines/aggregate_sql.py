"""The DuckDB SQL that computes the time-bounded aggregates of an `AggregationPlan`
(`aggregate_features`); the plan and the feature names are `rdl.baselines.plan`.

Temporal rule (RelBench / PyG semantics): the features of a seed at time ``t`` use only
rows whose time is ``<= t`` (rows of static tables, which have no time column, always).
Every timed table on a path is filtered this way inside the join, so no row dated after
``t`` ever reaches an aggregate.

Each group of paths that share their first hop ``E <- C`` is one query over the seeds
(``__seeds``: seed id ``__sid``, entity id ``__eid``, seed time ``__t``) joined to
projected copies of the tables, registered with an in-memory DuckDB connection; lookup
paths (``E -> P``, ``E -> P -> Q``) are one query each.
"""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd

from rdl.baselines._rows import row_lookup, seed_frame
from rdl.baselines.plan import AggregationPlan, PathPlan, path_feature_names
from rdl.db.sql import quote_identifier as _q


class _Registry:
    """Registers projected copies of tables with a DuckDB connection under safe names."""

    def __init__(self, con, db):
        self.con, self.db, self.n = con, db, 0

    def add(self, table_name: str, columns: set[str], categorical: dict | None = None) -> str:
        """Register ``table_name`` with ``columns`` (plus ``__ord``, the row order by time
        then row position, and ``__cat_<col>`` codes of the ``categorical`` top values:
        ``k`` for the ``k``-th value, -1 for other values, null for null)."""
        table = self.db[table_name]
        cols = [c for c in dict.fromkeys(columns) if c in table.df.columns]
        df = table.df[cols].copy()
        if table.time_col is not None:
            t = table.time_col
            df[t] = pd.to_datetime(df[t]).astype("datetime64[us]")
            order = np.lexsort((np.arange(len(df)), df[t].to_numpy()))
            rank = np.empty(len(df), dtype=np.int64)
            rank[order] = np.arange(len(df))
            df["__ord"] = rank
        else:
            df["__ord"] = np.arange(len(df), dtype=np.int64)
        for c, values in (categorical or {}).items():
            codes = pd.Series(-1, index=df.index, dtype="int64")
            for k, v in enumerate(values):
                codes[df[c] == v] = k
            df[f"__cat_{c}"] = codes.where(df[c].notna())
        for c in df.columns:
            if isinstance(df[c].dtype, pd.CategoricalDtype):
                df[c] = df[c].astype(object)
        name = f"__r{self.n}"
        self.n += 1
        self.con.register(name, df)
        return name


def _needed(table, plan: PathPlan | None = None) -> set[str]:
    cols = set(table.key_cols) | ({table.time_col} if table.time_col else set())
    if plan is not None:
        cols |= set(plan.numerical) | set(plan.categorical)
    return cols


def _aggregate_group(con, reg: _Registry, db, plans: list[PathPlan], windows) -> pd.DataFrame:
    """Aggregated features of paths that start with the same hop ``E <- C``, in one query.

    ``plans`` holds at most one ``E <- C`` or ``E <- C <- G`` plan (its own rows) and any
    number of ``E <- C -> P`` plans; the parents are LEFT JOINed (one row per ``C`` row, so
    the join does not multiply rows; a parent dated after ``t`` gives nulls, which the
    aggregates skip).
    """
    first = plans[0].hops[0]
    own = [p for p in plans if p.hops[-1].direction == "child"]
    assert len(own) <= 1 and all(p.hops[0] == first for p in plans)
    ctable = db[first.table]
    c_cats = own[0].categorical if own and len(own[0].hops) == 1 else None
    c_plan = own[0] if own and len(own[0].hops) == 1 else None
    cname = reg.add(first.table, _needed(ctable, c_plan), c_cats)
    on = f"h0.{_q(first.fkey)} = s.__eid"
    if ctable.time_col is not None:
        on += f" AND h0.{_q(ctable.time_col)} <= s.__t"
    joins = [f"JOIN {cname} h0 ON {on}"]
    value_alias: dict[int, str] = {}  # plan index -> alias of the table its values come from
    clock_alias, clock_col = ("h0", ctable.time_col) if ctable.time_col else (None, None)
    for k, plan in enumerate(plans):
        if len(plan.hops) == 1:
            value_alias[k] = "h0"
            continue
        h = plan.hops[1]
        table = db[h.table]
        alias = f"p{k}"
        name = reg.add(h.table, _needed(table, plan), plan.categorical)
        if h.direction == "parent":
            if table.pkey_col is None:
                raise ValueError(
                    f"table {h.table!r} has no primary key but "
                    f"{first.table!r}.{h.fkey} references it"
                )
            on = f"{alias}.{_q(table.pkey_col)} = h0.{_q(h.fkey)}"
            kind = "LEFT JOIN"
        else:  # E <- C <- G: its own group, window clock on G when G is timed
            if ctable.pkey_col is None:
                raise ValueError(
                    f"table {first.table!r} has no primary key but "
                    f"{h.table!r}.{h.fkey} references it"
                )
            on = f"{alias}.{_q(h.fkey)} = h0.{_q(ctable.pkey_col)}"
            kind = "JOIN"
            if table.time_col is not None:
                clock_alias, clock_col = alias, table.time_col
        if table.time_col is not None:
            on += f" AND {alias}.{_q(table.time_col)} <= s.__t"
        joins.append(f"{kind} {name} {alias} ON {on}")
        value_alias[k] = alias
    timed = clock_col is not None
    ws = windows if timed else (None,)

    # stage 1: the joined rows, with the window flags and values precomputed
    inner = ["s.__sid", "s.__t"]
    if timed:
        tcol = f"{clock_alias}.{_q(str(clock_col))}"  # timed: not None
        inner += [f"{tcol} AS __time", f"{clock_alias}.__ord AS __ord"]
        inner += [
            f"({tcol} > s.__t - INTERVAL {int(w)} DAY) AS __w{i}"
            for i, w in enumerate(ws)
            if w is not None
        ]
    for k, plan in enumerate(plans):
        v = value_alias[k]
        inner += [
            f"CAST({v}.{_q(c)} AS DOUBLE) AS __x{k}_{j}" for j, c in enumerate(plan.numerical)
        ]
        inner += [f"{v}.{_q('__cat_' + c)} AS __c{k}_{j}" for j, c in enumerate(plan.categorical)]

    # stage 2: aggregates; CASE instead of FILTER (many FILTER clauses are much slower
    # in DuckDB 1.5)
    def win(i, w, expr):
        return expr if w is None else f"CASE WHEN __w{i} THEN {expr} END"

    cols = []
    for k, plan in enumerate(plans):
        sel = []
        if plan.counts:
            sel += [f"count({win(i, w, '1')})" for i, w in enumerate(ws)]
            if timed:
                sel.append("(epoch(__t) - epoch(max(__time))) / 86400.0")
                sel.append("(epoch(__t) - epoch(min(__time))) / 86400.0")
        for j, _ in enumerate(plan.numerical):
            for agg in ("avg", "min", "max"):
                sel += [f"{agg}({win(i, w, f'__x{k}_{j}')})" for i, w in enumerate(ws)]
            if timed:
                sel.append(f"arg_max(__x{k}_{j}, __ord)")
        for j, values in enumerate(plan.categorical.values()):
            for code in range(len(values)):
                sel += [
                    f"avg({win(i, w, f'CAST(__c{k}_{j} = {code} AS DOUBLE)')})"
                    for i, w in enumerate(ws)
                ]
        names = path_feature_names(db, plan, windows)
        cols += [f"{expr} AS {_q(n)}" for expr, n in zip(sel, names, strict=True)]
    sql = (
        f"WITH j AS (SELECT {', '.join(inner)} FROM __seeds s {' '.join(joins)}) "
        f"SELECT __sid, {', '.join(cols)} FROM j GROUP BY __sid, __t"
    )
    return con.sql(sql).df().set_index("__sid")


def _groups(plan: AggregationPlan) -> list[list[PathPlan]]:
    """Aggregated paths grouped for `_aggregate_group`: each ``E <- C`` with its
    ``E <- C -> P`` extensions; each ``E <- C <- G`` alone."""
    groups: dict[tuple, list[PathPlan]] = {}
    for p in plan.paths:
        if not p.aggregated:
            continue
        if len(p.hops) == 2 and p.hops[1].direction == "child":
            groups[(p.hops[0], p.hops[1])] = [p]
        else:
            groups.setdefault((p.hops[0],), []).append(p)
    return list(groups.values())


def _lookup_path(con, reg: _Registry, db, plan: PathPlan) -> pd.DataFrame:
    """Columns of the entity's parent (or grandparent) row, if visible at ``t``."""
    joins, prev_alias = [], "s"
    for i, h in enumerate(plan.hops):
        table = db[h.table]
        needed = set(table.key_cols) | ({table.time_col} if table.time_col else set())
        if i == len(plan.hops) - 1:
            needed |= set(plan.numerical) | set(plan.categorical)
        name = reg.add(h.table, needed)
        alias = f"h{i}"
        if i == 0:
            on = f"{alias}.{_q(table.pkey_col)} = s.__fk_{_safe_ident(h.fkey)}"
        else:
            on = f"{alias}.{_q(table.pkey_col)} = {prev_alias}.{_q(h.fkey)}"
        if table.time_col is not None:
            on += f" AND {alias}.{_q(table.time_col)} <= s.__t"
        joins.append(f"JOIN {name} {alias} ON {on}")
        prev_alias = alias
    v = prev_alias
    names = path_feature_names(db, plan, ())
    exprs = [f"CAST({v}.{_q(c)} AS DOUBLE)" for c in plan.numerical] + [
        f"{v}.{_q(c)}" for c in plan.categorical
    ]
    cols = [f"{e} AS {_q(n)}" for e, n in zip(exprs, names)]
    sql = f"SELECT s.__sid, {', '.join(cols)} FROM __seeds s " + " ".join(joins)
    out = con.sql(sql).df().set_index("__sid")
    for c, n in zip(plan.categorical, names[len(plan.numerical) :]):
        cats = pd.Index(db[plan.hops[-1].table].df[c].dropna().unique())
        out[n] = pd.Categorical(out[n], categories=cats)
    return out


def _safe_ident(text: str) -> str:
    return re.sub(r"\W", "_", str(text))


def aggregate_features(db, plan: AggregationPlan, entity_ids, seed_times) -> pd.DataFrame:
    """Compute the aggregated features of ``plan`` for seeds ``(entity_ids[i], seed_times[i])``.

    Only rows dated ``<= seed_times[i]`` contribute to row ``i`` (every timed table on a
    path is filtered in the join). Duplicate seeds are computed once.

    Args:
        db: `rdl.Database` (the full database is fine: the time filter is per seed).
        plan: from `plan_aggregations` on the same schema.
        entity_ids: ``[n]`` primary keys of ``plan.entity_table``.
        seed_times: ``[n]`` seed times.

    Returns:
        DataFrame ``[n, len(plan.feature_names)]`` in that column order, index ``0..n-1``.
        Counts are 0 and other aggregates null where no row is visible.

    Raises:
        ValueError: null seed times, or a lookup through a table without primary key.
    """
    seeds = seed_frame(entity_ids, seed_times)
    if "__t" not in seeds:
        raise ValueError("aggregate_features needs seed_times")
    entity = db[plan.entity_table]
    if len(entity.df) and entity.pkey_col is not None:
        seeds["__eid"] = seeds["__eid"].astype(entity.df[entity.pkey_col].dtype, errors="ignore")
    uniq = seeds.drop_duplicates(["__eid", "__t"]).reset_index(drop=True)
    uniq["__sid"] = np.arange(len(uniq), dtype=np.int64)
    # parent keys of the entity row, for lookup paths
    lookups = [p for p in plan.paths if not p.aggregated]
    if lookups:
        rows = row_lookup(entity, uniq["__eid"], f"entity table {plan.entity_table!r}")
        for p in lookups:
            uniq[f"__fk_{_safe_ident(p.hops[0].fkey)}"] = rows[p.hops[0].fkey].to_numpy()
    con = duckdb.connect()
    try:
        try:  # in Jupyter DuckDB refuses to touch the setting without ipywidgets
            con.execute("SET enable_progress_bar = false")
        except duckdb.InvalidInputException:
            pass
        con.register("__seeds", uniq)
        reg = _Registry(con, db)
        parts = [_aggregate_group(con, reg, db, g, plan.windows) for g in _groups(plan)]
        parts += [_lookup_path(con, reg, db, p) for p in plan.paths if not p.aggregated]
    finally:
        con.close()
    feats = pd.DataFrame(index=pd.RangeIndex(len(uniq), name="__sid"))
    feats = feats.join(parts, how="left") if parts else feats
    count_cols = [c for c in feats.columns if "__count__" in c]
    feats[count_cols] = feats[count_cols].fillna(0).astype("float64")
    feats = feats.reindex(columns=plan.feature_names)
    key = seeds[["__eid", "__t"]].merge(
        uniq[["__eid", "__t", "__sid"]], how="left", on=["__eid", "__t"]
    )
    out = feats.loc[key["__sid"].to_numpy()].reset_index(drop=True)
    return out
