"""`TaskType` (the kind of prediction, RelBench's names) and `TaskError`."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from rdl.db.errors import RdlError, arg

#: A split of a task's seed times.
Split = Literal["train", "val", "test"]


class TaskType(StrEnum):
    """The kind of prediction a task asks for (values as RelBench's ``TaskType``).

    A ``str`` enum: ``TaskType("regression") is TaskType.REGRESSION`` and the members
    compare equal to their values, so they serialise to JSON as plain strings.
    """

    BINARY_CLASSIFICATION = "binary_classification"
    MULTICLASS_CLASSIFICATION = "multiclass_classification"
    MULTILABEL_CLASSIFICATION = "multilabel_classification"
    REGRESSION = "regression"
    LINK_PREDICTION = "link_prediction"

    def __str__(self) -> str:
        return self.value


class TaskError(RdlError, ValueError):
    """A task cannot be used as defined (bad attribute, split dates, SQL or output rows).

    Every message names the task and the culprit (attribute, split, column, rows) and says
    what to change.
    """


class DefaultSplitWarning(UserWarning):
    """A task left ``val_timestamp`` and/or ``test_timestamp`` unset and rdl chose them
    (`rdl.tasks.timestamps.default_split_timestamps`). The message — also kept as the
    task's ``default_split_note`` — says which dates, by which rule, and how to set them.

    Issued from the task constructor with `warnings.warn`; library code never prints.
    The CLI renders it; in Python it shows once per call site under the default warning
    filters (``warnings.simplefilter("ignore", DefaultSplitWarning)`` silences it).
    """


#: evaluation protocols: where every model input comes from (`BaseTask.input_db`)
PROTOCOLS = ("relbench", "rolling")


def check_protocol(protocol: str) -> str:
    """``protocol`` if it is one of `PROTOCOLS`.

    Raises:
        TaskError: any other value; the message lists the choices and the CLI flag.
    """
    if protocol not in PROTOCOLS:
        raise TaskError(
            f"unknown {arg('protocol')} {protocol!r}: use 'relbench' (every model input cut at "
            "the test timestamp, as RelBench) or 'rolling' (each seed sees every row dated <= "
            "its seed time)."
        )
    return protocol
