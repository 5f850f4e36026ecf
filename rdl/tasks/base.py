"""`BaseTask`: the split protocol shared by all tasks (RelBench's ``BaseTask``, kept exactly).

Source: RelBench ``relbench/base/task_base.py`` and ``relbench/base/dataset.py``
(Robinson et al., "RelBench: A Benchmark for Deep Learning on Relational Databases",
NeurIPS 2024 Datasets & Benchmarks). What it fixes:

* the prediction at seed time ``t`` is over the window ``(t, t + timedelta]``;
* split seed times as in `rdl.tasks.timestamps`;
* train and val tables are computed on the database cut at ``test_timestamp``
  (``db.upto(test_timestamp)``, rows dated ``<= test_timestamp``), the test table on the
  full database;
* ``timedelta <= test_timestamp - val_timestamp`` is required;
* the test table's target is hidden (``mask_input_cols``) unless asked for;
* tables are cached in memory per split, and on disk when ``cache_dir`` is given
  (`rdl.tasks.cache`).

Where RelBench keeps the split dates on the dataset, rdl keeps them on the task
(``val_timestamp``, ``test_timestamp``) and derives a default when they are ``None``
(`rdl.tasks.split_dates`, moved out of this module).
"""

from __future__ import annotations

import inspect
import logging
import os
import time
from pathlib import Path
from typing import Any, ClassVar, cast

import pandas as pd

from rdl.db import Database, Table
from rdl.db.fingerprint import database_fingerprint  # noqa: F401  (re-exported)
from rdl.tasks import cache as table_cache
from rdl.tasks import timestamps as tsl
from rdl.tasks.checks import check_columns, check_definition, check_metrics, frame_at_seed_times
from rdl.tasks.kinds import TaskKind, kind_of
from rdl.tasks.split_dates import resolve_split_timestamps
from rdl.tasks.sql import run_sql
from rdl.tasks.types import TaskError, TaskType, check_protocol

logger = logging.getLogger("rdl.tasks")


def notes(task: BaseTask) -> list[str]:
    """What a user should read about ``task`` before trusting its results, one paragraph
    each: today the `default_split_note` (split dates rdl chose), when there is one.
    The CLI prints these; Python users also get them as `DefaultSplitWarning` warnings."""
    return [n for n in (getattr(task, "default_split_note", None),) if n]


class BaseTask:
    """A temporal prediction task on a `Database` (RelBench's ``BaseTask``).

    Subclasses set the class attributes below (RelBench's names) and either ``sql`` or
    `make_table`; `rdl.tasks.EntityTask` is the one to subclass for entity-level
    prediction.

    Attributes:
        name: the task's name, e.g. ``"driver-dnf"`` (defaults to the class name).
        task_type: a `TaskType` or a registered kind's name (`kind`: its `TaskKind`).
        timedelta: the label window length: the prediction at seed time ``t`` is over
            ``(t, t + timedelta]``. A ``pd.Timedelta`` (or anything it accepts, e.g.
            ``"30D"``).
        num_eval_timestamps: number of val and of test seed times (each step
            ``timedelta``), capped as in `rdl.tasks.timestamps`.
        metrics: names in `rdl.metrics.METRICS` (default: the kind's); the first is the
            early-stopping metric.
        time_col: column of the task table holding the seed time ``t``.
        val_timestamp, test_timestamp: the split dates; ``None`` -> the default of
            `rdl.tasks.timestamps.default_split_timestamps` (70 % / 85 % quantiles of all
            event times); the choice is kept in ``default_split_note`` and issued as a
            `DefaultSplitWarning` (see `notes`).
        sql: DuckDB SQL over the database's tables plus ``timestamp_df(timestamp)``; the
            text ``{timedelta}`` becomes the window length as an interval (see
            `rdl.tasks.sql.run_sql`).
        db: the full database the task was built on.
        cache_dir: where tables are cached on disk (``None``: memory only).

    Args:
        db: the database.
        cache_dir: directory for the on-disk table cache, keyed by task name and a hash
            of the database content and of the task definition.
        **overrides: per-instance values for the class attributes above, e.g.
            ``DriverDNF(db, val_timestamp="2006-01-01")``.

    Raises:
        TaskError: an unknown override, a missing or malformed attribute,
            ``val_timestamp >= test_timestamp``, or
            ``timedelta > test_timestamp - val_timestamp``.

    Warns:
        DefaultSplitWarning: ``val_timestamp`` or ``test_timestamp`` is ``None`` and rdl
            chose it (the message is ``default_split_note``).
    """

    name: str
    task_type: TaskType | str
    timedelta: pd.Timedelta
    num_eval_timestamps: int = 1
    metrics: list[str] | None = None
    time_col: str = "timestamp"
    val_timestamp: pd.Timestamp | None = None
    test_timestamp: pd.Timestamp | None = None
    sql: str | None = None

    #: attributes a subclass must set, and those ``**overrides`` may set.
    REQUIRED: ClassVar[tuple[str, ...]] = ("task_type", "timedelta")
    OVERRIDABLE: ClassVar[tuple[str, ...]] = (
        "name",
        "task_type",
        "timedelta",
        "num_eval_timestamps",
        "metrics",
        "time_col",
        "val_timestamp",
        "test_timestamp",
        "sql",
    )

    def __init__(self, db: Database, cache_dir: str | os.PathLike | None = None, **overrides: Any):
        if not isinstance(db, Database):
            raise TaskError(
                f"{type(self).__name__}: db must be an rdl.Database (got {type(db).__name__}); "
                "open one with rdl.connect(url)."
            )
        self.db = db
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        unknown = sorted(set(overrides) - set(self.OVERRIDABLE))
        if unknown:
            raise TaskError(
                f"{type(self).__name__}: unknown task attribute(s) {unknown}; "
                f"settable: {list(self.OVERRIDABLE)}."
            )
        self._overrides = dict(overrides)
        for key, value in overrides.items():
            setattr(self, key, value)
        if not getattr(self, "name", None):
            self.name = type(self).__name__
        self._check_attributes()
        self.default_split_note: str | None = None
        self._resolve_split_timestamps()
        self._cut_db: Database | None = None
        self._tables: dict[str, Table] = {}
        self._cache_key: str | None = None

    # Definition checks -------------------------------------------------------------------
    @property
    def kind(self) -> TaskKind:
        """The task's `rdl.tasks.kinds.TaskKind` (from ``task_type``)."""
        return kind_of(self.task_type)

    _who = property(lambda self: f"task {self.name!r}")

    def _check_attributes(self) -> None:
        """Check and normalise the class attributes (`rdl.tasks.checks.check_definition`);
        subclasses extend it."""
        check_definition(
            self, self.sql is not None or type(self).make_table is not BaseTask.make_table
        )

    def _check_metrics(self, metrics: Any) -> list[str]:
        return check_metrics(metrics, self._who)

    def _resolve_split_timestamps(self) -> None:
        """Default (with a `DefaultSplitWarning`) and check the split dates
        (`rdl.tasks.split_dates.resolve_split_timestamps`)."""
        resolve_split_timestamps(self)

    # Databases and seed times ------------------------------------------------------------
    @property
    def cut_db(self) -> Database:
        """The database cut at ``test_timestamp`` (rows dated ``<= test_timestamp``; tables
        without a time column whole). Train and val labels are computed on it."""
        if self._cut_db is None:
            self._cut_db = self.db.upto(self.test_timestamp)
        return self._cut_db

    def input_db(self, protocol: str = "relbench") -> Database:
        """The database every model input comes from, for every split (graph rows and
        edges, column statistics, baseline features and histories).

        * ``"relbench"`` (default): `cut_db`, the database cut at ``test_timestamp`` —
          RelBench's ``dataset.get_db()`` (``upto_test_timestamp=True``), from which its
          examples build the graph. A test seed at ``t > test_timestamp`` sees no row dated
          after ``test_timestamp``.
        * ``"rolling"``: the full `db`; each seed still sees only rows dated ``<=`` its
          seed time (deployment-like; not comparable with RelBench's published figures).
          Test labels come from the full database under both (`get_table`).

        Raises:
            TaskError: an unknown protocol.
        """
        return self.cut_db if check_protocol(protocol) == "relbench" else self.db

    def db_for_split(self, split: str) -> Database:
        """`cut_db` for ``train``/``val``, the full `db` for ``test`` (RelBench's
        ``get_db(upto_test_timestamp=split != "test")``)."""
        tsl.check_split(split, self._who)
        return self.db if split == "test" else self.cut_db

    def split_timestamps(self, split: str) -> pd.DatetimeIndex:
        """The seed times of ``split``, ascending (see `rdl.tasks.timestamps`).

        Raises:
            TaskError: unknown split; fewer than 3 train seed times; val/test windows that
                would run past the data.
        """
        tsl.check_split(split, self._who)
        if split == "train":
            min_ts = self.cut_db.min_timestamp
            if min_ts is None:
                tsl.event_times(self.cut_db)  # raises the "no timestamped rows" error
            return tsl.train_timestamps(self.val_timestamp, self.timedelta, min_ts, self._who)
        try:
            return self._eval_timestamps(split)
        except TaskError as e:  # the root cause may be the data, not the timestamps
            raise TaskError(f"{e}{tsl.root_causes(self.db)}") from None

    def _eval_timestamps(self, split: str) -> pd.DatetimeIndex:
        if split == "val":
            return tsl.val_timestamps(
                self.val_timestamp,
                self.test_timestamp,
                self.timedelta,
                self.num_eval_timestamps,
                self.cut_db.max_timestamp,
                self._who,
            )
        return tsl.test_timestamps(
            self.test_timestamp,
            self.timedelta,
            self.num_eval_timestamps,
            self.db.max_timestamp,
            self._who,
        )

    # Tables ------------------------------------------------------------------------------
    def make_table(self, db: Database, timestamps: pd.Series) -> Table:
        """The task table for seed times ``timestamps`` computed on ``db``.

        The default runs ``sql`` (`rdl.tasks.sql.run_sql`); override it to compute the
        table in plain Python (return a `Table` or a DataFrame with the task's columns).
        Rows need not be ordered.

        Args:
            db: the database labels are computed from (`cut_db` or the full `db`).
            timestamps: ``pd.Series`` named ``timestamp`` of seed times (``datetime64[ns]``).
        """
        df = run_sql(cast(str, self.sql), db, timestamps, self.timedelta, self._who)
        return self._table_from_df(df)

    def _table_from_df(self, df: pd.DataFrame) -> Table:
        raise NotImplementedError

    def _finalize_table(self, table: Any, timestamps: pd.DatetimeIndex, split: str) -> Table:
        """Check and normalise ``make_table``'s output (subclasses)."""
        raise NotImplementedError

    def filter_dangling_entities(self, table: Table, split: str) -> Table:
        """Drop rows whose entity cannot be predicted for (subclasses)."""
        raise NotImplementedError

    def _build_table(self, split: str) -> Table:
        timestamps = self.split_timestamps(split)
        db = self.db_for_split(split)
        seeds = pd.Series(timestamps.astype("datetime64[ns]"), name="timestamp")
        table = self.make_table(db, seeds)
        table = self._finalize_table(table, timestamps, split)
        return self.filter_dangling_entities(table, split)

    def get_table(self, split: str, mask_input_cols: bool | None = None) -> Table:
        """The task table of ``split`` (``"train"``, ``"val"`` or ``"test"``).

        One row per (entity, seed time ``t``) with the label over ``(t, t + timedelta]``;
        train/val labels come from `cut_db`, test labels from the full `db`.

        Args:
            split: ``"train"``, ``"val"`` or ``"test"``.
            mask_input_cols: keep only the input columns (the time and foreign-key
                columns) and drop the target. ``None`` (default): mask the test split
                only, as RelBench does, so test labels do not leak into a model; pass
                ``False`` to get the test targets for scoring.

        Returns:
            a fresh `Table` (the cached one is never handed out, so editing it is safe).

        Raises:
            TaskError: see `split_timestamps` and `make_table`.
        """
        tsl.check_split(split, self._who)
        if mask_input_cols is None:
            mask_input_cols = split == "test"
        if split not in self._tables:
            self._tables[split] = self._load_or_build(split)
        table = self._tables[split]
        if mask_input_cols:
            cols = [table.time_col, *table.fkey_col_to_pkey_table]
        else:
            cols = list(table.df.columns)
        return Table(
            df=table.df[cols].copy(),
            fkey_col_to_pkey_table=dict(table.fkey_col_to_pkey_table),
            pkey_col=table.pkey_col,
            time_col=table.time_col,
        )

    def _load_or_build(self, split: str) -> Table:
        path = self._cache_path(split)
        if path is not None:
            df = table_cache.load_table_df(path, self.time_col)
            if df is not None:
                logger.info("%s: %s table loaded from %s", self._who, split, path)
                return self._table_from_df(df)
        tic = time.perf_counter()
        table = self._build_table(split)
        logger.info(
            "%s: %s table, %d rows, made in %.2f s",
            self._who,
            split,
            len(table),
            time.perf_counter() - tic,
        )
        if path is not None:
            table_cache.store_table_df(path, table.df)
        return table

    # Disk cache --------------------------------------------------------------------------
    def definition(self) -> dict[str, Any]:
        """The task's definition as plain data (what the disk-cache key hashes)."""
        out = {
            "class": f"{type(self).__module__}.{type(self).__qualname__}",
            **{a: getattr(self, a, None) for a in self.OVERRIDABLE},
        }
        if type(self).make_table is not BaseTask.make_table:
            try:
                out["make_table"] = inspect.getsource(type(self).make_table)
            except (OSError, TypeError):
                out["make_table"] = type(self).make_table.__qualname__
        return out

    def cache_key(self) -> str:
        """Hex SHA-256 of the database content (`database_fingerprint`) and `definition`
        (see `rdl.tasks.cache`)."""
        if self._cache_key is None:
            self._cache_key = table_cache.table_cache_key(self.db, self.definition())
        return self._cache_key

    def _cache_path(self, split: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return table_cache.table_cache_path(self.cache_dir, self.name, self.cache_key(), split)

    # Task-table checks shared by entity and link tasks (rdl.tasks.checks) -----------------
    #: the roles of `columns`, named in error messages (set by subclasses)
    COLUMN_ROLES = "time_col, ..."

    def _check_columns(self, df: pd.DataFrame, who: str) -> None:
        check_columns(df, cast(Any, self).columns, self.COLUMN_ROLES, who)  # subclass property

    def _frame_at_seed_times(
        self, table: Any, timestamps: pd.DatetimeIndex, split: str
    ) -> tuple[pd.DataFrame, str]:
        """`rdl.tasks.checks.frame_at_seed_times` with this task's columns; also returns
        the ``who`` prefix (task and split) for further error messages."""
        who = f"{self._who}, {split} split"
        df = frame_at_seed_times(
            table, cast(Any, self).columns, self.COLUMN_ROLES, self.time_col, timestamps, who
        )
        return df, who

    # Misc --------------------------------------------------------------------------------
    def with_db(self, db: Database, cache_dir: str | os.PathLike | None = None) -> BaseTask:
        """This task on another database: ``self`` if ``db`` is `db` (and the cache
        directory is unchanged), else a new instance of the same class with the same
        constructor overrides."""
        cache_dir = self.cache_dir if cache_dir is None else Path(cache_dir)
        if db is self.db and cache_dir == self.cache_dir:
            return self
        return type(self)(db, cache_dir=cache_dir, **self._overrides)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, task_type={str(self.task_type)!r}, "
            f"timedelta={self.timedelta}, val_timestamp={self.val_timestamp}, "
            f"test_timestamp={self.test_timestamp})"
        )
