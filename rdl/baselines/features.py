"""Tabular features for a task's seeds ``(entity, t)``: the entity row's own columns and
time-windowed aggregates over foreign-key paths, computed in DuckDB SQL.

Temporal rule (RelBench / PyG semantics): the features of a seed at time ``t`` use only
rows whose time is ``<= t`` (rows of static tables, which have no time column, always).
Every timed table on a path is filtered this way inside the join, so no row dated after
``t`` ever reaches an aggregate.

Entity features (`entity_features`), named ``<entity_table>.<column>[.<part>]``:

* ``numerical`` -> the value;
* ``categorical`` and ``text_embedded`` -> a pandas ``category`` (codes over the values of
  the whole entity table; LightGBM treats it as categorical); columns with more than
  `MAX_CATEGORIES` distinct values are left out;
* ``timestamp`` -> ``.epoch_days`` (days since 1970-01-01) and ``.year``; with
  ``days_before_seed=True`` also ``.days_before_seed`` (``t - value`` in days, e.g. age);
* ``multicategorical`` / ``embedding`` columns are skipped.

Aggregated features (`plan_aggregations` + `aggregate_features`). A *path* starts at the
entity table ``E`` and follows foreign keys for up to two hops; its name lists the hops,
``<table>.<fkey>`` each, joined by ``<`` (hop to a child table whose ``fkey`` points back)
or ``>`` (hop to the parent that ``fkey`` of the previous table references):

* ``results.driverId``: ``E <- results`` (the entity's results);
* ``results.driverId>races.raceId``: the races of those results (``E <- C -> P``);
* ``results.driverId<pit_stops.resultId``: rows pointing at the entity's results
  (``E <- C <- G``);
* ``>races.raceId`` / ``>races.raceId>circuits.circuitId``: the entity's own parent (and
  grandparent) row; their columns are looked up, not aggregated.

Feature names are ``<path>__<column>__<agg>__<window>``, windows ``30d``/``90d``/``365d``
(rows with ``t - window < time <= t``) and ``all`` (``time <= t``):

* ``<column>__mean|min|max__<window>`` for numerical columns, ``<column>__last`` (value of
  the latest row where it is non-null; ties broken by row order);
* ``<column>=<value>__share__<window>`` for categorical columns: share of the rows (with
  the column non-null) equal to ``value``, for the ``top_categories`` most frequent values;
* ``count__<window>``, ``days_since_last`` and ``days_since_first`` per child path (days
  between ``t`` and the latest / earliest row);
* lookup paths: ``<path>__<column>`` (categorical as a ``category``).

The window clock of a path is the time column of its deepest child table (``G`` for
``E <- C <- G``, ``C`` otherwise), or of the nearest timed table above it if that one is
static; paths without any timed table get only ``__all`` aggregates and no
``last``/``days_since_*``. Which columns and category values a plan uses is decided once
from the rows dated ``<= vocab_cutoff`` (pass the end of the training period), so the
feature *definitions* never depend on evaluation-period rows; the feature count is capped
by ``max_features`` (depth-1 paths first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

DEFAULT_WINDOWS: tuple[int | None, ...] = (30, 90, 365, None)
#: categorical / text columns of an entity or looked-up parent row with more distinct
#: values than this are left out (category codes of near-unique ids do not generalise and
#: make LightGBM's categorical splits slow)
MAX_CATEGORIES = 5000
_SAFE = re.compile(r"[^A-Za-z0-9_.\-=<>+]")


def _safe(text: object) -> str:
    """A feature-name fragment LightGBM accepts (no JSON special characters)."""
    return _SAFE.sub("_", str(text))


def _q(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _window_name(w: int | None) -> str:
    return "all" if w is None else f"{w}d"


# ---------------------------------------------------------------------------------------
# entity features
# ---------------------------------------------------------------------------------------


def _seed_frame(entity_ids, seed_times) -> pd.DataFrame:
    ids = pd.Series(np.asarray(entity_ids))
    out = pd.DataFrame({"__eid": ids})
    if seed_times is not None:
        t = pd.to_datetime(pd.Series(np.asarray(seed_times)))
        if len(t) != len(ids):
            raise ValueError(f"entity_ids has {len(ids)} rows but seed_times {len(t)}")
        if t.isna().any():
            raise ValueError(f"seed_times has {int(t.isna().sum())} null value(s); every "
                             "seed needs a time")
        out["__t"] = t.astype("datetime64[us]")
    return out


def _row_lookup(table, ids: pd.Series, what: str) -> pd.DataFrame:
    """Rows of ``table`` matching ``ids`` on its primary key, in the order of ``ids``
    (all-null rows where no row matches)."""
    if table.pkey_col is None:
        raise ValueError(f"{what} has no primary key, so its rows cannot be looked up; "
                         "declare one (connect(..., primary_keys=...))")
    df = table.df
    key = df[table.pkey_col]
    pos = pd.Index(key).get_indexer(pd.Index(ids.astype(key.dtype, errors="ignore")))
    out = df.iloc[np.where(pos >= 0, pos, 0)].reset_index(drop=True)
    if (pos < 0).any():
        out = out.astype({c: "float64" for c in out.columns
                          if pd.api.types.is_integer_dtype(out[c]) or
                          pd.api.types.is_bool_dtype(out[c])})
        out.loc[pos < 0, :] = None
    return out


def _column_features(table, rows: pd.DataFrame, prefix: str, seed_t: pd.Series | None,
                     days_before_seed: bool) -> dict[str, pd.Series]:
    feats: dict[str, pd.Series] = {}
    for col, stype in table.stypes.items():
        if col in table.key_cols or col not in rows.columns:
            continue
        name = f"{prefix}.{_safe(col)}"
        s = rows[col]
        if stype == "numerical":
            feats[name] = pd.to_numeric(s, errors="coerce").astype("float64")
        elif stype in ("categorical", "text_embedded"):
            cats = pd.Index(table.df[col].dropna().unique())
            if len(cats) > MAX_CATEGORIES:
                continue
            try:
                cats = cats.sort_values()
            except TypeError:
                cats = pd.Index(sorted(cats.astype(str)))
                s = s.astype(str).where(s.notna())
            feats[name] = pd.Categorical(s, categories=cats)
        elif stype == "timestamp":
            ts = pd.to_datetime(s).astype("datetime64[us]")
            feats[f"{name}.epoch_days"] = (ts - pd.Timestamp(0)) / pd.Timedelta(days=1)
            feats[f"{name}.year"] = ts.dt.year.astype("float64")
            if days_before_seed and seed_t is not None:
                feats[f"{name}.days_before_seed"] = (seed_t - ts) / pd.Timedelta(days=1)
    return feats


def entity_features(db, entity_table: str, entity_ids, seed_times=None, *,
                    days_before_seed: bool = False) -> pd.DataFrame:
    """The entity row's own columns as model features, one row per seed.

    Args:
        db: `rdl.Database`.
        entity_table: the task's entity table (must have a primary key).
        entity_ids: ``[n]`` primary-key values (the task table's ``entity_col``).
        seed_times: ``[n]`` seed times ``t``; if given, entities whose own row is dated
            after ``t`` get all-null features (the row does not exist yet).
        days_before_seed: add ``t - value`` in days for timestamp columns (needs
            ``seed_times``).

    Returns:
        DataFrame ``[n, F]`` (index ``0..n-1``), names as in the module docstring.
        Entity ids absent from the table give null features.

    Source: RelBench's LightGBM baseline (``examples/lightgbm_node.py``) joins the entity
    row's columns onto the task table; RelBench embeds text with GloVe where rdl uses
    category codes.
    """
    table = db[entity_table]
    seeds = _seed_frame(entity_ids, seed_times)
    rows = _row_lookup(table, seeds["__eid"], f"entity table {entity_table!r}")
    seed_t = seeds["__t"] if "__t" in seeds else None
    feats = _column_features(table, rows, _safe(entity_table), seed_t, days_before_seed)
    out = pd.DataFrame(feats, index=pd.RangeIndex(len(seeds)))
    if seed_t is not None and table.time_col is not None:
        born = pd.to_datetime(rows[table.time_col]).astype("datetime64[us]")
        out.loc[(born > seed_t).to_numpy(), :] = None
    return out


# ---------------------------------------------------------------------------------------
# aggregation plan
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hop:
    """One step of a foreign-key path.

    ``direction="child"``: to ``table``, whose column ``fkey`` references the previous
    table; ``direction="parent"``: to ``table``, referenced by column ``fkey`` of the
    previous table.
    """

    table: str
    fkey: str
    direction: str

    def label(self) -> str:
        return f"{'<' if self.direction == 'child' else '>'}{_safe(self.table)}.{_safe(self.fkey)}"


@dataclass
class PathPlan:
    """The features of one path: numerical columns and categorical columns (with their
    top values) of the path's last table, and whether it is an aggregated path."""

    hops: tuple[Hop, ...]
    numerical: list[str] = field(default_factory=list)
    categorical: dict[str, list] = field(default_factory=dict)
    counts: bool = True

    @property
    def name(self) -> str:
        label = "".join(h.label() for h in self.hops)
        return label[1:] if label.startswith("<") else label

    @property
    def aggregated(self) -> bool:
        return self.hops[0].direction == "child"


@dataclass
class AggregationPlan:
    """Which paths, columns, category values and windows `aggregate_features` computes.

    Build it with `plan_aggregations`; ``feature_names`` lists the output columns.
    """

    entity_table: str
    paths: list[PathPlan]
    windows: tuple[int | None, ...] = DEFAULT_WINDOWS
    feature_names: list[str] = field(default_factory=list)


def _event_time(db, plan: PathPlan) -> tuple[int, str] | None:
    """(hop index, time column) of the path's window clock, or None."""
    child_idx = [i for i, h in enumerate(plan.hops) if h.direction == "child"]
    if not child_idx:
        return None
    for i in reversed(range(child_idx[-1] + 1)):
        tc = db[plan.hops[i].table].time_col
        if tc is not None:
            return i, tc
    return None


def _path_feature_names(db, plan: PathPlan, windows) -> list[str]:
    p = plan.name
    if not plan.aggregated:
        return [f"{p}__{_safe(c)}" for c in plan.numerical] + \
               [f"{p}__{_safe(c)}" for c in plan.categorical]
    timed = _event_time(db, plan) is not None
    ws = [_window_name(w) for w in (windows if timed else (None,))]
    names = []
    if plan.counts:
        names += [f"{p}__count__{w}" for w in ws]
        if timed:
            names += [f"{p}__days_since_last", f"{p}__days_since_first"]
    for c in plan.numerical:
        for agg in ("mean", "min", "max"):
            names += [f"{p}__{_safe(c)}__{agg}__{w}" for w in ws]
        if timed:
            names.append(f"{p}__{_safe(c)}__last")
    for c, values in plan.categorical.items():
        for v in values:
            names += [f"{p}__{_safe(c)}={_safe(v)}__share__{w}" for w in ws]
    return names


def _candidate_paths(db, entity_table: str, max_depth: int) -> list[tuple[Hop, ...]]:
    children: dict[str, list[Hop]] = {n: [] for n in db}
    for name, table in db.items():
        for col, target in table.fkey_col_to_pkey_table.items():
            children[target].append(Hop(name, col, "child"))

    def parents(name):
        return [Hop(t, c, "parent") for c, t in db[name].fkey_col_to_pkey_table.items()]

    depth1 = [(h,) for h in children[entity_table]] + [(h,) for h in parents(entity_table)]
    out = list(depth1)
    if max_depth >= 2:
        for (h,) in depth1:
            if h.direction == "child":
                # E <- C -> P (skip the hop straight back to E) and E <- C <- G
                out += [(h, p) for p in parents(h.table)
                        if not (p.fkey == h.fkey and p.table == entity_table)]
                out += [(h, g) for g in children[h.table]]
            else:
                out += [(h, p) for p in parents(h.table)]
    return out


def _visible(table, cutoff) -> pd.DataFrame:
    if cutoff is None or table.time_col is None:
        return table.df
    return table.df[table.df[table.time_col] <= pd.Timestamp(cutoff)]


def plan_aggregations(db, entity_table: str, *, max_depth: int = 2,
                      windows: tuple[int | None, ...] = DEFAULT_WINDOWS,
                      vocab_cutoff=None, max_features: int = 400,
                      max_numerical_per_path: int = 12, max_categorical_per_path: int = 3,
                      top_categories: int = 3) -> AggregationPlan:
    """Choose the foreign-key paths, columns and category values to aggregate.

    Args:
        db: `rdl.Database`.
        entity_table: the task's entity table.
        max_depth: 1 or 2 hops.
        windows: window lengths in days; ``None`` means all time.
        vocab_cutoff: only rows dated ``<= vocab_cutoff`` decide which columns are used
            (columns with no non-null value there are dropped) and which categorical
            values get a share feature. Pass the end of the training period
            (`rdl.baselines.run_baselines` passes the task's ``val_timestamp``);
            ``None`` looks at every row.
        max_features: cap on the number of features; paths are taken depth-1 first in
            schema order and a path that does not fit is cut down column by column.
        max_numerical_per_path, max_categorical_per_path, top_categories: per-path caps.

    Returns:
        `AggregationPlan`; ``plan.feature_names`` lists the features `aggregate_features`
        will return.

    Raises:
        ValueError: ``max_depth`` not 1 or 2; a window that is not a positive integer.
        KeyError: ``entity_table`` not in ``db``.
    """
    if max_depth not in (1, 2):
        raise ValueError(f"max_depth must be 1 or 2, got {max_depth}")
    for w in windows:
        if w is not None and (not isinstance(w, (int, np.integer)) or w <= 0):
            raise ValueError(f"windows must be positive integers (days) or None, got {w!r}")
    db[entity_table]  # KeyError with the table list
    windows = tuple(windows)
    paths: list[PathPlan] = []
    names: list[str] = []
    for hops in _candidate_paths(db, entity_table, max_depth):
        last = hops[-1]
        table = db[last.table]
        df = _visible(table, vocab_cutoff)
        key_cols = set(table.key_cols)
        numerical, categorical = [], {}
        for col, stype in table.stypes.items():
            if col in key_cols or col == table.time_col or col not in df.columns:
                continue
            values = df[col].dropna()
            if len(values) == 0:
                continue
            if stype == "numerical" and len(numerical) < max_numerical_per_path:
                if pd.api.types.is_numeric_dtype(values) and values.nunique() > 1:
                    numerical.append(col)
            elif stype == "categorical" and len(categorical) < max_categorical_per_path:
                counts = values.value_counts()
                lookup = hops[0].direction == "parent"  # the value itself becomes a feature
                if len(counts) > 1 and not (lookup and len(counts) > MAX_CATEGORIES):
                    categorical[col] = list(counts.index[:top_categories])
        plan = PathPlan(hops, numerical, categorical,
                        counts=hops[0].direction == "child" and hops[-1].direction == "child")
        if not plan.aggregated and not (numerical or categorical):
            continue
        new = _path_feature_names(db, plan, windows)
        # cut the path down until it fits under the cap
        while len(names) + len(new) > max_features and (plan.categorical or plan.numerical):
            if plan.categorical:
                col = list(plan.categorical)[-1]
                vals = plan.categorical[col]
                if len(vals) > 1:
                    plan.categorical[col] = vals[:-1]
                else:
                    del plan.categorical[col]
            else:
                plan.numerical.pop()
            new = _path_feature_names(db, plan, windows)
        if len(names) + len(new) > max_features or not new:
            continue
        paths.append(plan)
        names += new
    return AggregationPlan(entity_table, paths, windows, names)


# ---------------------------------------------------------------------------------------
# computing the features
# ---------------------------------------------------------------------------------------


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
                raise ValueError(f"table {h.table!r} has no primary key but "
                                 f"{first.table!r}.{h.fkey} references it")
            on = f"{alias}.{_q(table.pkey_col)} = h0.{_q(h.fkey)}"
            kind = "LEFT JOIN"
        else:  # E <- C <- G: its own group, window clock on G when G is timed
            if ctable.pkey_col is None:
                raise ValueError(f"table {first.table!r} has no primary key but "
                                 f"{h.table!r}.{h.fkey} references it")
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
        tcol = f"{clock_alias}.{_q(clock_col)}"
        inner += [f"{tcol} AS __time", f"{clock_alias}.__ord AS __ord"]
        inner += [f"({tcol} > s.__t - INTERVAL {int(w)} DAY) AS __w{i}"
                  for i, w in enumerate(ws) if w is not None]
    for k, plan in enumerate(plans):
        v = value_alias[k]
        inner += [f"CAST({v}.{_q(c)} AS DOUBLE) AS __x{k}_{j}"
                  for j, c in enumerate(plan.numerical)]
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
            for v in range(len(values)):
                sel += [f"avg({win(i, w, f'CAST(__c{k}_{j} = {v} AS DOUBLE)')})"
                        for i, w in enumerate(ws)]
        names = _path_feature_names(db, plan, windows)
        cols += [f"{expr} AS {_q(n)}" for expr, n in zip(sel, names, strict=True)]
    sql = (f"WITH j AS (SELECT {', '.join(inner)} FROM __seeds s {' '.join(joins)}) "
           f"SELECT __sid, {', '.join(cols)} FROM j GROUP BY __sid, __t")
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
    names = _path_feature_names(db, plan, ())
    exprs = [f"CAST({v}.{_q(c)} AS DOUBLE)" for c in plan.numerical] + \
            [f"{v}.{_q(c)}" for c in plan.categorical]
    cols = [f"{e} AS {_q(n)}" for e, n in zip(exprs, names)]
    sql = f"SELECT s.__sid, {', '.join(cols)} FROM __seeds s " + " ".join(joins)
    out = con.sql(sql).df().set_index("__sid")
    for c, n in zip(plan.categorical, names[len(plan.numerical):]):
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
    seeds = _seed_frame(entity_ids, seed_times)
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
        rows = _row_lookup(entity, uniq["__eid"], f"entity table {plan.entity_table!r}")
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
    key = seeds[["__eid", "__t"]].merge(uniq[["__eid", "__t", "__sid"]], how="left",
                                        on=["__eid", "__t"])
    out = feats.loc[key["__sid"].to_numpy()].reset_index(drop=True)
    return out
