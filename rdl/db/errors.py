"""Errors of the database layer. Every message names the table, column and example rows,
and says what to do."""


class RdlError(Exception):
    """Base class of rdl's own errors."""


class SchemaError(RdlError, ValueError):
    """The schema cannot be used as given (unknown column, bad key, unknown type ...)."""


class DataError(RdlError, ValueError):
    """The rows break a rule rdl needs (duplicate or null primary keys, bad timestamps ...)."""
