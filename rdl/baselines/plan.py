"""Which time-windowed aggregates the LightGBM baseline computes: foreign-key paths from
the entity table, the columns and category values aggregated along each, and the feature
names (`plan_aggregations`). The SQL that computes them is `rdl.baselines.aggregate_sql`.

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

import numpy as np
import pandas as pd

DEFAULT_WINDOWS: tuple[int | None, ...] = (30, 90, 365, None)
#: categorical / text columns of an entity or looked-up parent row with more distinct
#: values than this are left out (category codes of near-unique ids do not generalise and
#: make LightGBM's categorical splits slow)
MAX_CATEGORIES = 5000
_SAFE = re.compile(r"[^A-Za-z0-9_.\-=<>+]")


def safe_name(text: object) -> str:
    """A feature-name fragment LightGBM accepts (no JSON special characters)."""
    return _SAFE.sub("_", str(text))


def _window_name(w: int | None) -> str:
    return "all" if w is None else f"{w}d"


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
        arrow = "<" if self.direction == "child" else ">"
        return f"{arrow}{safe_name(self.table)}.{safe_name(self.fkey)}"


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


def path_feature_names(db, plan: PathPlan, windows) -> list[str]:
    p = plan.name
    if not plan.aggregated:
        return [f"{p}__{safe_name(c)}" for c in plan.numerical] + [
            f"{p}__{safe_name(c)}" for c in plan.categorical
        ]
    timed = _event_time(db, plan) is not None
    ws = [_window_name(w) for w in (windows if timed else (None,))]
    names = []
    if plan.counts:
        names += [f"{p}__count__{w}" for w in ws]
        if timed:
            names += [f"{p}__days_since_last", f"{p}__days_since_first"]
    for c in plan.numerical:
        for agg in ("mean", "min", "max"):
            names += [f"{p}__{safe_name(c)}__{agg}__{w}" for w in ws]
        if timed:
            names.append(f"{p}__{safe_name(c)}__last")
    for c, values in plan.categorical.items():
        for v in values:
            names += [f"{p}__{safe_name(c)}={safe_name(v)}__share__{w}" for w in ws]
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
                out += [
                    (h, p)
                    for p in parents(h.table)
                    if not (p.fkey == h.fkey and p.table == entity_table)
                ]
                out += [(h, g) for g in children[h.table]]
            else:
                out += [(h, p) for p in parents(h.table)]
    return out


def _visible(table, cutoff) -> pd.DataFrame:
    if cutoff is None or table.time_col is None:
        return table.df
    return table.df[table.df[table.time_col] <= pd.Timestamp(cutoff)]


def plan_aggregations(
    db,
    entity_table: str,
    *,
    max_depth: int = 2,
    windows: tuple[int | None, ...] = DEFAULT_WINDOWS,
    vocab_cutoff=None,
    max_features: int = 400,
    max_numerical_per_path: int = 12,
    max_categorical_per_path: int = 3,
    top_categories: int = 3,
) -> AggregationPlan:
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
        numerical: list[str] = []
        categorical: dict[str, list] = {}
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
        plan = PathPlan(
            hops,
            numerical,
            categorical,
            counts=hops[0].direction == "child" and hops[-1].direction == "child",
        )
        if not plan.aggregated and not (numerical or categorical):
            continue
        new = path_feature_names(db, plan, windows)
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
            new = path_feature_names(db, plan, windows)
        if len(names) + len(new) > max_features or not new:
            continue
        paths.append(plan)
        names += new
    return AggregationPlan(entity_table, paths, windows, names)
