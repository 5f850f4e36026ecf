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

The passes themselves (and the store's file writer) live in `rdl.graph.stream_passes`;
this module keeps the driver (`build_graph_streaming`) and the store key (`graph_key`).
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
from pathlib import Path

import pandas as pd
import torch

from rdl.cachefile import CacheWarning
from rdl.db.errors import RdlWarning, arg
from rdl.db.table import Table
from rdl.graph.build import GRAPH_VERSION, default_cache_dir, feature_frame
from rdl.graph.mmap_store import MANIFEST, STORE_VERSION, load_store
from rdl.graph.stream_parts import INT_TYPES, KeyCodec
from rdl.graph.stream_passes import (
    StoreWriter,
    feature_pass,
    key_pass,
    resolve_fkeys,
    stats_pass,
    surrogate_keys,
    uncut,
)
from rdl.graph.text import encoder_settings

BATCH_ROWS = 1 << 17


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
        w = StoreWriter(tmp)
        notes: list[str] = []
        embedder = (
            CachedTextEmbedder(cache / "text-minilm.pt.rdlc", progress=progress) if text else None
        )
        # keys are encoded over the uncut tables' ranges (a time cut keeps a subset)
        codecs = {
            n: KeyCodec(uncut(t), t.meta.pkey_cols) for n, t in db.items() if t.meta.pkey_cols
        }
        layouts, stats_out, tf_layout = {}, {}, {}
        for i, (name, table) in enumerate(db.items()):
            layouts[name] = lay = key_pass(table, name, w, i, codecs, batch_rows)
            if lay["pkey"] == "arange":
                surrogate_keys(table, name, lay, w, i, codecs[name], batch_rows)
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
                stats = stats_pass(
                    table, name, cts, st_tab, lay["ordered"], float_cols, tmp / "spool", batch_rows
                )
            tf_layout[name] = feature_pass(
                table, name, w, i, text, stats, embedder, lay["ordered"], float_cols, batch_rows
            )
            stats_out[name] = stats
        edge_types, edge_files = resolve_fkeys(db, layouts, w, codecs, notes)
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
