"""The seeds of a feature request as a frame, and rows looked up by primary key: shared by
the entity features (`rdl.baselines.features`) and the aggregates
(`rdl.baselines.aggregate_sql`)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def seed_frame(entity_ids, seed_times) -> pd.DataFrame:
    """``__eid`` (the entity ids) and, if ``seed_times`` is given, ``__t`` (the seed times
    as ``datetime64[us]``), one row per seed.

    Raises:
        ValueError: ``seed_times`` of another length than ``entity_ids``, or with nulls.
    """
    ids = pd.Series(np.asarray(entity_ids))
    out = pd.DataFrame({"__eid": ids})
    if seed_times is not None:
        t = pd.to_datetime(pd.Series(np.asarray(seed_times)))
        if len(t) != len(ids):
            raise ValueError(f"entity_ids has {len(ids)} rows but seed_times {len(t)}")
        if t.isna().any():
            raise ValueError(
                f"seed_times has {int(t.isna().sum())} null value(s); every seed needs a time"
            )
        out["__t"] = t.astype("datetime64[us]")
    return out


def row_lookup(table, ids: pd.Series, what: str) -> pd.DataFrame:
    """Rows of ``table`` matching ``ids`` on its primary key, in the order of ``ids``
    (all-null rows where no row matches)."""
    if table.pkey_col is None:
        raise ValueError(
            f"{what} has no primary key, so its rows cannot be looked up; "
            "declare one (connect(..., primary_keys=...))"
        )
    df = table.df
    key = df[table.pkey_col]
    pos = pd.Index(key).get_indexer(pd.Index(ids.astype(key.dtype, errors="ignore")))
    out = df.iloc[np.where(pos >= 0, pos, 0)].reset_index(drop=True)
    if (pos < 0).any():
        out = out.astype(
            {
                c: "float64"
                for c in out.columns
                if pd.api.types.is_integer_dtype(out[c]) or pd.api.types.is_bool_dtype(out[c])
            }
        )
        out.loc[pos < 0, :] = None
    return out
