"""The on-disk task-table cache: key, path, load and store.

A task table is stored once per (task name, database content, task definition, split) as
``<cache_dir>/<task name>/<key[:20]>/<split>.parquet.rdlc``: a parquet payload in an
`rdl.cachefile` entry (written to a temporary file and renamed; read back checked, and
rebuilt with a `rdl.cachefile.CacheWarning` when damaged). The key is the SHA-256 of the
database's content fingerprint (`rdl.db.fingerprint.database_fingerprint`) and the task's
definition (`rdl.tasks.BaseTask.definition`), so another database or definition gets its
own entry.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from rdl.cachefile import SUFFIX, read_entry, write_entry
from rdl.db import Database
from rdl.db.fingerprint import database_fingerprint

KIND = "rdl.tasks.table"
#: version of the stored table layout; bump it when the stored frame changes meaning.
VERSION = 1


def table_cache_key(db: Database, definition: dict[str, Any]) -> str:
    """Hex SHA-256 of ``db``'s content fingerprint and the task ``definition``."""
    payload = json.dumps(
        {"db": database_fingerprint(db), "task": definition}, sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def table_cache_path(cache_dir: Path, task_name: str, key: str, split: str) -> Path:
    """``<cache_dir>/<task name, made file-safe>/<key[:20]>/<split>.parquet.rdlc``."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", task_name)
    return cache_dir / slug / key[:20] / f"{split}.parquet{SUFFIX}"


def load_table_df(path: Path, time_col: str) -> pd.DataFrame | None:
    """The stored frame (``time_col`` as ``datetime64[ns]``), or ``None`` when there is no
    good entry (a bad one is deleted with a `rdl.cachefile.CacheWarning`)."""
    df = read_entry(path, KIND, VERSION, lambda data: pd.read_parquet(io.BytesIO(data)))
    if df is not None:
        df[time_col] = df[time_col].astype("datetime64[ns]")
    return df


def store_table_df(path: Path, df: pd.DataFrame) -> bool:
    """Store ``df`` (index dropped) at ``path``; ``False`` (with a
    `rdl.cachefile.CacheWarning`) when the directory is not writable."""
    return write_entry(path, KIND, VERSION, lambda f: df.to_parquet(f, index=False))
