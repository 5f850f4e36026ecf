"""`Database` -> temporal heterogeneous graph (RelBench's ``make_pkey_fkey_graph``, rdl's
own arrays).

* one node type per table, one node per row (row position = node index);
* per foreign key ``col`` of ``child`` -> ``parent`` two edge types:
  ``(child, "f2p_<col>", parent)`` and ``(parent, "rev_f2p_<col>", child)``;
* node time in seconds since epoch (int64) for tables with a time column; rows with a null
  time get ``INT64_MAX`` (never visible to any seed);
* one pytorch-frame `TensorFrame` per table over its feature columns (key columns are never
  features; a constant column ``__const__`` where a table has none), with column stats.

Column stats (normalisation, category vocabularies) can be computed on a time cut of the
database (``stats_until``) so that no statistic of future rows reaches the model.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from rdl.cachefile import SUFFIX, read_entry, write_entry
from rdl.db import Database
from rdl.db.fingerprint import database_fingerprint
from rdl.graph.text import DEFAULT_TEXT, encoder_settings, make_text_encoder, text_encoder_name

NEVER = np.iinfo(np.int64).max
GRAPH_VERSION = "3"  # 2: node times rounded up to whole seconds; 3: text encoder choice
GRAPH_CACHE_KIND = "rdl.graph"


def default_cache_dir() -> Path:
    """``$RDL_CACHE_DIR`` or ``~/.cache/rdl``."""
    return Path(os.environ.get("RDL_CACHE_DIR", Path.home() / ".cache" / "rdl"))


@dataclass
class GraphData:
    """The graph of a database, as plain arrays plus one TensorFrame per table.

    Attributes:
        num_nodes: node type -> number of nodes (rows).
        node_time: node type -> ``int64 [num_nodes]`` seconds since epoch, or ``None`` for
            tables without a time column (always visible).
        edge_index: edge type ``(src, rel, dst)`` -> ``int64 [2, num_edges]`` (row 0 src).
        tf_dict: node type -> `torch_frame.TensorFrame` with ``num_nodes`` rows.
        col_stats: node type -> pytorch-frame column stats.
        pkey_values: node type -> primary-key value of each node (``None`` without pkey).
        key: content hash of the database and settings (the cache key).
        text_encoders: ``"table.column"`` -> the fitted text encoder of each text column
            whose encoder learns from the data (``tfidf``); pass them back to
            `build_graph` to encode another database's rows the same way.
    """

    num_nodes: dict[str, int]
    node_time: dict[str, np.ndarray | None]
    edge_index: dict[tuple[str, str, str], np.ndarray]
    tf_dict: dict
    col_stats: dict
    pkey_values: dict[str, np.ndarray | None]
    key: str = ""
    build_seconds: float = 0.0
    info: dict = field(default_factory=dict)
    text_encoders: dict = field(default_factory=dict)

    @property
    def node_types(self) -> list[str]:
        return list(self.num_nodes)

    @property
    def edge_types(self) -> list[tuple[str, str, str]]:
        return list(self.edge_index)

    def node_index(self, table: str, values) -> np.ndarray:
        """Node indices of the rows whose primary key is in ``values``.

        Raises:
            KeyError: a value is no primary key of ``table`` (names up to 5 of them).
        """
        pk = self.pkey_values.get(table)
        if pk is None:
            return np.asarray(values, dtype=np.int64)
        idx = pd.Index(pk).get_indexer(pd.Series(values).to_numpy())
        if (idx < 0).any():
            bad = pd.Series(values)[idx < 0].unique()[:5].tolist()
            raise KeyError(f"table {table!r} has no rows with primary key {bad}")
        return idx.astype(np.int64)

    def to_hetero_data(self):
        """The whole graph as a PyG `HeteroData` (``tf``, ``time``, ``edge_index``)."""
        from torch_geometric.data import HeteroData

        data = HeteroData()
        for nt, n in self.num_nodes.items():
            data[nt].num_nodes = n
            data[nt].tf = self.tf_dict[nt]
            if self.node_time[nt] is not None:
                data[nt].time = torch.from_numpy(self.node_time[nt])
        for et, ei in self.edge_index.items():
            data[et].edge_index = torch.from_numpy(ei)
        return data


def node_seconds(series: pd.Series) -> np.ndarray:
    """Row times -> ``int64`` seconds since epoch, rounded **up** (null -> `NEVER`).

    Seed times are rounded down (`rdl.train.seeds.to_seconds`), so a row is visible to a
    seed only if it is dated at or before the seed time at full precision: an event a
    fraction of a second after ``t`` (which the label window ``(t, t + timedelta]``
    counts) never becomes an input at ``t``. A row dated a fraction of a second before a
    seed time that itself has a fraction may be hidden — the safe side.
    """
    s = pd.to_datetime(series)
    us = s.to_numpy(dtype="datetime64[us]").astype(np.int64)
    out = -((-us) // 1_000_000)
    out[s.isna().to_numpy()] = NEVER
    return out


def feature_frame(table, text: bool | str) -> tuple[pd.DataFrame, dict]:
    """The feature columns of ``table`` and their pytorch-frame stypes (text columns
    unless ``text`` is ``False`` / ``"none"``)."""
    import torch_frame

    text = text_encoder_name(text) != "none"
    col_to_stype = {}
    for col, st in table.stypes.items():
        if col in table.key_cols:
            continue
        if st == "text_embedded" and not text:
            continue
        col_to_stype[col] = getattr(torch_frame.stype, st)
    if not col_to_stype:
        return pd.DataFrame({"__const__": np.ones(len(table.df))}), {
            "__const__": torch_frame.stype.numerical
        }
    df = table.df[list(col_to_stype)].copy()
    for col, st in col_to_stype.items():
        if st == torch_frame.stype.text_embedded:
            df[col] = df[col].astype(object).where(df[col].notna(), "").astype(str)
    return df, col_to_stype


def build_graph(
    db: Database,
    *,
    text: str | bool = DEFAULT_TEXT,
    stats_until: pd.Timestamp | str | None = None,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    col_stats: dict | None = None,
    text_encoders: dict | None = None,
    progress: bool = True,
) -> GraphData:
    """Build (or load from the on-disk cache) the graph of ``db``.

    Args:
        db: the database.
        text: the encoder of ``text_embedded`` columns (`rdl.graph.text`): ``"tfidf"``
            (TF-IDF + SVD, 64-d, fitted per column on the rows the column stats come
            from), ``"minilm"`` (all-MiniLM-L6-v2, 384-d) or ``"none"`` (dropped from the
            features); ``True`` / ``False`` mean ``"minilm"`` / ``"none"``.
        stats_until: compute column stats only on rows with time ``<= stats_until`` (e.g.
            the task's test timestamp), so no statistic of later rows reaches the model.
        cache_dir: where the graph (``graph-<key>.pt.rdlc``) and text embeddings
            (``text-minilm.pt.rdlc``) are cached (default `default_cache_dir`); entries are
            `rdl.cachefile` entries (atomic writes, checked reads).
        use_cache: read/write the graph cache.
        col_stats: table -> pytorch-frame column stats to materialise with (a trained
            model's, so that rows encode exactly as in training); disables the cache.
        text_encoders: fitted text encoders to reuse (a trained model's
            `GraphData.text_encoders`) instead of fitting new ones.
        progress: tqdm progress bars (one over the tables, one per text column with at
            least `rdl.graph.text.CHUNK` strings to embed).

    Returns:
        `GraphData`; ``build_seconds`` is 0 when it came from the cache
        (``info["cached"]``).

    Raises:
        KeyError: a foreign key references a table missing from ``db``.
        ValueError: an unknown text encoder.

    Warns:
        rdl.cachefile.CacheWarning: a cached graph or text-embedding file was bad (it is
            rebuilt), or the cache directory is not writable (the run goes on uncached).
    """
    import torch_frame
    from torch_frame.config import TextEmbedderConfig
    from torch_frame.data import Dataset

    t0 = time.perf_counter()
    text = text_encoder_name(text)
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    settings = {
        "v": GRAPH_VERSION,
        "text": encoder_settings(text),
        "stats_until": None if stats_until is None else str(pd.Timestamp(stats_until)),
    }
    key = hashlib.sha256(
        (database_fingerprint(db) + json.dumps(settings, sort_keys=True)).encode()
    ).hexdigest()[:24]
    path = cache / f"graph-{key}.pt{SUFFIX}"
    use_cache = use_cache and col_stats is None and not text_encoders
    g = read_entry(path, GRAPH_CACHE_KIND, GRAPH_VERSION, _load_graph) if use_cache else None
    if g is not None:
        g.info["cached"] = True
        g.build_seconds = 0.0
        return g

    use_text = text != "none"
    stats_db = db.upto(stats_until) if stats_until is not None else db
    num_nodes, node_time, pkey_values, tf_dict, stats_out = {}, {}, {}, {}, {}
    fitted: dict = {}
    bar = tqdm(
        db.items(), total=len(db), desc="graph", unit="table", disable=not progress, leave=False
    )
    for name, table in bar:
        bar.set_postfix(table=name, rows=len(table.df))
        num_nodes[name] = len(table.df)
        node_time[name] = node_seconds(table.df[table.time_col]) if table.time_col else None
        pkey_values[name] = table.df[table.pkey_col].to_numpy() if table.pkey_col else None
        df, col_to_stype = feature_frame(table, use_text)
        use_stats_db = (
            col_stats is None and stats_until is not None and 0 < len(stats_db[name].df) < len(df)
        )
        sdf = feature_frame(stats_db[name], use_text)[0] if use_stats_db else df
        kwargs = {}
        text_cols = [c for c, st in col_to_stype.items() if st == torch_frame.stype.text_embedded]
        if text_cols:
            cfgs = {}
            for col in text_cols:
                label = f"{name}.{col}"
                enc = (text_encoders or {}).get(label)
                if enc is None:
                    enc = make_text_encoder(text, cache, label=label, progress=progress)
                    enc.fit(sdf[col].tolist())
                if text == "tfidf":
                    fitted[label] = enc
                cfgs[col] = TextEmbedderConfig(text_embedder=enc, batch_size=None)
            kwargs["col_to_text_embedder_cfg"] = cfgs
        stats = None if col_stats is None else col_stats[name]
        if use_stats_db:
            stats = Dataset(sdf, col_to_stype, **kwargs).materialize().col_stats
        ds = Dataset(df, col_to_stype, **kwargs).materialize(col_stats=stats)
        tf_dict[name] = ds.tensor_frame
        stats_out[name] = ds.col_stats
    bar.close()

    edge_index = {}
    for child, table in db.items():
        for col, parent in table.fkey_col_to_pkey_table.items():
            fk = table.df[col]
            ok = fk.notna().to_numpy()
            src = np.flatnonzero(ok).astype(np.int64)
            dst = pd.Index(pkey_values[parent]).get_indexer(fk[ok].to_numpy())
            keep = dst >= 0
            src, dst = src[keep], dst[keep].astype(np.int64)
            edge_index[(child, f"f2p_{col}", parent)] = np.stack([src, dst])
            edge_index[(parent, f"rev_f2p_{col}", child)] = np.stack([dst, src])

    g = GraphData(
        num_nodes,
        node_time,
        edge_index,
        tf_dict,
        stats_out,
        pkey_values,
        key,
        time.perf_counter() - t0,
        {"cached": False, "settings": settings},
        fitted,
    )
    if use_cache:
        write_entry(path, GRAPH_CACHE_KIND, GRAPH_VERSION, lambda f: torch.save(g, f))
    return g


def _load_graph(data: bytes) -> GraphData:
    """A cached graph from its checked payload (`rdl.cachefile.read_entry`).

    Raises:
        TypeError: the payload is not a `GraphData` (the entry is then rebuilt).
    """
    g = torch.load(io.BytesIO(data), weights_only=False)
    if not isinstance(g, GraphData):
        raise TypeError(f"holds a {type(g).__name__}, not a GraphData")
    return g
