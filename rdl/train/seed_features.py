"""Tabular inputs of a seed, computed at its information cut-off (the
time-bounded aggregates and past labels a tabular model would see, as a GNN input).

For a seed (entity ``e``, seed time ``t``) with information cut-off ``c <= t``
(`rdl.train.stale`), the features describe what was known at ``c``:

* **aggregates**: rdl's time-bounded relational aggregates of the entity
  (`rdl.baselines.plan_aggregations` + `rdl.baselines.aggregate_features`, the features
  of the ``lightgbm_aggregated`` baseline: counts, means, minima, maxima, last values,
  category shares over 30 / 90 / 365 days and all time along foreign-key paths, days
  since the first / last row) and the entity row's numerical and timestamp columns
  (timestamps as days before ``c``, e.g. age) — all from the protocol's input database
  and from rows dated ``<= c`` only;
* **past labels**: the entity's own labels whose window closed by ``c`` — a label of seed
  time ``t'`` becomes known at ``t' + timedelta`` (RelBench's
  ``examples/gnn_entity.py --include_task_tables``, which adds the train and val tables
  with their time shifted by ``+timedelta``); from the train and val tables only, never
  the test table. Per label column: mean of all, mean of the last 3, the last one; plus
  their count and the days from the last one's closing to ``c``.

Every feature is a function of ``(e, c)`` only, so seeds that share an entity and a
cut-off share a row: `SeedFeatures.bank` computes each distinct pair once.
`FeatureScaler` turns the frame into the model's input (signed log, standardised on
the training rows, nulls as 0 plus an indicator column).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from rdl.baselines import aggregate_features, entity_features, plan_aggregations
from rdl.baselines.targets import MULTICLASS, label_matrix, num_classes, task_type
from rdl.db.errors import ArgumentError, arg
from rdl.train.seeds import to_seconds

PARTS = ("aggregates", "past_labels")
SECONDS_PER_DAY = 86400.0


class PastLabels:
    """The entity's labels known at a cut-off (see the module docstring).

    Args:
        task: the entity task.
        tables: task tables whose labels may be inputs (train and val; never test).

    Raises:
        ValueError: null labels (see `rdl.baselines.targets.label_matrix`).
    """

    def __init__(self, task, tables: list[pd.DataFrame]):
        df = pd.concat(tables, ignore_index=True)
        self.window = int(pd.Timedelta(task.timedelta).total_seconds())
        k = num_classes(task, df[task.target_col]) if task_type(task) is MULTICLASS else None
        y = label_matrix(task, df[task.target_col].reset_index(drop=True), k).astype(np.float64)
        t = to_seconds(df[task.time_col])
        self.entities = pd.Index(pd.unique(df[task.entity_col]))
        code = self.entities.get_indexer(df[task.entity_col])
        self.t0 = int(t.min()) if len(t) else 0
        self.span = int(t.max() - self.t0 + 2) if len(t) else 2
        keys = code.astype(np.int64) * self.span + (t - self.t0)
        order = np.argsort(keys, kind="stable")
        self.keys, self.t, self.y = keys[order], t[order], y[order]
        self.csum = np.vstack([np.zeros((1, y.shape[1])), np.cumsum(self.y, axis=0)])
        self.names = [f"label{j}" if y.shape[1] > 1 else "label" for j in range(y.shape[1])]

    @property
    def feature_names(self) -> list[str]:
        out = ["past_labels__count", "past_labels__days_since_last"]
        for n in self.names:
            out += [
                f"past_labels__{n}__mean",
                f"past_labels__{n}__mean_last3",
                f"past_labels__{n}__last",
            ]
        return out

    def frame(self, entity_ids, cutoffs: np.ndarray) -> pd.DataFrame:
        """``[n, F]`` features of seeds with these entities and cut-offs (seconds); only
        labels with ``t' + timedelta <= c`` count."""
        code = self.entities.get_indexer(pd.Index(np.asarray(entity_ids)))
        c = np.asarray(cutoffs, dtype=np.int64)
        known = code >= 0
        base = np.where(known, code, 0).astype(np.int64) * self.span
        start = np.searchsorted(self.keys, base, side="left")
        last_ok = np.clip(c - self.window - self.t0, -1, self.span - 1)
        pos = np.searchsorted(self.keys, base + last_ok, side="right")
        pos = np.where(known, pos, start)
        count = pos - start
        has = count > 0
        out = {"past_labels__count": count.astype(np.float64)}
        prev = np.maximum(pos - 1, 0)
        days = (
            (c - (self.t[prev] + self.window)) / SECONDS_PER_DAY
            if len(self.t)
            else np.zeros(len(c))
        )
        out["past_labels__days_since_last"] = np.where(has, days, np.nan)
        lo3 = np.maximum(start, pos - 3)
        with np.errstate(invalid="ignore", divide="ignore"):
            for j, n in enumerate(self.names):
                cs = self.csum[:, j]
                mean = (cs[pos] - cs[start]) / count
                mean3 = (cs[pos] - cs[lo3]) / (pos - lo3)
                last = self.y[prev, j] if len(self.y) else np.zeros(len(c))
                out[f"past_labels__{n}__mean"] = np.where(has, mean, np.nan)
                out[f"past_labels__{n}__mean_last3"] = np.where(has, mean3, np.nan)
                out[f"past_labels__{n}__last"] = np.where(has, last, np.nan)
        return pd.DataFrame(out)


class SeedFeatures:
    """Computes the seed features of a task (see the module docstring).

    Args:
        task: the entity task.
        protocol: `rdl.tasks.PROTOCOLS`; the features come from ``task.input_db(protocol)``.
        train, val: the train and val task tables (``DataFrame``). The aggregation plan's
            columns and category values are chosen from rows dated ``<=`` the end of the
            training period (as `rdl.baselines.LightGBMBaseline`); past labels come from
            both tables.
        parts: which features, a subset of `PARTS`.

    Raises:
        ValueError: an unknown part.
    """

    def __init__(self, task, protocol: str, train: pd.DataFrame, val: pd.DataFrame, parts=PARTS):
        unknown = [p for p in parts if p not in PARTS]
        if unknown:
            raise ArgumentError(
                f"unknown seed feature part(s) {unknown}; use any of "
                f"{list(PARTS)} ({arg('seed_features')})"
            )
        self.parts, self.entity_table = tuple(parts), task.entity_table
        self.db = task.input_db(protocol)
        self.plan = None
        if "aggregates" in self.parts:
            end = pd.to_datetime(train[task.time_col]).max() + pd.Timedelta(task.timedelta)
            self.plan = plan_aggregations(self.db, task.entity_table, vocab_cutoff=end)
        self.labels = PastLabels(task, [train, val]) if "past_labels" in self.parts else None

    def frame(self, entity_ids, cutoffs: np.ndarray) -> pd.DataFrame:
        """Raw numerical features ``[n, F]`` of seeds ``(entity_ids[i], cutoffs[i])``
        (cut-offs in seconds); nothing dated after ``cutoffs[i]`` contributes to row
        ``i``. Non-numerical columns are left out."""
        ids = pd.Series(np.asarray(entity_ids))
        when = pd.Series(pd.to_datetime(np.asarray(cutoffs, dtype=np.int64), unit="s"))
        parts = []
        if self.plan is not None:
            parts.append(
                entity_features(self.db, self.entity_table, ids, when, days_before_seed=True)
            )
            parts.append(aggregate_features(self.db, self.plan, ids, when))
        if self.labels is not None:
            parts.append(self.labels.frame(ids, cutoffs))
        if not parts:
            return pd.DataFrame(index=pd.RangeIndex(len(ids)))
        X = pd.concat([p.reset_index(drop=True) for p in parts], axis=1)
        keep = [
            c
            for c in X.columns
            if pd.api.types.is_numeric_dtype(X[c])
            and not isinstance(X[c].dtype, pd.CategoricalDtype)
            and not c.endswith(".epoch_days")
            and not c.endswith(".year")
        ]
        return X[keep].astype(np.float64)

    def state(self) -> dict:
        """What a checkpoint keeps to compute the same features later (`from_state`):
        the parts, the aggregation plan and the past labels."""
        return {
            "parts": self.parts,
            "entity_table": self.entity_table,
            "plan": self.plan,
            "labels": self.labels,
        }

    @classmethod
    def from_state(cls, state: dict, db) -> SeedFeatures:
        """Features of a checkpoint (`state`) computed on ``db`` (e.g. ``rdl predict``'s
        database: each seed still sees only rows dated ``<=`` its cut-off)."""
        self = cls.__new__(cls)
        self.parts, self.entity_table = tuple(state["parts"]), state["entity_table"]
        self.plan, self.labels, self.db = state["plan"], state["labels"], db
        return self

    def bank(self, entity_ids, cutoffs: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        """``(frame of the distinct (entity, cut-off) pairs, row of each input pair)``.
        ``cutoffs`` may be ``[n]`` or ``[n, K]`` (``K`` candidate cut-offs per seed); the
        row index has its shape."""
        c = np.asarray(cutoffs, dtype=np.int64)
        ids = np.asarray(entity_ids)
        ids_b = np.broadcast_to(ids.reshape(-1, *([1] * (c.ndim - 1))), c.shape).reshape(-1)
        pairs = pd.DataFrame({"e": ids_b, "c": c.reshape(-1)})
        codes = pairs.groupby(["e", "c"], sort=False).ngroup().to_numpy()
        u = pairs.drop_duplicates()  # first-appearance order, as ngroup(sort=False)
        return self.frame(u["e"].to_numpy(), u["c"].to_numpy()), codes.reshape(c.shape)


class FeatureScaler:
    """Seed features -> model input: ``sign(x) * log1p(|x|)``, standardised with the
    mean and standard deviation of the rows it is fitted on (the training seeds), clipped
    to ``[-6, 6]``; nulls become 0, and every column with nulls in the fitted rows gets a
    0/1 indicator column."""

    def fit(self, X: pd.DataFrame) -> FeatureScaler:
        v = self._squash(X)
        self.columns = list(X.columns)
        seen = ~np.isnan(v).all(axis=0)  # columns with a value (nanmean warns on the others)
        self.mean, std = np.zeros(v.shape[1]), np.ones(v.shape[1])
        self.mean[seen] = np.nan_to_num(np.nanmean(v[:, seen], axis=0))
        std[seen] = np.nanstd(v[:, seen], axis=0)
        self.std = np.where(np.isfinite(std) & (std > 1e-9), std, 1.0)
        self.indicators = np.flatnonzero(np.isnan(v).any(axis=0))
        return self

    @staticmethod
    def _squash(X: pd.DataFrame) -> np.ndarray:
        v = np.array(X.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
        v[~np.isfinite(v)] = np.nan
        return np.sign(v) * np.log1p(np.abs(v))

    @property
    def num_outputs(self) -> int:
        return len(self.columns) + len(self.indicators)

    def transform(self, X: pd.DataFrame) -> torch.Tensor:
        """``[n, num_outputs]`` float32."""
        v = self._squash(X[self.columns])
        missing = np.isnan(v)
        z = np.clip((v - self.mean) / self.std, -6, 6)
        z[missing] = 0.0
        ind = missing[:, self.indicators].astype(np.float64)
        return torch.from_numpy(np.hstack([z, ind]).astype(np.float32))


__all__ = ["PARTS", "FeatureScaler", "PastLabels", "SeedFeatures"]
