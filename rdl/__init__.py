"""rdl: relational deep learning on SQL databases.

Point rdl at a SQL database, define a prediction task in Python, and get a leakage-free,
RelBench-style evaluated model.
"""

from rdl.db import Database, Table, connect

__all__ = ["Database", "Table", "connect"]
__version__ = "0.1.0"
