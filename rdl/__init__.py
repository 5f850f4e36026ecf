"""rdl: relational deep learning on SQL databases.

Point rdl at a SQL database, define a prediction task in Python, and get a leakage-free,
RelBench-style evaluated model.
"""

import os

# OpenMP threads that spin long while waiting collapse when a core is shared. Measured per
# training batch (rel-f1 driver-dnf, 2 threads, 2 cores): libgomp's default 12.6 s with one
# other busy process; passive waiting 0.57 s busy / 0.57 s idle; passive with a short spin
# (GOMP_SPINCOUNT=2000) 0.71 s busy / 0.41 s idle — the setting used. Must be set before
# torch loads its OpenMP runtime; a user's own settings win.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("GOMP_SPINCOUNT", "2000")

from rdl.db import Database, Table, connect


def embed(model_dir, db, at, **kwargs):
    """Row embeddings as of ``at`` from a pretrained backbone or a trained model: a
    `pandas.DataFrame` ``[key, "timestamp", "e_0", ..., "e_{C-1}"]`` (see
    `rdl.pretrain.embed.embed` for the arguments; ``rdl embed`` on the command line).
    Imported on first use, so ``import rdl`` stays light."""
    from rdl.pretrain.embed import embed as _embed

    return _embed(model_dir, db, at, **kwargs)


__all__ = ["Database", "Table", "connect", "embed"]
__version__ = "0.1.0"
