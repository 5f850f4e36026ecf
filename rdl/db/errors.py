"""rdl's errors, and how a message names the fix in the caller's language.

Every message names the table, column and example rows, and says what to do. What to do is
spelled for the one reading it: a Python caller reads Python (``connect(url,
foreign_keys={'orders': {'customer': 'customers'}})``, ``TrainConfig(stale_prob=0.5)``), a
user of the ``rdl`` command reads its flags (``--fkey orders.customer=customers``,
``--stale-prob 0.5``). Library code never writes a flag; it marks the argument instead:

    raise DataError(f"... declare the key ({arg('foreign_keys', fix, option='fkey', "
                    f"cli='orders.customer=customers')}).")

`arg` and `spelled` (from the leaf module `rdl.spelling`, re-exported here) put a marker
in the text. ``str(error)`` reads the markers in Python terms; `render` with a table of
flags (the CLI's ``rdl.cli.errors.flags()``) reads them as flags — one place,
`rdl.cli.errors.error_message`, does that for every command.
"""

from __future__ import annotations

from rdl.spelling import Said, Spoken, arg, flags_named, raw_text, render, said, spelled


class RdlError(Spoken, Exception):
    """Base class of rdl's own errors. Its message may carry `arg` / `spelled` markers:
    ``str(error)`` reads them in Python terms, the CLI as flags."""


class RdlWarning(Spoken, UserWarning):
    """Base class of rdl's warnings whose message names an argument (see `RdlError`)."""


class NoteWarning(RdlWarning):
    """An rdl warning the CLI shows as a one-paragraph ``note:`` (not Python's format)."""


class SchemaError(RdlError, ValueError):
    """The schema cannot be used as given (unknown column, bad key, unknown type ...)."""


class DataError(RdlError, ValueError):
    """The rows break a rule rdl needs (duplicate or null primary keys, bad timestamps ...)."""


class SourceError(RdlError):
    """The database cannot be opened: a driver that is not installed, a URL rdl cannot
    read, a file that is locked or is not a database, a server that does not answer."""


class MissingFileError(RdlError, FileNotFoundError):
    """A file rdl needs is not there (a checkpoint, a run's results); the message says what
    writes it."""


class ArgumentError(RdlError, ValueError):
    """An argument of an rdl function out of its range or of the wrong kind (an unknown
    GNN layer, a ``top_k`` larger than the candidates ...); the message names it."""


__all__ = [
    "ArgumentError",
    "DataError",
    "MissingFileError",
    "NoteWarning",
    "RdlError",
    "RdlWarning",
    "Said",
    "SchemaError",
    "SourceError",
    "Spoken",
    "arg",
    "flags_named",
    "raw_text",
    "render",
    "said",
    "spelled",
]
