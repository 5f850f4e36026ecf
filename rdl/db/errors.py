"""Errors of the database layer. Every message names the table, column and example rows,
and says what to do."""


class RdlError(Exception):
    """Base class of rdl's own errors."""


class SchemaError(RdlError, ValueError):
    """The schema cannot be used as given (unknown column, bad key, unknown type ...)."""


class DataError(RdlError, ValueError):
    """The rows break a rule rdl needs (duplicate or null primary keys, bad timestamps ...)."""


class SourceError(RdlError):
    """The database cannot be opened: a driver that is not installed, a URL rdl cannot
    read, a file that is locked or is not a database, a server that does not answer."""
