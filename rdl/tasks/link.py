"""`LinkTask`: rank the destination entities a source entity links to — RelBench's
``RecommendationTask`` (formerly ``LinkTask``).

Source: RelBench ``relbench/base/task_recommendation.py`` and its link tasks (e.g.
``rel-hm`` ``user-item-purchase``); the split protocol is `rdl.tasks.base.BaseTask`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from rdl.db import Database, Table, hints
from rdl.db.errors import arg
from rdl.tasks.base import BaseTask, logger
from rdl.tasks.checks import rows_text as _rows
from rdl.tasks.kinds import LINK
from rdl.tasks.types import TaskError, TaskType

#: The ranking metrics of `rdl.metrics`, all evaluated at the task's ``eval_k``.
RANKING_METRICS = ("map_at_k", "recall_at_k", "precision_at_k", "ndcg_at_k")


def _is_null(v: Any) -> bool:
    if v is None or v is pd.NaT or v is pd.NA:
        return True
    return isinstance(v, (float, np.floating)) and v != v


def _as_id_list(cell: Any) -> list | None:
    """A cell of the destination column as a sorted list of distinct non-null ids, or
    ``None`` when the cell is a scalar (not a collection)."""
    if isinstance(cell, np.ndarray):
        values = cell.tolist()  # Python scalars
    elif isinstance(cell, (str, bytes)) or not isinstance(cell, Iterable):
        return [] if _is_null(cell) else None
    else:
        values = [v.item() if isinstance(v, np.generic) else v for v in cell]
    values = [v for v in values if not _is_null(v)]
    try:
        return sorted(set(values))
    except TypeError:  # mixed, unorderable ids: keep first-seen order
        return list(dict.fromkeys(values))


class LinkTask(BaseTask):
    """Rank, for a source entity at seed time ``t``, the destination entities it links to
    in ``(t, t + timedelta]`` (RelBench's ``RecommendationTask``).

    Define one by subclassing and setting the class attributes (RelBench's names)::

        class DriverCircuitCompete(LinkTask):
            name = "driver-circuit-compete"
            src_entity_table = "drivers"; src_entity_col = "driverId"
            dst_entity_table = "circuits"; dst_entity_col = "circuitId"
            time_col = "date"
            timedelta = pd.Timedelta(days=365); eval_k = 10
            val_timestamp = pd.Timestamp("2005-01-01")
            test_timestamp = pd.Timestamp("2010-01-01")
            sql = '''
                SELECT t.timestamp AS date, re.driverId,
                       LIST(DISTINCT ra.circuitId) AS circuitId
                FROM timestamp_df t
                JOIN results re ON re.date > t.timestamp
                               AND re.date <= t.timestamp + {timedelta}
                JOIN races ra ON ra.raceId = re.raceId
                GROUP BY t.timestamp, re.driverId'''

    or override `make_table` in plain Python instead of ``sql``.

    Attributes (in addition to `BaseTask`'s):
        src_entity_table, src_entity_col: the source table (it must have a primary key)
            and the task-table column holding a source's primary-key value.
        dst_entity_table, dst_entity_col: the destination table (with a primary key) and
            the task-table column holding the **list** of destination primary-key values
            the source links to in the window.
        eval_k: the cut-off ``k`` of the ranking metrics: a prediction is ``eval_k``
            destination ids per row, best first.
        metrics: names from `RANKING_METRICS` (default: all four, ``map_at_k`` first, the
            early-stopping metric), each evaluated at ``eval_k``.
        task_type: always `TaskType.LINK_PREDICTION`.

    Task tables (`get_table`) are `rdl.Table`\\ s with ``df`` columns
    ``[time_col, src_entity_col, dst_entity_col]`` — RelBench's layout: one row per
    (source, ``t``) with a non-empty sorted list of distinct destination ids — sorted by
    ``(t, source)``; ``fkey_col_to_pkey_table == {src_entity_col: src_entity_table,
    dst_entity_col: dst_entity_table}``. The test table's destination lists are hidden
    (``[time_col, src_entity_col]``) unless ``mask_input_cols=False``.

    Leakage rule (RelBench and PyG semantics): a model or baseline ranking for the row
    (source, ``t``) may only use database rows with time ``<= t``; in particular the
    candidate destinations at ``t`` are the destination rows that exist at ``t``
    (`candidate_mask`).

    Entity filtering (RelBench's ``filter_dangling_entities``): destination ids that are
    not rows of the destination table (or, with a time column, are dated after
    ``test_timestamp``) are removed from the lists; a row is dropped when its list is then
    empty, when its source is not a row of the source table, or (source table with a time
    column) when the source is dated after ``min(t, test_timestamp)``. Destinations dated
    in ``(t, t + timedelta]`` stay in the lists although no model can rank them at ``t``.

    Raises:
        TaskError: as `BaseTask`, plus: missing tables or primary keys, equal column
            names, ``eval_k`` not a positive int or larger than the destination table,
            metrics that are not ranking metrics.
    """

    task_type = TaskType.LINK_PREDICTION
    metrics: list[str] = list(RANKING_METRICS)
    src_entity_table: str
    src_entity_col: str
    dst_entity_table: str
    dst_entity_col: str
    eval_k: int

    REQUIRED: ClassVar[tuple[str, ...]] = BaseTask.REQUIRED + (
        "src_entity_table",
        "src_entity_col",
        "dst_entity_table",
        "dst_entity_col",
        "eval_k",
    )
    OVERRIDABLE: ClassVar[tuple[str, ...]] = BaseTask.OVERRIDABLE + (
        "src_entity_table",
        "src_entity_col",
        "dst_entity_table",
        "dst_entity_col",
        "eval_k",
    )

    def __init__(self, db: Database, cache_dir: str | None = None, **overrides: Any):
        #: rows dropped by entity filtering, per split; and destination ids removed from
        #: the kept and dropped rows' lists (filled when `get_table` builds a table).
        self.dropped_rows: dict[str, int] = {}
        self.dropped_links: dict[str, int] = {}
        super().__init__(db, cache_dir, **overrides)

    # Definition checks -------------------------------------------------------------------
    def _check_attributes(self) -> None:
        super()._check_attributes()
        if self.kind is not LINK:
            raise TaskError(
                f"{self._who}: a LinkTask has task_type {LINK.name!r} "
                f"(got {str(self.task_type)!r}); subclass rdl.tasks.EntityTask for entity "
                "tasks."
            )
        for side in ("src", "dst"):
            table = getattr(self, f"{side}_entity_table")
            if table not in self.db:
                raise TaskError(
                    f"{self._who}: {side}_entity_table {table!r} is not a table of the "
                    f"database (tables: {sorted(self.db)})."
                )
            if self.db[table].pkey_col is None:
                raise TaskError(
                    f"{self._who}: {side}_entity_table {table!r} has no primary key, so its "
                    f"rows cannot be addressed; choose one with {hints.pkey(table)}."
                )
        if len(set(self.columns)) != 3:
            raise TaskError(
                f"{self._who}: time_col, src_entity_col and dst_entity_col must be three "
                f"different columns (got {self.columns})."
            )
        k = self.eval_k
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise TaskError(f"{self._who}: eval_k must be a positive int (got {k!r}).")
        self.eval_k = int(k)
        num_dst = len(self.db[self.dst_entity_table])
        if num_dst == 0:
            raise TaskError(
                f"{self._who}: the destination table {self.dst_entity_table!r} holds no rows: "
                "there is nothing to rank. Check that the database holds it (an empty export, "
                "a wrong table name in dst_entity_table)."
            )
        if self.eval_k > num_dst:
            raise TaskError(
                f"{self._who}: eval_k={self.eval_k} is larger than the destination table "
                f"{self.dst_entity_table!r} ({num_dst} rows): a ranking of eval_k distinct "
                "destinations is impossible. Lower eval_k."
            )
        bad = [m for m in self.metrics if m not in RANKING_METRICS]
        if bad:
            raise TaskError(
                f"{self._who}: metric(s) {bad} are not ranking metrics; a LinkTask is scored "
                f"with {list(RANKING_METRICS)} at eval_k."
            )

    COLUMN_ROLES = "time_col, src_entity_col, dst_entity_col"

    @property
    def columns(self) -> list[str]:
        """``[time_col, src_entity_col, dst_entity_col]``: an unmasked task table's columns."""
        return [self.time_col, self.src_entity_col, self.dst_entity_col]

    # Tables -----------------------------------------------------------------------------
    def _table_from_df(self, df: pd.DataFrame) -> Table:
        self._check_columns(df, self._who)
        df = df[self.columns].reset_index(drop=True)
        # lists, also after a round trip through parquet (which returns numpy arrays)
        df[self.dst_entity_col] = [
            x.tolist() if isinstance(x, np.ndarray) else x for x in df[self.dst_entity_col]
        ]
        return Table(
            df=df,
            fkey_col_to_pkey_table={
                self.src_entity_col: self.src_entity_table,
                self.dst_entity_col: self.dst_entity_table,
            },
            pkey_col=None,
            time_col=self.time_col,
        )

    def _finalize_table(self, table: Any, timestamps: pd.DatetimeIndex, split: str) -> Table:
        """Check ``make_table``'s output and normalise it (time dtype, sorted distinct id
        lists, row order).

        Raises:
            TaskError: not a Table/DataFrame; missing or extra columns; seed times not in
                ``timestamps``; null sources; a destination cell that is not a list;
                duplicate (source, ``t``) rows.
        """
        df, who = self._frame_at_seed_times(table, timestamps, split)
        null = df[self.src_entity_col].isna()
        if null.any():
            raise TaskError(
                f"{who}: {int(null.sum())} row(s) have a null source {self.src_entity_col!r}; "
                f"drop them in the task definition; e.g.\n{_rows(df, null)}"
            )
        lists = [_as_id_list(x) for x in df[self.dst_entity_col]]
        scalar = np.array([x is None for x in lists], dtype=bool)
        if scalar.any():
            raise TaskError(
                f"{who}: {int(scalar.sum())} row(s) hold a single value in "
                f"{self.dst_entity_col!r}; a link task's destination column holds the list "
                f"of destination ids per (source, seed time): aggregate with "
                f"LIST(DISTINCT ...) and GROUP BY the seed time and the source; e.g.\n"
                f"{_rows(df, scalar)}"
            )
        df[self.dst_entity_col] = lists
        dup = df.duplicated([self.time_col, self.src_entity_col], keep=False)
        if dup.any():
            raise TaskError(
                f"{who}: {int(dup.sum())} rows repeat a (source, seed time) pair; a link task "
                f"has one row per ({self.src_entity_col}, {self.time_col}) with the list of "
                f"destinations — GROUP BY both in the SQL; e.g.\n{_rows(df, dup)}"
            )
        df = df.sort_values([self.time_col, self.src_entity_col], kind="stable")
        return self._table_from_df(df.reset_index(drop=True))

    def filter_dangling_entities(self, table: Table, split: str) -> Table:
        """Remove destination ids that are not destination rows (dated after
        ``test_timestamp`` counts as not a row), then drop rows with an empty list or a
        source that is not a source row at ``min(t, test_timestamp)``; see the class
        docstring. Counts go to ``dropped_rows[split]`` and ``dropped_links[split]``."""
        df = table.df
        dst = self.db[self.dst_entity_table]
        dst_keys = dst.df[dst.pkey_col]
        if dst.time_col is not None:
            dst_keys = dst_keys[(dst.df[dst.time_col] <= self.test_timestamp).to_numpy()]
        valid = set(dst_keys.tolist())
        before = df[self.dst_entity_col].map(len)
        kept_lists = [[v for v in x if v in valid] for x in df[self.dst_entity_col]]
        after = pd.Series([len(x) for x in kept_lists], index=df.index)
        self.dropped_links[split] = int((before - after).sum())

        src = self.db[self.src_entity_table]
        keys = src.df[src.pkey_col]
        keep = df[self.src_entity_col].isin(keys).to_numpy() & (after > 0).to_numpy()
        if src.time_col is not None:
            born = df[self.src_entity_col].map(
                pd.Series(src.df[src.time_col].to_numpy(), index=keys)
            )
            cutoff = df[self.time_col].clip(upper=self.test_timestamp)
            keep = keep & (born <= cutoff).to_numpy()
        self.dropped_rows[split] = int((~keep).sum())
        if split == "train" and len(df) and not keep.any():
            unknown = int((~df[self.src_entity_col].isin(keys)).sum())
            raise TaskError(
                f"{self._who}: the train split is empty: all {len(df)} rows the label SQL made "
                f"were dropped: {unknown} because the source is no row of "
                f"{self.src_entity_table}, {int((after == 0).sum())} because none of their "
                f"{self.dropped_links[split]} destination id(s) is a {self.dst_entity_table} row "
                f"dated by test_timestamp, the rest because the source is dated after the seed "
                f"time. Check the keys ({arg('primary_keys', option='pkey')} / "
                f"{arg('foreign_keys', option='fkey')}) and the time columns "
                f"({arg('time_cols', option='time_col')}) of {self.src_entity_table} and "
                f"{self.dst_entity_table}."
            )
        if self.dropped_links[split] or not keep.all():
            logger.info(
                "%s: %s split: removed %d destination id(s) not in %r and dropped %d row(s)",
                self._who,
                split,
                self.dropped_links[split],
                self.dst_entity_table,
                self.dropped_rows[split],
            )
            out = df.copy()
            out[self.dst_entity_col] = kept_lists
            table = self._table_from_df(out[keep].reset_index(drop=True))
        return table

    def get_table(self, split: str, mask_input_cols: bool | None = None) -> Table:
        """The task table of ``split``: one row per (source, ``t``) with the list of
        destination ids linked in ``(t, t + timedelta]``; train/val from `cut_db`, test
        from the full `db` (see `BaseTask.get_table`).

        Args:
            split: ``"train"``, ``"val"`` or ``"test"``.
            mask_input_cols: drop the destination lists (keep ``[time_col,
                src_entity_col]``). ``None`` (default): mask the test split only; pass
                ``False`` to get the test targets for scoring.

        Returns:
            a fresh `Table` (lists copied: editing it never touches the cache).
        """
        table = super().get_table(split, mask_input_cols=False)
        if mask_input_cols is None:
            mask_input_cols = split == "test"
        if mask_input_cols:
            table.df = table.df[[self.time_col, self.src_entity_col]]
        else:
            table.df[self.dst_entity_col] = [list(x) for x in table.df[self.dst_entity_col]]
        return table

    # Candidates, evaluation, statistics -------------------------------------------------
    def candidate_mask(self, at: pd.Timestamp | str, db: Database | None = None) -> np.ndarray:
        """``bool [num_dst_rows]`` (row order of ``db``'s destination table, default the
        task's `db`; pass ``input_db(protocol)`` to align with a graph built from it): the
        destinations that exist at ``at`` — every row of a table without a time column,
        else rows dated ``<= at``. A ranking for seed time ``at`` may only name these."""
        dst = (self.db if db is None else db)[self.dst_entity_table]
        if dst.time_col is None:
            return np.ones(len(dst.df), dtype=bool)
        return (dst.df[dst.time_col] <= pd.Timestamp(at)).to_numpy()

    def evaluate(
        self,
        pred: Any,
        split: str = "test",
        metrics: list[str] | None = None,
    ) -> dict[str, float]:
        """Score rankings against the destination lists of ``split``.

        Args:
            pred: ``[num_rows, eval_k]`` destination primary-key values per row, best
                first (a list of lists works too), aligned with ``get_table(split)``.
            split: ``"train"``, ``"val"`` or ``"test"``.
            metrics: metric names (default: the task's `metrics`), each at ``eval_k``.

        Returns:
            metric name -> value.

        Raises:
            TaskError: ``pred`` has the wrong number of rows or fewer than ``eval_k``
                ids in a row.
            ValueError: from the metric (repeated ids in a row, NaN ids, ...).
        """
        from rdl.metrics import METRICS

        names = self._check_metrics(metrics) if metrics is not None else self.metrics
        true = self.get_table(split, mask_input_cols=False).df[self.dst_entity_col].tolist()
        if len(pred) != len(true):
            raise TaskError(
                f"{self._who}: {len(pred)} rankings for the {len(true)} rows of the {split} table."
            )
        short = [i for i, row in enumerate(pred) if len(row) < self.eval_k]
        if short:
            raise TaskError(
                f"{self._who}: every ranking needs eval_k={self.eval_k} destination ids; "
                f"{len(short)} row(s) have fewer (first: row {short[0]})."
            )
        return {name: float(METRICS[name](true, pred, k=self.eval_k)) for name in names}

    def stats(self) -> dict[str, dict[str, int]]:
        """Per split: ``rows``, ``seed_times``, distinct ``sources``, ``links`` (sum of
        list lengths) and distinct ``destinations`` (RelBench's ``stats``)."""
        out = {}
        for split in ("train", "val", "test"):
            df = self.get_table(split, mask_input_cols=False).df
            dsts = df[self.dst_entity_col]
            out[split] = {
                "rows": len(df),
                "seed_times": int(df[self.time_col].nunique()),
                "sources": int(df[self.src_entity_col].nunique()),
                "links": int(dsts.map(len).sum()),
                "destinations": len({v for x in dsts for v in x}),
            }
        return out
