"""The split dates of a task (`rdl.tasks.BaseTask`): the defaults rdl chooses when
``val_timestamp`` or ``test_timestamp`` is unset (`rdl.tasks.timestamps`), announced
with a `DefaultSplitWarning` that points at the user's line, and the checks that the
dates are ordered and leave room for ``timedelta``.

Moved here from `rdl.tasks.base` (``BaseTask._resolve_split_timestamps`` calls
`resolve_split_timestamps`).
"""

from __future__ import annotations

import inspect
import os
import warnings
from typing import Any

from rdl.tasks import timestamps as tsl
from rdl.tasks.types import DefaultSplitWarning, TaskError


def caller_stacklevel() -> int:
    """The `warnings.warn` stacklevel of the first frame outside ``rdl/tasks`` (the code
    that built the task), so a warning points at the user's line."""
    here = os.path.dirname(os.path.abspath(__file__))
    frame, level = inspect.currentframe(), 1
    while frame is not None:
        if os.path.dirname(os.path.abspath(frame.f_code.co_filename)) != here:
            return level - 1
        frame, level = frame.f_back, level + 1
    return 1


def resolve_split_timestamps(task: Any) -> None:
    """Set ``task.val_timestamp`` / ``task.test_timestamp``, the defaults where unset
    (kept in ``task.default_split_note`` and warned as a `DefaultSplitWarning`).

    Raises:
        TaskError: ``val_timestamp >= test_timestamp``, or
            ``timedelta > test_timestamp - val_timestamp``.
    """
    val, test = task.val_timestamp, task.test_timestamp
    if val is None or test is None:
        dval, dtest, note = tsl.default_split_timestamps(task.db)
        chosen = []
        if val is None:
            val = dval
            chosen.append(f"val_timestamp={val.date()}")
        if test is None:
            test = dtest
            chosen.append(f"test_timestamp={test.date()}")
        task.default_split_note = (
            f"{task._who}: no {' / '.join(c.split('=')[0] for c in chosen)} set; "
            f"using {', '.join(chosen)}. Default rule: {note}. Set them on the task "
            "to override."
        )
        warnings.warn(task.default_split_note, DefaultSplitWarning, stacklevel=caller_stacklevel())
    if not val < test:
        raise TaskError(
            f"{task._who}: val_timestamp ({val}) must be before test_timestamp ({test}); "
            "set both on the task."
        )
    if task.timedelta > test - val:
        raise TaskError(
            f"{task._who}: timedelta ({task.timedelta}) is larger than test_timestamp - "
            f"val_timestamp ({test} - {val} = {test - val}): the last val window would "
            "overlap the test period. Shorten timedelta or move val_timestamp earlier / "
            "test_timestamp later."
        )
    task.val_timestamp, task.test_timestamp = val, test
