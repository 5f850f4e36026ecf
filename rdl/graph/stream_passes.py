"""The passes of the streaming graph build (`rdl.graph.stream`), one table at a time:
the store's file writer, pass 1 (keys, node times, raw foreign-key values), pass 2
(column statistics), pass 3 (TensorFrame features), composite-key surrogates, and the
resolution of foreign keys to parent rows by binary search, chunk by chunk.

Moved here from `rdl.graph.stream`, which keeps the build's driver
(`build_graph_streaming`) and the store key (`graph_key`).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rdl.db import hints
from rdl.db.errors import DataError, SchemaError
from rdl.db.table import Table
from rdl.graph.build import feature_frame, node_seconds
from rdl.graph.mmap_store import open_array
from rdl.graph.stream_parts import StatsAccumulator, batches, compact_dtype, to_frame

_CHUNK = 1 << 22


class StoreWriter:
    """Files of a store being written (relative path -> size at the end)."""

    def __init__(self, root: Path):
        self.root = root
        self.files: list[str] = []

    def create(self, rel: str, shape, dtype) -> np.ndarray:
        (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
        self.files.append(rel)
        if 0 in tuple(shape):  # numpy cannot map an empty file
            np.save(self.root / rel, np.zeros(shape, dtype))
            return np.zeros(shape, dtype)
        return np.lib.format.open_memmap(
            self.root / rel, mode="w+", dtype=dtype, shape=tuple(shape)
        )

    def save(self, rel: str, array) -> None:
        (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
        self.files.append(rel)
        np.save(self.root / rel, array)

    def sizes(self) -> dict[str, int]:
        return {rel: os.path.getsize(self.root / rel) for rel in self.files}


def _spool(root: Path, rel: str, n: int, dtype) -> np.ndarray:
    """A temporary array on disk (removed with the store's ``raw/`` folder)."""
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    if n == 0:
        return np.zeros(0, dtype)
    return np.lib.format.open_memmap(root / rel, mode="w+", dtype=dtype, shape=(n,))


def key_pass(table, name: str, w: StoreWriter, i_table: int, codecs: dict, batch_rows: int) -> dict:
    """Pass 1: primary keys, node times, raw foreign-key values. Returns the layout."""
    m = table.meta
    n = len(table)
    fk_cols = [c for f in m.fkeys for c in f.source_cols]
    cols = list(dict.fromkeys([*m.pkey_cols, *fk_cols, *([m.time_col] if m.time_col else [])]))
    out: dict[str, Any] = {
        "time": f"time/{i_table}.npy" if m.time_col else None,
        "pkey": None,
        "ordered": False,
    }
    if not m.pkey_cols:
        out["ordered"] = True  # no key: rdl.connect sorts by every column
    elif len(m.pkey_cols) > 1:
        out["pkey"] = "arange"
    else:
        out["pkey"] = f"pkey/{i_table}.npy"
    for attempt in (0, 1):
        ordered = out["ordered"] or attempt == 1
        times = w.create(out["time"], (n,), np.int64) if m.time_col else None
        keys = (
            w.create(
                out["pkey"], (n,), codecs[name].dtype if codecs[name].kind == "str" else np.int64
            )
            if out["pkey"] not in (None, "arange")
            else None
        )
        raw = {}  # raw foreign-key values, spooled to disk until they are resolved
        for j, f in enumerate(m.fkeys):
            dt = codecs[f.parent].dtype if codecs[f.parent].kind == "str" else np.int64
            raw[f.col] = (
                _spool(w.root, f"raw/{i_table}.{j}.v.npy", n, dt),
                _spool(w.root, f"raw/{i_table}.{j}.ok.npy", n, bool),
            )
        start, last, sorted_ok = 0, None, True
        for b in batches(table, cols, ordered, batch_rows):
            k = b.num_rows
            if k == 0:
                continue
            if m.pkey_cols:
                key, valid = codecs[name].encode(b)
                if not valid.all():
                    raise DataError(
                        f"table {name!r}: null primary key {list(m.pkey_cols)} in "
                        f"{int((~valid).sum())} rows; fix them in the source"
                    )
                inc = (key[1:] > key[:-1]).all() and (last is None or key[0] > last)
                if not inc:
                    sorted_ok = False
                    break
                last = key[-1]
                if keys is not None:
                    keys[start : start + k] = key
            if times is not None:
                times[start : start + k] = node_seconds(b.column(m.time_col).to_pandas())
            for f in m.fkeys:
                v, ok = codecs[f.parent].encode(b, f.source_cols)
                raw[f.col][0][start : start + k], raw[f.col][1][start : start + k] = v, ok
            start += k
        if sorted_ok:
            break
        if ordered:
            raise DataError(
                f"table {name!r}: duplicate primary key values in "
                f"{list(m.pkey_cols)}; rdl needs a unique key (fix the source or "
                f"pass {hints.pkey(name)})"
            )
        for rel in filter(None, (out["time"], out["pkey"] if keys is not None else None)):
            w.files.remove(rel)
        out["ordered"] = True  # storage is not in key order: sort in the query
    out["raw_fkeys"] = raw
    return out


def stats_pass(
    table, name, col_to_stype, stats_table, ordered, float_cols, spool, batch_rows
) -> dict:
    """Pass 2: the column stats, on the rows of ``stats_table``."""
    import torch_frame

    acc = StatsAccumulator(col_to_stype, spool / name)
    src = [
        c
        for c, st in col_to_stype.items()
        if c != "__const__" and st != torch_frame.stype.text_embedded
    ]
    for b in batches(stats_table, src or [next(iter(table.meta.sql_types))], ordered, batch_rows):
        df = to_frame(b, float_cols)
        if "__const__" in col_to_stype:  # a table without features (feature_frame)
            df = pd.DataFrame({"__const__": np.ones(len(df))})
        acc.add(df)
    return acc.result()


def feature_pass(
    table, name, w, i_table, text, stats, embedder, ordered, float_cols, batch_rows
) -> dict:
    """Pass 3: TensorFrame features written at their rows. Returns the layout."""
    import torch_frame
    from torch_frame.config import TextEmbedderConfig
    from torch_frame.data import Dataset

    n = len(table)
    feats = [
        c
        for c, st in table.stypes.items()
        if c not in table.key_cols and (text or st != "text_embedded")
    ]
    src = feats or [next(iter(table.meta.sql_types))]
    layout: dict[str, Any] = {"col_names_dict": None, "feats": {}}
    arrays, start = {}, 0
    for b in batches(table, src, ordered, batch_rows):
        df, col_to_stype = feature_frame(Table(to_frame(b, float_cols), stypes=table.stypes), text)
        kwargs = {}
        if any(st == torch_frame.stype.text_embedded for st in col_to_stype.values()):
            kwargs["col_to_text_embedder_cfg"] = TextEmbedderConfig(
                text_embedder=embedder, batch_size=None
            )
        tf = Dataset(df, col_to_stype, **kwargs).materialize(col_stats=stats).tensor_frame
        for st, t in tf.feat_dict.items():
            values = t.values if hasattr(t, "offset") else t
            if st not in arrays:
                dt = compact_dtype(st, values, stats, tf.col_names_dict[st])
                rel = f"tf/{i_table}/{st.value}.npy"
                arrays[st] = w.create(rel, (n, *values.shape[1:]), dt)
                layout["feats"][st.value] = {"file": rel, "dtype": str(values.dtype)}
                if hasattr(t, "offset"):
                    layout["feats"][st.value]["offset"] = t.offset.tolist()
            arrays[st][start : start + len(df)] = values.numpy()
        layout["col_names_dict"] = {st.value: cols for st, cols in tf.col_names_dict.items()}
        start += len(df)
    return layout


def resolve_fkeys(db, layouts, w, codecs, notes) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Foreign-key values -> parent rows (``-1``: null or dangling); the edge files."""
    edge_types, edge_files = [], []
    for i, (name, table) in enumerate(db.items()):
        for j, f in enumerate(table.meta.fkeys):
            vals, valid = layouts[name]["raw_fkeys"][f.col]
            parent = layouts[f.parent]
            if parent["pkey"] is None:
                raise SchemaError(
                    f"{name}.{f.col} references {f.parent!r}, which has no "
                    f"primary key; give it one ({hints.pkey(f.parent)})"
                )
            pk = parent["packed"] if "packed" in parent else open_array(w.root / parent["pkey"])
            rel = f"fkey/{i}/{j}.npy"
            out = w.create(rel, (len(vals),), np.int64)
            dangling = 0
            for s in range(0, len(vals), _CHUNK):
                v, ok = vals[s : s + _CHUNK], valid[s : s + _CHUNK]
                idx = np.searchsorted(pk, v) if len(pk) else np.zeros(len(v), np.int64)
                idx = np.minimum(idx, max(len(pk) - 1, 0))
                hit = ok & (pk[idx] == v) if len(pk) else np.zeros(len(v), bool)
                out[s : s + _CHUNK] = np.where(hit, idx, -1)
                dangling += int((ok & ~hit).sum())
            if dangling:
                notes.append(
                    f"{name}.{f.col}: {dangling} rows reference no row of "
                    f"{f.parent}; they get no edge (as RelBench)"
                )
            edge_types += [(name, f"f2p_{f.col}", f.parent), (f.parent, f"rev_f2p_{f.col}", name)]
            edge_files += [rel, rel]
    return edge_types, edge_files


def uncut(table):
    """``table`` without its time cuts."""
    return type(table)(table.path, replace(table.meta, where=()), table.max_rows)


def _packed_keys(table, codec, batch_rows) -> np.ndarray:
    """The packed composite keys of a table, in key order."""
    parts = [
        codec.encode(b)[0] for b in batches(table, list(table.meta.pkey_cols), True, batch_rows)
    ]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def surrogate_keys(table, name, lay, w, i, codec, batch_rows) -> None:
    """A composite-key table's surrogate ``_rdl_key`` (its row's position in the uncut
    table's key order, as `rdl.connect` numbers it before any time cut) and its packed
    keys (for the foreign keys that reference it)."""
    lay["packed"] = _packed_keys(table, codec, batch_rows)
    if table.meta.where:
        full = _packed_keys(uncut(table), codec, batch_rows)
        lay["pkey"] = f"pkey/{i}.npy"
        w.save(lay["pkey"], np.searchsorted(full, lay["packed"]).astype(np.int64))
