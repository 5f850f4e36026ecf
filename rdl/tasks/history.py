"""`LinkHistory`: the links of a link task observed by each seed time ``t``.

A task concept shared by the link baselines (`rdl.baselines.link`) and link training
(`rdl.train.link`): for a seed time ``t`` the observed links are the task's own labels at
the earlier seed times ``t - timedelta, t - 2 timedelta, ...`` (back to the database's
first timestamp), computed with the task's ``sql`` / ``make_table`` on the database cut at
``t`` (`rdl.Database.upto`). A label row ``(source, t', [destinations])`` covers
``(t', t' + timedelta]``, which closes by ``t``, so nothing dated after ``t`` is used.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd


class LinkHistory:
    """The links of a `LinkTask` observed by each seed time, computed once per time.

    Args:
        task: the link task (its ``timedelta``, ``sql`` / ``make_table``).
        db: the database the links are observed in (default the task's ``db``); under
            the RelBench protocol ``task.input_db("relbench")``, so that no link dated
            after the test timestamp is ever observed.

    ``at(t)`` returns one row per observed link: columns ``[time_col, src_entity_col,
    dst_entity_col]`` (``time_col`` = the label row's seed time ``t'``, window
    ``(t', t' + timedelta]`` with ``t' + timedelta <= t``). Label rows whose source is
    not a row of the source table at ``t'`` are left out (as the task's own entity
    filtering); destination ids are filtered by the rankings (only existing ones).

    Each past seed time ``t'`` is labelled once, on the database cut at the first ``t``
    that asked for it, and reused by later ``t`` (seed times of a split lie on one grid,
    so consecutive calls share all but one ``t'``); a label computed on a cut later than
    the asking ``t`` is never reused for it. So every label row comes from rows dated
    ``<= t``, and equals the one computed on ``db.upto(t)`` for label SQL that reads
    nothing after its window.
    """

    def __init__(self, task, db=None):
        self.task = task
        self.db = task.db if db is None else db
        self._cache: dict[pd.Timestamp, pd.DataFrame] = {}
        self._labels: dict[pd.Timestamp, tuple[pd.Timestamp, pd.DataFrame]] = {}
        self._pop: dict[pd.Timestamp, np.ndarray] = {}
        self.seconds = 0.0
        self.min_timestamp = self.db.min_timestamp

    def _label(self, grid: pd.DatetimeIndex, cut: pd.Timestamp) -> None:
        """Label the seed times ``grid`` on ``db.upto(cut)`` into ``_labels``."""
        task = self.task
        table = task.make_table(self.db.upto(cut), pd.Series(grid, name="timestamp"))
        df = self._known_sources(task._finalize_table(table, grid, f"history at {cut}").df)
        for g in grid:
            self._labels[pd.Timestamp(g)] = (cut, df.iloc[:0])
        for g, part in df.groupby(task.time_col, sort=False):
            self._labels[pd.Timestamp(g)] = (cut, part)

    def at(self, t) -> pd.DataFrame:
        """The links observed by ``t``: one row per (label seed time ``t'``, source,
        destination), columns ``[time_col, src_entity_col, dst_entity_col]``."""
        task = self.task
        t = pd.Timestamp(t)
        if t not in self._cache:
            tic = time.perf_counter()
            grid = pd.date_range(
                start=t - task.timedelta, end=self.min_timestamp, freq=-task.timedelta
            ).sort_values()
            todo = [g for g in grid if g not in self._labels or self._labels[g][0] > t]
            if todo:
                self._label(pd.DatetimeIndex(todo), t)
            cols = [task.time_col, task.src_entity_col, task.dst_entity_col]
            parts = [self._labels[g][1] for g in grid]
            if parts:
                df = pd.concat(parts, ignore_index=True)
                df = df.explode(task.dst_entity_col, ignore_index=True)
                df = df.dropna(subset=[task.dst_entity_col])[cols]
                pk = self.db[task.dst_entity_table]
                try:  # ids as the destination key's dtype (explode leaves objects)
                    df[task.dst_entity_col] = df[task.dst_entity_col].astype(
                        pk.df[pk.pkey_col].dtype
                    )
                except (TypeError, ValueError):
                    pass
            else:
                df = pd.DataFrame({c: [] for c in cols})
            self._cache[t] = df
            self.seconds += time.perf_counter() - tic
        return self._cache[t]

    def _known_sources(self, df: pd.DataFrame) -> pd.DataFrame:
        """Rows whose source is a row of the source table at the row's seed time."""
        task = self.task
        src = self.db[task.src_entity_table]
        keys = src.df[src.pkey_col]
        keep = df[task.src_entity_col].isin(keys)
        if src.time_col is not None:
            born = df[task.src_entity_col].map(
                pd.Series(src.df[src.time_col].to_numpy(), index=keys)
            )
            keep &= born <= df[task.time_col]
        return df[keep.to_numpy()]

    def popularity(self, t) -> np.ndarray:
        """Every destination that exists at ``t`` (`LinkTask.candidate_mask`), ranked by
        links observed by ``t`` (most first; ties: the more recent last link, then the
        smaller primary key; never-linked destinations last, in table order) — the
        ranking of `rdl.baselines.link.global_popularity`. Primary-key values,
        ``[num_candidates]``."""
        t = pd.Timestamp(t)
        if t not in self._pop:
            task = self.task
            hist = self.at(t)
            dst = self.db[task.dst_entity_table]
            cand = dst.df[dst.pkey_col].to_numpy()[task.candidate_mask(t, self.db)]
            stats = hist.groupby(task.dst_entity_col).agg(
                n=(task.time_col, "size"), last=(task.time_col, "max")
            )
            stats = stats[stats.index.isin(cand)]
            stats = stats.assign(key=stats.index).sort_values(
                ["n", "last", "key"], ascending=[False, False, True], kind="stable"
            )
            seen = stats.index.to_numpy()
            rest = cand[~np.isin(cand, seen)]
            self._pop[t] = np.concatenate([seen.astype(cand.dtype, copy=False), rest])
        return self._pop[t]
