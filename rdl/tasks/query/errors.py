"""`QueryError`: a predictive query that cannot be parsed or compiled."""

from __future__ import annotations

from rdl.tasks.types import TaskError


class QueryError(TaskError):
    """A bad predictive query. The message points at the column of the query where it
    went wrong (a caret line under the query) and lists the valid names or tokens there.

    Attributes:
        query: the query text.
        column: 1-based column of the culprit (``len(query) + 1``: the end).
        reason: the one-line reason, without the caret lines.
    """

    def __init__(self, query: str, column: int, length: int, reason: str):
        self.query, self.column, self.reason = query, int(column), reason
        one_line = " ".join(query.split()) == query
        if one_line:
            pointer = " " * (self.column - 1) + "^" * max(1, int(length))
            text = f"query error at column {self.column}: {reason}\n  {query}\n  {pointer}"
        else:  # a multi-line query: name the line and the column within it
            before = query[: self.column - 1]
            line = before.count("\n") + 1
            col = len(before) - (before.rfind("\n") + 1) + 1
            src = query.splitlines()[line - 1] if query.splitlines() else ""
            text = (
                f"query error at line {line}, column {col}: {reason}\n  {src}\n  "
                + " " * (col - 1)
                + "^" * max(1, int(length))
            )
        super().__init__(text)


__all__ = ["QueryError"]
