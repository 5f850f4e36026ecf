"""A graph kept on disk and memory-mapped: the store written by `rdl.graph.stream` and
the `MmapGraphData` read from it.

A store is a folder ``graph-<key>.mmap/`` in the cache directory:

* ``manifest.json`` — node and edge types, row counts, which arrays exist, the
  TensorFrame layout per table, the settings, and every file's size (checked on open:
  a truncated or missing file makes the store rebuild; checksums are not computed, as
  that would read tens of GB on every open);
* ``col_stats.pt`` — pytorch-frame column stats (small);
* ``.npy`` arrays, opened with ``numpy.load(mmap_mode="c")`` (copy-on-write: never
  written back), so only the pages a mini-batch touches are read:
  ``time/<table>.npy`` (``int64`` seconds, `rdl.graph.build.NEVER` for null),
  ``pkey/<table>.npy`` (sorted primary keys; none for a surrogate ``_rdl_key``, which is
  ``0..n-1``), ``fkey/<table>/<i>.npy`` (``int64 [num_rows]`` row of the parent each row
  references, ``-1`` for none), ``tf/<table>/<stype>.npy`` (TensorFrame features in a
  compact dtype, cast back on read).

Written into a temporary folder and renamed into place once complete, so a reader never
sees a half-written store. The CSC arrays the sampler needs are added beside them by
`rdl.sampling.csc_store` (the graph room does not know the sampler's layout).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import torch

from rdl.graph.build import GraphData
from rdl.mapped import open_array  # re-exported: the store's arrays, released by rdl.mapped

STORE_VERSION = 1
MANIFEST = "manifest.json"


class LazyArrays(Mapping):
    """A read-only mapping whose values are made on first access (``key -> loader()``)
    and kept; used for arrays that are big and rarely needed whole."""

    def __init__(self, loaders: Mapping[Any, Callable[[], Any]]):
        self._loaders = dict(loaders)
        self._values: dict[Any, Any] = {}

    def __getitem__(self, key):
        if key not in self._values:
            self._values[key] = self._loaders[key]()
        return self._values[key]

    def fresh(self, key):
        """The value of ``key`` made anew and not kept (for a one-off pass over big
        arrays, e.g. building the CSC)."""
        return self._values[key] if key in self._values else self._loaders[key]()

    def __iter__(self):
        return iter(self._loaders)

    def __len__(self) -> int:
        return len(self._loaders)


class MmapTensorFrame:
    """A table's features on disk, indexed like a `torch_frame.TensorFrame`:
    ``tf[index]`` gathers the rows ``index`` (``LongTensor [k]`` or array) into an
    in-memory ``TensorFrame`` with pytorch-frame's dtypes (``float32`` numerical,
    ``int64`` categorical / timestamp, ``float32`` embeddings).

    Args:
        feats: stype -> stored array ``[num_rows, ...]``.
        col_names_dict: stype -> column names (pytorch-frame's layout).
        dtypes: stype -> the torch dtype the gathered tensor gets.
        offsets: stype -> ``MultiEmbeddingTensor`` offsets (embedding stypes).
        num_rows: rows of the table.
    """

    def __init__(
        self, feats: dict, col_names_dict: dict, dtypes: dict, offsets: dict, num_rows: int
    ):
        self.feats, self.col_names_dict = feats, col_names_dict
        self.dtypes, self.offsets, self.num_rows = dtypes, offsets, int(num_rows)

    @property
    def stypes(self) -> list:
        return list(self.col_names_dict)

    def __len__(self) -> int:
        return self.num_rows

    def __getitem__(self, index):
        from torch_frame import TensorFrame
        from torch_frame.data import MultiEmbeddingTensor

        idx = index.numpy() if isinstance(index, torch.Tensor) else np.asarray(index)
        feat_dict = {}
        for st, arr in self.feats.items():
            t = torch.from_numpy(np.ascontiguousarray(arr[idx])).to(self.dtypes[st])
            if st in self.offsets:
                t = MultiEmbeddingTensor(
                    num_rows=len(idx),
                    num_cols=len(self.offsets[st]) - 1,
                    values=t,
                    offset=torch.tensor(self.offsets[st]),
                )
            feat_dict[st] = t
        return TensorFrame(feat_dict, self.col_names_dict)

    def __repr__(self) -> str:
        return (
            f"MmapTensorFrame(num_rows={self.num_rows}, "
            f"stypes={[str(s) for s in self.col_names_dict]})"
        )


class MmapGraphData(GraphData):
    """`GraphData` whose arrays are memory-mapped from a store (see the module
    docstring). ``store_dir`` is the folder; ``edge_index`` values are made from the
    stored foreign-key rows on first access (``int64 [2, E]`` in memory), so code that
    needs only the CSC arrays (`rdl.sampling.csc_store`) never builds them."""

    store_dir: Path | None = None
    _fkey_files: dict | None = None

    def edge_arrays(self, et) -> tuple[np.ndarray, np.ndarray]:
        """``(src, dst)`` node indices of edge type ``et`` (`edge_index` rows, not kept
        and not stacked: for a one-off pass over a big edge type)."""
        assert self.store_dir is not None and self._fkey_files is not None  # set by the loader
        fk = open_array(self.store_dir / self._fkey_files[tuple(et)])
        child = np.flatnonzero(fk >= 0).astype(np.int64)
        parent = np.asarray(fk[child], dtype=np.int64)
        return (parent, child) if et[1].startswith("rev_") else (child, parent)

    def node_index(self, table: str, values) -> np.ndarray:
        """As `GraphData.node_index`, by binary search in the sorted primary keys."""
        pk = self.pkey_values.get(table)
        if pk is None:
            return np.asarray(values, dtype=np.int64)
        vals = pd.Series(values).to_numpy()
        if vals.dtype.kind != pk.dtype.kind and not (
            vals.dtype.kind in "iuf" and pk.dtype.kind in "iu"
        ):
            vals = vals.astype(pk.dtype)
        idx = (
            np.minimum(np.searchsorted(pk, vals), len(pk) - 1)
            if len(pk)
            else np.zeros(len(vals), np.int64)
        )
        bad = (pk[idx] != vals) if len(pk) else np.ones(len(vals), bool)
        if bad.any():
            raise KeyError(
                f"table {table!r} has no rows with primary key {pd.unique(vals[bad])[:5].tolist()}"
            )
        return idx.astype(np.int64)


def _dtype(name: str) -> torch.dtype:
    return getattr(torch, name.replace("torch.", ""))


def edge_index_from_fkey(fkey: np.ndarray, reverse: bool) -> np.ndarray:
    """``int64 [2, E]`` child -> parent edges (parent -> child if ``reverse``) of a
    foreign key whose child rows reference parent rows ``fkey`` (``-1``: none), in child
    row order (`rdl.graph.build.build_graph`'s order)."""
    src = np.flatnonzero(np.asarray(fkey) >= 0).astype(np.int64)
    dst = np.asarray(fkey[src], dtype=np.int64)
    return np.stack([dst, src]) if reverse else np.stack([src, dst])


def store_ok(path: Path) -> dict | None:
    """The manifest of a complete store at ``path`` (every file present with its
    recorded size), else ``None``."""
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("version") != STORE_VERSION:
        return None
    for rel, size in manifest.get("files", {}).items():
        try:
            if os.path.getsize(path / rel) != size:
                return None
        except OSError:
            return None
    return manifest


def load_store(path: str | Path) -> MmapGraphData | None:
    """The `MmapGraphData` of the store at ``path``, or ``None`` if it is missing or
    incomplete."""
    path = Path(path)
    m = store_ok(path)
    if m is None:
        return None
    tables = m["node_types"]
    node_time = {t: open_array(path / m["time"][t]) if m["time"][t] else None for t in tables}
    pkeys: dict[str, Callable[[], np.ndarray | None]] = {}
    for t in tables:
        rel = m["pkey"][t]
        if rel == "arange":
            pkeys[t] = (lambda n: lambda: np.arange(n, dtype=np.int64))(m["num_nodes"][t])
        elif rel:
            pkeys[t] = (lambda p: lambda: open_array(p))(path / rel)
        else:
            pkeys[t] = lambda: None
    edges = {}
    for (src, rel, dst), fk_file in zip(map(tuple, m["edge_types"]), m["edge_files"]):
        edges[(src, rel, dst)] = (lambda p, r: lambda: edge_index_from_fkey(open_array(p), r))(
            path / fk_file, rel.startswith("rev_")
        )
    tf_dict = {}
    import torch_frame

    for t in tables:
        lay = m["tf"][t]
        st = {s: getattr(torch_frame.stype, s) for s in lay["col_names_dict"]}
        tf_dict[t] = MmapTensorFrame(
            {st[s]: open_array(path / f["file"]) for s, f in lay["feats"].items()},
            {st[s]: cols for s, cols in lay["col_names_dict"].items()},
            {st[s]: _dtype(f["dtype"]) for s, f in lay["feats"].items()},
            {st[s]: f["offset"] for s, f in lay["feats"].items() if "offset" in f},
            m["num_nodes"][t],
        )
    col_stats = torch.load(path / "col_stats.pt", weights_only=False)
    # LazyArrays: read-only mappings standing in for GraphData's dicts
    g = MmapGraphData(
        dict(m["num_nodes"]),
        node_time,
        cast(dict, LazyArrays(edges)),
        tf_dict,
        col_stats,
        cast(dict, LazyArrays(pkeys)),
        m["key"],
        0.0,
        {
            "cached": True,
            "settings": m["settings"],
            "storage": "mmap",
            "store": str(path),
            "bytes": sum(m["files"].values()),
            "build_seconds": m.get("build_seconds", 0.0),
            "notes": m.get("notes", []),
        },
    )
    g.store_dir = path
    g._fkey_files = {tuple(et): f for et, f in zip(m["edge_types"], m["edge_files"])}
    return g
