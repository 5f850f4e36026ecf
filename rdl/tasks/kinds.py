"""Task kinds as values: `TaskKind`, the registry `KINDS`, and `KindParts`, the registry
each room to the right keeps of its part of a kind.

A kind is declared once, here (`register_kind`): its name (the task's ``task_type``,
RelBench's names), its checkpoint tag (which family of models serves its checkpoints:
``"entity"`` or ``"link"``), its default metrics and a line of help. The rooms to the
right of ``rdl.tasks`` may not be imported from here, so each registers its own part
keyed by the kind in a `KindParts` of its own:

* ``rdl.train.heads.HEADS`` — an entity kind's output head (loss, labels, outputs);
* ``rdl.train.models.MODELS`` — the models (and their trainers) that serve a kind;
* ``rdl.baselines.registry.BASELINES`` — the baselines that apply to a kind;
* ``rdl.serve.kinds.SERVING`` — how a checkpoint tag is predicted / explained / embedded;
* ``rdl.report.figures.KIND_FIGURES`` — the figures drawn for a kind.

Code outside these definitions asks ``kind_of(task)`` and compares kinds by identity
(``kind_of(task) is LINK``) or looks its part up; it never compares task-type strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np
import pandas as pd

from rdl.tasks.types import TaskError, TaskType

T = TypeVar("T")

#: the checkpoint tags of the built-in kinds
ENTITY_TAG, LINK_TAG = "entity", "link"

#: ``cast_target(y, what, example)``: the task table's labels as the kind stores them;
#: ``what`` names the target column, ``example(mask)`` renders the offending rows.
TargetCast = Callable[[pd.Series, str, Callable[[pd.Series], str]], pd.Series]


@dataclass(frozen=True, eq=False)
class TaskKind:
    """One kind of prediction.

    Attributes:
        name: the task's ``task_type`` value (``"binary_classification"``, ...); what
            ``results.json`` and ``model.pt`` record as ``task_type``.
        tag: the checkpoint tag (``model.pt``'s ``"kind"``): the family of models that
            serves the kind's checkpoints (``"entity"``: one prediction per entity row;
            ``"link"``: a ranking of destination rows).
        metrics: the default metrics (first: the one model selection uses), names of
            `rdl.metrics.METRICS`.
        help: one line for listings.
        cast_target: entity kinds: checks and casts the task table's target column
            (`TargetCast`); ``None``: labels kept as the SQL gives them.

    Kinds compare by identity; ``str(kind)`` is its name.
    """

    name: str
    tag: str
    metrics: tuple[str, ...]
    help: str = ""
    cast_target: TargetCast | None = field(default=None, repr=False)

    def __str__(self) -> str:
        return self.name

    @property
    def per_entity(self) -> bool:
        """One prediction per entity row and seed time (tag ``"entity"``), as opposed to
        a ranking of rows (``"link"``)."""
        return self.tag == ENTITY_TAG

    @property
    def higher_is_better(self) -> bool:
        """Whether larger values of the first default metric are better."""
        from rdl.metrics import higher_is_better

        return higher_is_better(self.metrics[0])


#: name -> kind, every kind rdl knows (`register_kind` adds one).
KINDS: dict[str, TaskKind] = {}


def register_kind(kind: TaskKind) -> TaskKind:
    """Add ``kind`` to `KINDS` (replacing a kind of the same name) and return it.

    Raises:
        TaskError: a default metric that `rdl.metrics.METRICS` does not know, or no
            metric at all.
    """
    from rdl.metrics import METRICS

    unknown = [m for m in kind.metrics if m not in METRICS]
    if not kind.metrics or unknown:
        raise TaskError(
            f"task kind {kind.name!r}: default metrics {list(kind.metrics)} must be "
            f"one or more names of rdl.metrics.METRICS (unknown: {unknown})"
        )
    KINDS[kind.name] = kind
    return kind


def kind_of(x: Any) -> TaskKind:
    """The `TaskKind` of a task (its ``task_type``), a `TaskType`, a kind name or a kind.

    Raises:
        TaskError: a name no kind is registered under (the message lists the kinds).
    """
    if isinstance(x, TaskKind):
        return x
    if not isinstance(x, str):  # a task (instance or class)
        x = getattr(x, "task_type", x)
        if isinstance(x, TaskKind):
            return x
    value = x.value if isinstance(x, TaskType) else x
    kind = KINDS.get(value) if isinstance(value, str) else None
    if kind is None:
        raise TaskError(
            f"task_type {value!r} is not a registered task kind; known: "
            f"{sorted(KINDS)} (rdl.tasks.kinds.register_kind adds one)"
        )
    return kind


def task_type_value(kind: TaskKind) -> TaskType | str:
    """What a task stores as ``task_type`` for ``kind``: the `TaskType` member of a
    built-in kind (so ``task.task_type is TaskType.REGRESSION`` still holds), else the
    kind's name."""
    try:
        return TaskType(kind.name)
    except ValueError:
        return kind.name


class KindParts(Generic[T]):
    """A room's registry of its part of each task kind (keyed by kind name).

    Args:
        what: what a part is, for messages (``"output head"``).
        how: how to register one, for messages (``"rdl.train.heads.register_head"``).
    """

    def __init__(self, what: str, how: str):
        self.what, self.how = what, how
        self._parts: dict[str, T] = {}

    def register(self, kind: TaskKind | str, part: T) -> T:
        """Register ``part`` for ``kind`` (replacing an earlier one); returns ``part``."""
        self._parts[kind_of(kind).name] = part
        return part

    def unregister(self, kind: Any) -> T | None:
        """Remove ``kind``'s part (e.g. a test's toy kind); returns it, or ``None``."""
        return self._parts.pop(kind_of(kind).name, None)

    def get(self, kind: Any) -> T:
        """The part of ``kind`` (anything `kind_of` takes).

        Raises:
            TaskError: the kind has no part here (the message says how to register one).
        """
        k = kind_of(kind)
        if k.name not in self._parts:
            raise TaskError(
                f"task kind {k.name!r} has no {self.what}; register one with "
                f"{self.how} (kinds with one: {sorted(self._parts)})"
            )
        return self._parts[k.name]

    def find(self, kind: Any) -> T | None:
        """The part of ``kind``, or ``None`` when it has none (or is unknown)."""
        try:
            return self._parts.get(kind_of(kind).name)
        except TaskError:
            return None

    def __contains__(self, kind: Any) -> bool:
        return self.find(kind) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._parts)


# ---- the built-in kinds ---------------------------------------------------------------


def _binary(y: pd.Series, what: str, example: Callable[[pd.Series], str]) -> pd.Series:
    bad = ~y.isin([0, 1])
    if bad.any():
        raise TaskError(
            f"a binary task's target {what} must be 0 or 1; {int(bad.sum())} "
            f"row(s) are not, e.g.\n{example(bad)}"
        )
    return y.astype("int64")


def _regression(y: pd.Series, what: str, example: Callable[[pd.Series], str]) -> pd.Series:
    if not pd.api.types.is_numeric_dtype(y):
        raise TaskError(f"a regression target {what} must be numeric (got {y.dtype}).")
    y = y.astype("float64")
    inf = pd.Series(np.isinf(y.to_numpy()), index=y.index)
    if inf.any():
        raise TaskError(
            f"{int(inf.sum())} row(s) have an infinite target {what} (a division by zero in "
            "the label SQL?); a model cannot fit it. Drop or cap them in the task definition "
            "(e.g. WHERE ... IS NOT NULL AND abs(...) < 1e300, or NULLIF the divisor); "
            f"e.g.\n{example(inf)}"
        )
    return y


def _multiclass(y: pd.Series, what: str, example: Callable[[pd.Series], str]) -> pd.Series:
    if not pd.api.types.is_numeric_dtype(y) or (y != np.round(y)).any() or (y < 0).any():
        raise TaskError(f"a multiclass target {what} must hold class indices 0..C-1 (integers).")
    return y.astype("int64")


BINARY = register_kind(
    TaskKind(
        "binary_classification",
        ENTITY_TAG,
        ("roc_auc", "average_precision", "accuracy", "f1"),
        "one 0/1 label per entity and seed time; predictions are probabilities",
        _binary,
    )
)
MULTICLASS = register_kind(
    TaskKind(
        "multiclass_classification",
        ENTITY_TAG,
        ("multiclass_accuracy", "macro_f1"),
        "one class index 0..C-1 per entity and seed time; predictions are [C] probabilities",
        _multiclass,
    )
)
MULTILABEL = register_kind(
    TaskKind(
        "multilabel_classification",
        ENTITY_TAG,
        ("multilabel_auroc_macro", "multilabel_ap_macro"),
        "a 0/1 vector per entity and seed time; predictions are [L] probabilities",
    )
)
REGRESSION = register_kind(
    TaskKind(
        "regression",
        ENTITY_TAG,
        ("mae", "rmse", "r2"),
        "one real number per entity and seed time",
        _regression,
    )
)
LINK = register_kind(
    TaskKind(
        "link_prediction",
        LINK_TAG,
        ("map_at_k", "recall_at_k", "precision_at_k", "ndcg_at_k"),
        "the destination rows a source row links to next; predictions are top-k rankings",
    )
)


__all__ = [
    "BINARY",
    "ENTITY_TAG",
    "KINDS",
    "LINK",
    "LINK_TAG",
    "MULTICLASS",
    "MULTILABEL",
    "REGRESSION",
    "KindParts",
    "TargetCast",
    "TaskKind",
    "kind_of",
    "register_kind",
    "task_type_value",
]
