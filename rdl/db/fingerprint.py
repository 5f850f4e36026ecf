"""A content hash of a `Database`, the cache key of task tables and graphs."""

from __future__ import annotations

import hashlib
import json

import pandas as pd


def database_fingerprint(db) -> str:
    """A hex SHA-256 of the database's content: table names, keys, time columns, stypes,
    column names and dtypes, and every value (`pandas.util.hash_pandas_object`, row order
    included). Equal databases give equal fingerprints."""
    if hasattr(db, "fingerprint"):  # an out-of-core database (rdl.db.lazy): its own
        return db.fingerprint()
    h = hashlib.sha256()
    for name in sorted(db):
        table = db[name]
        meta = {
            "name": name,
            "pkey": table.pkey_col,
            "fkeys": sorted(table.fkey_col_to_pkey_table.items()),
            "time": table.time_col,
            "stypes": sorted(table.stypes.items()),
            "cols": [(str(c), str(t)) for c, t in table.df.dtypes.items()],
            "rows": len(table.df),
        }
        h.update(json.dumps(meta, sort_keys=True).encode())
        for col in table.df.columns:
            s = table.df[col]
            try:
                values = pd.util.hash_pandas_object(s, index=False)
            except TypeError:  # unhashable cells (lists, dicts)
                values = pd.util.hash_pandas_object(s.astype(str), index=False)
            h.update(values.to_numpy().tobytes())
    return h.hexdigest()
