"""Tabular features for a task's seeds ``(entity, t)``: the entity row's own columns
(`entity_features`, here) and time-windowed aggregates over foreign-key paths computed in
DuckDB SQL (`plan_aggregations` in `rdl.baselines.plan` chooses them and names them;
`aggregate_features` in `rdl.baselines.aggregate_sql` computes them). This module is the
public entry point for all three.

Temporal rule (RelBench / PyG semantics): the features of a seed at time ``t`` use only
rows whose time is ``<= t`` (rows of static tables, which have no time column, always).

Entity features (`entity_features`), named ``<entity_table>.<column>[.<part>]``:

* ``numerical`` -> the value;
* ``categorical`` and ``text_embedded`` -> a pandas ``category`` (codes over the values of
  the whole entity table; LightGBM treats it as categorical); columns with more than
  `MAX_CATEGORIES` distinct values are left out;
* ``timestamp`` -> ``.epoch_days`` (days since 1970-01-01) and ``.year``; with
  ``days_before_seed=True`` also ``.days_before_seed`` (``t - value`` in days, e.g. age);
* ``multicategorical`` / ``embedding`` columns are skipped.
"""

from __future__ import annotations

import pandas as pd

from rdl.baselines._rows import row_lookup, seed_frame
from rdl.baselines.aggregate_sql import aggregate_features
from rdl.baselines.plan import (
    DEFAULT_WINDOWS,
    MAX_CATEGORIES,
    AggregationPlan,
    Hop,
    PathPlan,
    plan_aggregations,
    safe_name,
)

__all__ = [
    "DEFAULT_WINDOWS",
    "MAX_CATEGORIES",
    "AggregationPlan",
    "Hop",
    "PathPlan",
    "aggregate_features",
    "entity_features",
    "plan_aggregations",
]


def _column_features(
    table, rows: pd.DataFrame, prefix: str, seed_t: pd.Series | None, days_before_seed: bool
) -> dict[str, pd.Series]:
    feats: dict[str, pd.Series] = {}
    for col, stype in table.stypes.items():
        if col in table.key_cols or col not in rows.columns:
            continue
        name = f"{prefix}.{safe_name(col)}"
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


def entity_features(
    db, entity_table: str, entity_ids, seed_times=None, *, days_before_seed: bool = False
) -> pd.DataFrame:
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
    seeds = seed_frame(entity_ids, seed_times)
    rows = row_lookup(table, seeds["__eid"], f"entity table {entity_table!r}")
    seed_t = seeds.get("__t")
    feats = _column_features(table, rows, safe_name(entity_table), seed_t, days_before_seed)
    out = pd.DataFrame(feats, index=pd.RangeIndex(len(seeds)))
    if seed_t is not None and table.time_col is not None:
        born = pd.to_datetime(rows[table.time_col]).astype("datetime64[us]")
        out.loc[(born > seed_t).to_numpy(), :] = None
    return out
