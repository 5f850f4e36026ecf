"""Prediction tasks on a relational database, with RelBench's temporal split protocol.

* `TaskType` — kind of prediction (its names); `TaskKind`, `kind_of`, `register_kind` —
  a kind as a value, with its checkpoint tag and default metrics (`rdl.tasks.kinds`);
  `TaskError` — a task that cannot be used as defined.
* `EntityTask` — one label per (entity, seed time ``t``) over ``(t, t + timedelta]``,
  defined by DuckDB SQL (``sql``) or a plain-Python ``make_table``.
* `LinkTask` — rank the destinations a source entity links to in ``(t, t + timedelta]``
  (RelBench's ``RecommendationTask``), scored with MAP@k and friends; `LinkHistory` — the
  links of a link task observed by a seed time (for baselines and training).
* `DefaultSplitWarning`, `notes` — the split dates rdl chose when a task left them unset
  (library code never prints; the CLI renders `notes(task)`).
* `PROTOCOLS` — where model inputs come from: ``"relbench"`` (the database cut at the
  test timestamp, the default) or ``"rolling"`` (`BaseTask.input_db`).
* `load_task` — address a task as ``FILE.py:NAME`` or by built-in name
  (``rel-f1/driver-dnf``), or write it as a predictive query (`from_query`:
  ``PREDICT COUNT(results WHERE statusId != 1, 0, 30 days) > 0 FOR EACH drivers``).

Source of the protocol: RelBench (snap-stanford/relbench, ``relbench/base``).
"""

from rdl.tasks.base import BaseTask, database_fingerprint, notes
from rdl.tasks.entity import EntityTask
from rdl.tasks.history import LinkHistory
from rdl.tasks.kinds import KINDS, KindParts, TaskKind, kind_of, register_kind
from rdl.tasks.link import RANKING_METRICS, LinkTask
from rdl.tasks.load import builtin_tasks, file_tasks, load_task
from rdl.tasks.query import QueryError, compile_query, from_query
from rdl.tasks.sql import run_sql
from rdl.tasks.timestamps import (
    DEFAULT_TEST_QUANTILE,
    DEFAULT_VAL_QUANTILE,
    MIN_TRAIN_TIMESTAMPS,
    SPLITS,
    default_split_timestamps,
)
from rdl.tasks.types import (
    PROTOCOLS,
    DefaultSplitWarning,
    Split,
    TaskError,
    TaskType,
    check_protocol,
)

__all__ = [
    "DEFAULT_TEST_QUANTILE",
    "DEFAULT_VAL_QUANTILE",
    "KINDS",
    "MIN_TRAIN_TIMESTAMPS",
    "PROTOCOLS",
    "RANKING_METRICS",
    "SPLITS",
    "BaseTask",
    "DefaultSplitWarning",
    "EntityTask",
    "KindParts",
    "LinkHistory",
    "LinkTask",
    "QueryError",
    "Split",
    "TaskError",
    "TaskKind",
    "TaskType",
    "builtin_tasks",
    "check_protocol",
    "compile_query",
    "database_fingerprint",
    "default_split_timestamps",
    "file_tasks",
    "from_query",
    "kind_of",
    "load_task",
    "notes",
    "register_kind",
    "run_sql",
]
