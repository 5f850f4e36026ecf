"""The sampler's CSC arrays of a graph: in memory, or memory-mapped beside an
out-of-core graph's store.

`graph_csc(graph)` is what a trainer calls. For an in-memory `rdl.graph.GraphData` it is
`rdl.sampling.build_csc`. For a memory-mapped graph (`rdl.graph.mmap_store`, which has
a ``store_dir``) the CSC of every edge type is built once — one edge type at a time,
then written to ``<store>/csc/`` and dropped from memory — and memory-mapped from then
on, so a training process holds only the pages its mini-batches touch. Peak memory of
the build is about 8 int64 arrays of the largest edge type (lineitem -> orders at TPC-H
SF 10: 60 M edges, ~4 GB). The folder is written under a temporary name and renamed
when complete; its manifest records each file's size, checked on open.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path

import numpy as np

from rdl.sampling.csr import CSC, build_csc, build_csc_one, time_rank

CSC_VERSION = 1


def _open(path: Path) -> np.ndarray:
    try:
        return np.load(path, mmap_mode="c")  # copy-on-write: the file is never modified
    except ValueError:  # an empty array cannot be mapped
        return np.load(path)


def _load(folder: Path) -> dict | None:
    try:
        m = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    if m.get("version") != CSC_VERSION:
        return None
    try:
        if any(os.path.getsize(folder / f) != n for f, n in m["files"].items()):
            return None
    except OSError:
        return None
    return {tuple(et): CSC(*(_open(folder / f) for f in files))
            for et, files in zip(m["edge_types"], m["arrays"])}


def graph_csc(graph) -> dict:
    """``{edge_type: CSC}`` of ``graph`` (see the module docstring).

    Returns:
        the same arrays `rdl.sampling.build_csc` returns for the graph's
        ``num_nodes`` / ``node_time`` / ``edge_index``; memory-mapped for a graph with a
        ``store_dir``.
    """
    store = getattr(graph, "store_dir", None)
    if store is None:
        return build_csc(graph.num_nodes, graph.node_time, graph.edge_index)
    folder = Path(store) / "csc"
    out = _load(folder)
    if out is not None:
        return out
    tmp = Path(store) / f".csc.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    tmp.mkdir()
    try:
        ranks, files, arrays = {}, {}, []
        edges = graph.edge_index
        for i, et in enumerate(graph.edge_types):
            src, _, dst = et
            t = graph.node_time[src]
            if t is not None and src not in ranks:
                ranks[src] = time_rank(t)
            ei = edges.fresh(et) if hasattr(edges, "fresh") else edges[et]
            c = build_csc_one(ei, graph.num_nodes[src], graph.num_nodes[dst], t, name=et,
                              src_rank=ranks.get(src))
            del ei
            names = []
            for field, a in zip(CSC._fields, c):
                rel = f"{i}.{field}.npy"
                np.save(tmp / rel, a)
                files[rel] = os.path.getsize(tmp / rel)
                names.append(rel)
            arrays.append(names)
            del c
        (tmp / "manifest.json").write_text(json.dumps(
            {"version": CSC_VERSION, "edge_types": [list(et) for et in graph.edge_types],
             "arrays": arrays, "files": files}))
        try:
            os.replace(tmp, folder)
        except OSError:  # another process stored it first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return _load(folder)


__all__ = ["graph_csc"]
