"""Out-of-core graph build: a `rdl.db.lazy.LazyDatabase` streamed from DuckDB as Arrow
record batches into a memory-mapped store (`rdl.graph.mmap_store`).

The graph is the one `rdl.graph.build.build_graph` makes from the same database in
memory — same node order (primary-key order), node times, edges, TensorFrame values and
column stats (pytorch-frame's own mappers and statistics, run batch by batch) — but no
table is ever whole in memory: each table is read three times as record batches
(``batch_rows`` rows each), its arrays written into ``.npy`` files that are then
memory-mapped:

1. keys: primary keys (checked unique and ascending; DuckDB's storage order is used
   when it already is key order, else the query sorts), node times (seconds, rounded
   up) and the raw foreign-key values;
2. statistics over the rows dated ``<= stats_until`` (`StatsAccumulator`);
3. features: `rdl.graph.build.feature_frame` and pytorch-frame's ``Dataset``
   materialisation per batch (text embedded batch by batch with the cached
   all-MiniLM-L6-v2 embedder), written at the batch's rows.

Foreign keys are then resolved to parent rows by binary search in the parent's sorted
keys, chunk by chunk (dangling values are counted and get no edge, as in memory).
Peak memory is a batch plus one column of statistics plus one table's key arrays.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from rdl.cachefile import CacheWarning
from rdl.db import hints
from rdl.db.errors import DataError, RdlWarning, SchemaError, arg
from rdl.db.table import Table
from rdl.graph.build import GRAPH_VERSION, default_cache_dir, feature_frame, node_seconds
from rdl.graph.mmap_store import MANIFEST, STORE_VERSION, load_store, open_array
from rdl.graph.stream_parts import (
    INT_TYPES,
    KeyCodec,
    StatsAccumulator,
    batches,
    compact_dtype,
    to_frame,
)
from rdl.graph.text import encoder_settings

BATCH_ROWS = 1 << 17
_CHUNK = 1 << 22


class _Writer:
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


def _key_pass(table, name: str, w: _Writer, i_table: int, codecs: dict, batch_rows: int) -> dict:
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


def _stats(table, name, col_to_stype, stats_table, ordered, float_cols, spool, batch_rows) -> dict:
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


def _feature_pass(
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


def _resolve(db, layouts, w, codecs, notes) -> tuple[list[tuple[str, str, str]], list[str]]:
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


def _uncut(table):
    """``table`` without its time cuts."""
    return type(table)(table.path, replace(table.meta, where=()), table.max_rows)


def _packed_keys(table, codec, batch_rows) -> np.ndarray:
    """The packed composite keys of a table, in key order."""
    parts = [
        codec.encode(b)[0] for b in batches(table, list(table.meta.pkey_cols), True, batch_rows)
    ]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def _surrogate_keys(table, name, lay, w, i, codec, batch_rows) -> None:
    """A composite-key table's surrogate ``_rdl_key`` (its row's position in the uncut
    table's key order, as `rdl.connect` numbers it before any time cut) and its packed
    keys (for the foreign keys that reference it)."""
    lay["packed"] = _packed_keys(table, codec, batch_rows)
    if table.meta.where:
        full = _packed_keys(_uncut(table), codec, batch_rows)
        lay["pkey"] = f"pkey/{i}.npy"
        w.save(lay["pkey"], np.searchsorted(full, lay["packed"]).astype(np.int64))


def graph_key(db, text: bool, stats_until, col_stats) -> tuple[str, dict]:
    settings = {
        "v": GRAPH_VERSION,
        "store": STORE_VERSION,
        "text": encoder_settings("minilm") if text else None,
        "stats_until": None if stats_until is None else str(pd.Timestamp(stats_until)),
    }
    h = hashlib.sha256((db.fingerprint() + json.dumps(settings, sort_keys=True)).encode())
    if col_stats is not None:
        buf = io.BytesIO()
        torch.save(col_stats, buf)
        h.update(buf.getvalue())
    return h.hexdigest()[:24], settings


def build_graph_streaming(
    db,
    *,
    text: str | bool = "minilm",
    stats_until=None,
    cache_dir=None,
    use_cache: bool = True,
    col_stats: dict | None = None,
    batch_rows: int = BATCH_ROWS,
    progress: bool = True,
    text_encoders: dict | None = None,
):
    """The graph of an out-of-core database, built (or opened) as a memory-mapped store.

    Args and semantics as `rdl.graph.build.build_graph` (``use_cache=False`` rebuilds
    even when a store exists); the store lives in ``cache_dir`` as
    ``graph-<key>.mmap/`` (the key hashes the database's `fingerprint` and the
    settings, and ``col_stats`` when given).

    Returns:
        `rdl.graph.mmap_store.MmapGraphData`; ``info["bytes"]`` is the store's size on
        disk, ``info["notes"]`` lists dangling foreign keys.

    Raises:
        DataError: a null or duplicate primary key.
        SchemaError: a key or stype out-of-core mode cannot stream (the message says
            what to pass instead).

    Text: ``"minilm"`` embeds text columns batch by batch; ``"tfidf"`` needs a whole
    column in memory to fit its vocabulary, so out of core its text columns are left
    out with a warning (pass ``--text minilm`` to embed them); ``"none"`` leaves them out.
    ``text_encoders`` is accepted for `build_graph`'s signature and unused: MiniLM has
    nothing fitted to reuse.
    """
    from rdl.graph.text import CachedTextEmbedder, text_encoder_name

    name = text_encoder_name(text)
    if name == "tfidf" and any(
        st == "text_embedded" for _, t in db.items() for st in t.stypes.values()
    ):
        warnings.warn(
            RdlWarning(
                "out-of-core graph: TF-IDF needs each text column whole in memory, so text "
                f"columns are left out; pass {arg('text', repr('minilm'), cli='minilm')} to embed "
                f"them batch by batch, or {arg('text', repr('none'), cli='none')} to silence this"
            ),
            stacklevel=2,
        )
    text = name == "minilm"

    t0 = time.perf_counter()
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    key, settings = graph_key(db, text, stats_until, col_stats)
    path = cache / f"graph-{key}.mmap"
    if use_cache:
        g = load_store(path)
        if g is not None:
            return g
    try:
        tmp = cache / f".graph-{key}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        tmp.mkdir(parents=True)
    except OSError as e:
        import tempfile

        tmp = Path(tempfile.mkdtemp(prefix=f"rdl-graph-{key}-"))
        warnings.warn(
            f"cannot write the cache directory {cache} ({e.strerror or e}); the "
            f"out-of-core graph is built in {tmp} and not kept. Set RDL_CACHE_DIR "
            f"(or {arg('cache_dir')}) to a writable directory",
            CacheWarning,
            stacklevel=2,
        )
    try:
        w = _Writer(tmp)
        notes: list[str] = []
        embedder = (
            CachedTextEmbedder(cache / "text-minilm.pt.rdlc", progress=progress) if text else None
        )
        # keys are encoded over the uncut tables' ranges (a time cut keeps a subset)
        codecs = {
            n: KeyCodec(_uncut(t), t.meta.pkey_cols) for n, t in db.items() if t.meta.pkey_cols
        }
        layouts, stats_out, tf_layout = {}, {}, {}
        for i, (name, table) in enumerate(db.items()):
            layouts[name] = lay = _key_pass(table, name, w, i, codecs, batch_rows)
            if lay["pkey"] == "arange":
                _surrogate_keys(table, name, lay, w, i, codecs[name], batch_rows)
            types = table.meta.sql_types
            feats = [
                c
                for c, st in table.stypes.items()
                if c not in table.key_cols and (text or st != "text_embedded")
            ]
            nulls = table.scalar(
                "SELECT count(*) "
                + "".join(f", count(*) - count({_q(c)})" for c in feats)
                + f" {table.from_sql()}"
            )
            float_cols = {c for c, k in zip(feats, nulls[1:]) if k and types[c] in INT_TYPES}
            if col_stats is not None:
                stats = col_stats[name]
            else:
                st_tab = table.upto(stats_until) if stats_until is not None else table
                if not 0 < len(st_tab) < len(table):
                    st_tab = table
                _, cts = feature_frame(
                    Table(pd.DataFrame({c: [] for c in feats}), stypes=table.stypes), text
                )
                stats = _stats(
                    table, name, cts, st_tab, lay["ordered"], float_cols, tmp / "spool", batch_rows
                )
            tf_layout[name] = _feature_pass(
                table, name, w, i, text, stats, embedder, lay["ordered"], float_cols, batch_rows
            )
            stats_out[name] = stats
        edge_types, edge_files = _resolve(db, layouts, w, codecs, notes)
        for lay in layouts.values():  # drop the raw foreign-key arrays, then their files
            lay.pop("raw_fkeys", None)
        shutil.rmtree(tmp / "spool", ignore_errors=True)
        shutil.rmtree(tmp / "raw", ignore_errors=True)
        torch.save(stats_out, tmp / "col_stats.pt")
        w.files.append("col_stats.pt")
        manifest = {
            "version": STORE_VERSION,
            "key": key,
            "settings": settings,
            "node_types": list(db),
            "num_nodes": {n: len(t) for n, t in db.items()},
            "time": {n: layouts[n]["time"] for n in db},
            "pkey": {n: layouts[n]["pkey"] for n in db},
            "edge_types": edge_types,
            "edge_files": edge_files,
            "tf": tf_layout,
            "notes": notes,
            "build_seconds": time.perf_counter() - t0,
            "files": w.sizes(),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1))
        if tmp.parent == cache:
            shutil.rmtree(path, ignore_errors=True)  # a damaged store, or use_cache=False
            try:
                os.replace(tmp, path)
            except OSError:  # another process stored it meanwhile: use theirs
                shutil.rmtree(tmp, ignore_errors=True)
            g = load_store(path)
        else:
            g = load_store(tmp)
        if g is None:
            raise OSError(
                f"the graph store {path} could not be opened after building it; remove it and retry"
            )
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    g.build_seconds = time.perf_counter() - t0
    g.info["cached"] = False
    return g


def _q(name: str) -> str:
    from rdl.db.sql import quote_identifier

    return quote_identifier(name)
