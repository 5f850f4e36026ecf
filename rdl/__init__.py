"""rdl: relational deep learning on SQL databases.

Point rdl at a SQL database, define a prediction task in Python, and get a leakage-free,
RelBench-style evaluated model.
"""

import os

# OpenMP threads that spin while waiting collapse when a core is shared (measured on 2 cores
# with one other busy process: 12.6 s per training batch with spinning, 0.63 s passive).
# Must be set before torch loads its OpenMP runtime; a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from rdl.db import Database, Table, connect  # noqa: E402

__all__ = ["Database", "Table", "connect"]
__version__ = "0.1.0"
