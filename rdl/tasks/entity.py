"""`EntityTask`: predict a label per (entity, seed time) — RelBench's ``EntityTask``.

Source: RelBench ``relbench/base/task_entity.py`` (formerly ``NodeTask``) and its rel-f1
tasks; the split protocol is `rdl.tasks.base.BaseTask`'s.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from rdl.db import Database, Table, hints
from rdl.tasks.base import BaseTask, logger
from rdl.tasks.checks import rows_text as _rows
from rdl.tasks.types import TaskError


class EntityTask(BaseTask):
    """A task that predicts one label per (entity, seed time ``t``) over ``(t, t + timedelta]``.

    Define one by subclassing and setting the class attributes (RelBench's names)::

        class DriverDNF(EntityTask):
            name = "driver-dnf"
            entity_table = "drivers"; entity_col = "driverId"; time_col = "date"
            target_col = "did_not_finish"
            task_type = TaskType.BINARY_CLASSIFICATION
            timedelta = pd.Timedelta(days=30); num_eval_timestamps = 40
            metrics = ["roc_auc", "average_precision", "accuracy", "f1"]
            val_timestamp = pd.Timestamp("2005-01-01")
            test_timestamp = pd.Timestamp("2010-01-01")
            sql = '''
                SELECT t.timestamp AS date, r.driverId,
                       MAX(CASE WHEN r.statusId != 1 THEN 1 ELSE 0 END) AS did_not_finish
                FROM timestamp_df t
                JOIN results r ON r.date > t.timestamp AND r.date <= t.timestamp + {timedelta}
                GROUP BY ALL'''

    or override `make_table` in plain Python instead of ``sql``.

    Attributes (in addition to `BaseTask`'s):
        entity_table: the table whose rows are predicted for; it must have a primary key.
        entity_col: the task-table column holding the entity's primary-key value.
        target_col: the task-table column holding the label.

    Task tables (`get_table`) are `rdl.Table`\\ s with ``df`` columns
    ``[time_col, entity_col, target_col]`` (test: ``[time_col, entity_col]`` unless
    ``mask_input_cols=False``), one row per (entity, ``t``), sorted by ``(t, entity)``;
    ``fkey_col_to_pkey_table == {entity_col: entity_table}``, ``pkey_col is None``,
    ``time_col == time_col``. Targets are ``int64`` 0/1 for binary classification,
    ``int64`` class indices for multiclass, ``float64`` for regression.

    Leakage rule (RelBench and PyG semantics): a model or baseline predicting the row
    (entity, ``t``) may only use database rows with time ``<= t``.

    Entity filtering: a row is dropped when its entity's key is not in the entity table
    (RelBench's ``filter_dangling_entities``) or, if the entity table has a time column,
    when the entity is dated after ``t`` (it does not exist yet at the seed time) or after
    ``test_timestamp`` (RelBench keeps only entities of the database cut at
    ``test_timestamp``, the database a model is given).
    """

    entity_table: str
    entity_col: str
    target_col: str

    REQUIRED: ClassVar[tuple[str, ...]] = BaseTask.REQUIRED + (
        "entity_table",
        "entity_col",
        "target_col",
    )
    OVERRIDABLE: ClassVar[tuple[str, ...]] = BaseTask.OVERRIDABLE + (
        "entity_table",
        "entity_col",
        "target_col",
    )

    def __init__(self, db: Database, cache_dir: str | None = None, **overrides: Any):
        #: rows dropped by entity filtering, per split (filled when `get_table` builds a
        #: table; not when it loads one from the disk cache).
        self.dropped_rows: dict[str, int] = {}
        super().__init__(db, cache_dir, **overrides)

    def _check_attributes(self) -> None:
        super()._check_attributes()
        if self.entity_table not in self.db:
            raise TaskError(
                f"{self._who}: entity_table {self.entity_table!r} is not a table of the "
                f"database (tables: {sorted(self.db)})."
            )
        if self.db[self.entity_table].pkey_col is None:
            raise TaskError(
                f"{self._who}: entity_table {self.entity_table!r} has no primary key, so its "
                f"rows cannot be addressed; choose one with {hints.pkey(self.entity_table)} "
                f"(its columns: {list(self.db[self.entity_table].df.columns)[:20]})."
            )
        cols = [self.time_col, self.entity_col, self.target_col]
        if len(set(cols)) != 3:
            raise TaskError(
                f"{self._who}: time_col, entity_col and target_col must be three different "
                f"columns (got {cols})."
            )

    COLUMN_ROLES = "time_col, entity_col, target_col"

    @property
    def columns(self) -> list[str]:
        """``[time_col, entity_col, target_col]``: the columns of an unmasked task table."""
        return [self.time_col, self.entity_col, self.target_col]

    def _table_from_df(self, df: pd.DataFrame) -> Table:
        self._check_columns(df, self._who)
        return Table(
            df=df,
            fkey_col_to_pkey_table={self.entity_col: self.entity_table},
            pkey_col=None,
            time_col=self.time_col,
        )

    def _finalize_table(self, table: Any, timestamps: pd.DatetimeIndex, split: str) -> Table:
        """Check ``make_table``'s output and normalise dtypes and row order.

        Raises:
            TaskError: not a Table/DataFrame; missing or extra columns; seed times not in
                ``timestamps``; null targets; binary targets other than 0/1; duplicate
                (entity, ``t``) rows.
        """
        df, who = self._frame_at_seed_times(table, timestamps, split)
        y = df[self.target_col]
        null = y.isna()
        if null.any():
            raise TaskError(
                f"{who}: {int(null.sum())} row(s) have a null target {self.target_col!r}; "
                f"drop them in the task definition (e.g. WHERE ... IS NOT NULL); e.g.\n"
                f"{_rows(df, null)}"
            )
        df[self.target_col] = self._cast_target(df, who)
        dup = df.duplicated([self.time_col, self.entity_col], keep=False)
        if dup.any():
            raise TaskError(
                f"{who}: {int(dup.sum())} rows repeat an (entity, seed time) pair; an entity "
                f"task has one row per ({self.entity_col}, {self.time_col}) — GROUP BY both "
                f"in the SQL; e.g.\n{_rows(df, dup)}"
            )
        df = df.sort_values([self.time_col, self.entity_col], kind="stable").reset_index(drop=True)
        return self._table_from_df(df)

    def _cast_target(self, df: pd.DataFrame, who: str) -> pd.Series:
        y = df[self.target_col]
        cast = self.kind.cast_target  # the kind's label rule (rdl.tasks.kinds)
        if cast is None:
            return y
        try:
            return cast(y, repr(self.target_col), lambda bad: _rows(df, bad))
        except TaskError as e:
            raise TaskError(f"{who}: {e}") from None

    def filter_dangling_entities(self, table: Table, split: str) -> Table:
        """Drop rows whose entity is not in the entity table, or (entity table with a time
        column) is dated after ``min(t, test_timestamp)``; see the class docstring.
        The number dropped is kept in ``dropped_rows[split]``, per reason in
        ``dropped_reasons[split]``.

        Raises:
            TaskError: the train split is left empty; the message says which rows were
                dropped and why, and the flag that may fix it.
        """
        ent = self.db[self.entity_table]
        df = table.df
        if split == "train" and len(df) == 0:
            raise TaskError(self._no_train_rows_message())
        keys = ent.df[ent.pkey_col]
        known = df[self.entity_col].isin(keys).to_numpy()
        keep = known.copy()
        reasons = {}
        if (~known).any():
            reasons[f"the entity is no row of {self.entity_table}"] = ~known
        if ent.time_col is not None:
            born = df[self.entity_col].map(pd.Series(ent.df[ent.time_col].to_numpy(), index=keys))
            cutoff = df[self.time_col].clip(upper=self.test_timestamp)
            late = known & (born > cutoff).to_numpy()
            undated = known & born.isna().to_numpy()
            if late.any():
                reasons[
                    f"the entity is dated after the seed time ({self.entity_table}.{ent.time_col})"
                ] = late
            if undated.any():
                reasons[f"the entity has no date ({self.entity_table}.{ent.time_col} is null)"] = (
                    undated
                )
            keep = keep & (born <= cutoff).to_numpy()
        self.dropped_rows[split] = int((~keep).sum())
        self.dropped_reasons = getattr(self, "dropped_reasons", {})
        self.dropped_reasons[split] = {r: int(m.sum()) for r, m in reasons.items()}
        if split == "train" and len(df) and not keep.any():
            raise TaskError(self._empty_train_message(df, reasons, ent))
        if not keep.all():
            logger.info(
                "%s: %s split: dropped %d row(s) whose entity is not in %r at the seed time",
                self._who,
                split,
                int((~keep).sum()),
                self.entity_table,
            )
            table = self._table_from_df(df[keep].reset_index(drop=True))
        return table

    def _no_train_rows_message(self) -> str:
        ts = self.split_timestamps("train")
        emptied = [
            (n, t)
            for n, t in self.cut_db.items()
            if len(t) == 0 and len(self.db[n]) and t.time_col is not None
        ]
        msg = (
            f"{self._who}: the train split is empty: the label SQL made no rows at the "
            f"{len(ts)} train seed times ({ts[0].date()} .. {ts[-1].date()}), run on the "
            f"database cut at test_timestamp ({pd.Timestamp(self.test_timestamp).date()})."
        )
        if not emptied:
            return msg + " Check the SQL's joins and filters against those dates."
        parts = [
            f"{n} has none of its {len(self.db[n])} rows dated by then ({n}.{t.time_col} "
            f"starts {self.db[n].min_timestamp})"
            for n, t in emptied
        ]
        n, t = emptied[0]
        return (
            msg + " In that cut " + "; ".join(parts) + f". If {n}.{t.time_col} is not when "
            f"a {n} row came to be (an audit or update date), pass {hints.time_col(n)} or "
            f"{hints.no_time_col(n)}."
        )

    def _empty_train_message(self, df: pd.DataFrame, reasons: dict, ent) -> str:
        parts = []
        for reason, mask in reasons.items():
            ex = df[np.asarray(mask)].head(3)
            shown = "; ".join(
                f"{self.entity_col} {r[self.entity_col]!r} at seed "
                f"{pd.Timestamp(r[self.time_col]).date()}"
                for _, r in ex.iterrows()
            )
            parts.append(f"{int(np.asarray(mask).sum())} because {reason} (e.g. {shown})")
        fix = (
            f" If {self.entity_table}.{ent.time_col} is not when a {self.entity_table} row "
            f"came to be (an audit or update date), pass {hints.time_col(self.entity_table)} "
            f"or {hints.no_time_col(self.entity_table)}."
            if ent.time_col is not None
            else f" Check that {self.entity_col} holds {self.entity_table}.{ent.pkey_col} values, "
            f"or choose the key with {hints.pkey(self.entity_table)}."
        )
        return (
            f"{self._who}: the train split is empty: all {len(df)} rows the label SQL "
            f"made were dropped: " + "; ".join(parts) + "." + fix
        )

    def evaluate(
        self,
        pred: Any,
        split: str = "test",
        metrics: list[str] | None = None,
    ) -> dict[str, float]:
        """Score predictions against the targets of ``split``.

        Args:
            pred: shape ``[num_rows]`` (probabilities of class 1 for binary tasks, values
                for regression), aligned with ``get_table(split)``'s rows.
            split: ``"train"``, ``"val"`` or ``"test"``.
            metrics: metric names (default: the task's `metrics`).

        Returns:
            metric name -> value.

        Raises:
            TaskError: ``pred`` has the wrong length.
            ValueError: from the metric (NaN predictions, ...).
        """
        from rdl.metrics import METRICS

        assert self.metrics is not None  # set by check_definition
        names = self._check_metrics(metrics) if metrics is not None else self.metrics
        target = self.get_table(split, mask_input_cols=False).df[self.target_col].to_numpy()
        pred = np.asarray(pred)
        if len(pred) != len(target):
            raise TaskError(
                f"{self._who}: {len(pred)} predictions for the {len(target)} rows of the "
                f"{split} table."
            )
        return {name: float(METRICS[name](target, pred)) for name in names}
