"""The database layer: from a SQL URL (or frames) to a validated in-memory `Database`."""

from rdl.db.connect import connect
from rdl.db.database import Database
from rdl.db.errors import DataError, RdlError, SchemaError, SourceError
from rdl.db.stypes import STYPES, infer_stypes
from rdl.db.table import Table
from rdl.db.validate import Problem, ValidationReport

__all__ = [
    "STYPES",
    "DataError",
    "Database",
    "Problem",
    "RdlError",
    "SchemaError",
    "SourceError",
    "Table",
    "ValidationReport",
    "connect",
    "infer_stypes",
]
