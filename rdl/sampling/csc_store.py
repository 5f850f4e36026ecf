"""The sampler's CSC arrays of a graph: in memory, or memory-mapped beside an
out-of-core graph's store.

`graph_csc(graph)` is what a trainer calls. For an in-memory `rdl.graph.GraphData` it is
`rdl.sampling.build_csc`. For a memory-mapped graph (`rdl.graph.mmap_store`, which has
a ``store_dir``) the CSC of every edge type is built once — one edge type at a time,
then written to ``<store>/csc/`` and dropped from memory — and memory-mapped from then
on, so a training process holds only the pages its mini-batches touch. The arrays equal
`rdl.sampling.build_csc_one`'s, built leaner: the edges come straight from the store's
foreign-key rows, one stable ``argsort`` of a single int64 key per edge type (none for a
``rev_f2p`` type, whose destinations — the child rows — are already ascending and
unique), outputs written to disk in chunks. Peak memory is about 4 int64 arrays of the
largest edge type (lineitem -> orders at TPC-H SF 10: 53 M edges, ~1.7 GB). The folder
is written under a temporary name and renamed when complete; its manifest records each
file's size, checked on open.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path

import numpy as np

from rdl.mapped import open_array
from rdl.sampling.csr import CSC, NO_TIME, build_csc

CSC_VERSION = 1


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
    return {
        tuple(et): CSC(*(open_array(folder / f) for f in files))
        for et, files in zip(m["edge_types"], m["arrays"])
    }


_CHUNK = 1 << 22


def _time_rank(t: np.ndarray) -> np.ndarray:
    """`rdl.sampling.csr.time_rank` (rank in ascending (time, id) order) by one stable
    argsort, which breaks ties by id."""
    order = np.argsort(np.asarray(t), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return rank


def _write_csc(
    folder: Path, i: int, edges, num_src: int, num_dst: int, src_time, src_rank
) -> list[str]:
    """The CSC of one edge type (as `build_csc_one` makes it from ``edges`` = ``(src,
    dst)``) written to ``folder``."""
    src, dst = edges
    if len(src) and (
        src.min() < 0 or src.max() >= num_src or dst.min() < 0 or dst.max() >= num_dst
    ):
        raise ValueError(f"edge ids out of range in edge type {i}")
    counts = np.bincount(dst, minlength=num_dst)
    colptr = np.zeros(num_dst + 1, dtype=np.int64)
    np.cumsum(counts, out=colptr[1:])
    del counts
    if len(dst) < 2 or bool(np.all(dst[1:] > dst[:-1])):
        order = np.arange(len(dst), dtype=np.int64)  # one edge per destination, in order
    else:
        key = dst.astype(np.int64) * num_src
        key += src if src_rank is None else src_rank[src]
        del dst
        order = np.argsort(key, kind="stable")
        del key
    names = []
    for field, make in (
        ("colptr", None),
        ("row", lambda o: src[o]),
        (
            "row_time",
            lambda o: (
                np.full(len(o), NO_TIME, np.int64)
                if src_time is None
                else np.asarray(src_time)[src[o]]
            ),
        ),
        ("edge_id", lambda o: o),
    ):
        rel = f"{i}.{field}.npy"
        names.append(rel)
        if make is None:
            np.save(folder / rel, colptr)
            continue
        if len(order) == 0:
            np.save(folder / rel, np.zeros(0, np.int64))
            continue
        out = np.lib.format.open_memmap(
            folder / rel, mode="w+", dtype=np.int64, shape=(len(order),)
        )
        for a in range(0, len(order), _CHUNK):
            out[a : a + _CHUNK] = make(order[a : a + _CHUNK])
        out.flush()
        del out
    return names


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
        for i, et in enumerate(graph.edge_types):
            src_t, _, dst_t = et
            t = graph.node_time[src_t]
            if t is not None and src_t not in ranks:
                ranks[src_t] = _time_rank(t)
            names = _write_csc(
                tmp,
                i,
                graph.edge_arrays(et),
                graph.num_nodes[src_t],
                graph.num_nodes[dst_t],
                t,
                ranks.get(src_t),
            )
            files.update({rel: os.path.getsize(tmp / rel) for rel in names})
            arrays.append(names)
        (tmp / "manifest.json").write_text(
            json.dumps(
                {
                    "version": CSC_VERSION,
                    "edge_types": [list(et) for et in graph.edge_types],
                    "arrays": arrays,
                    "files": files,
                }
            )
        )
        try:
            os.replace(tmp, folder)
        except OSError:  # another process stored it first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    out = _load(folder)
    if out is None:  # just written (by this or another process) and still unreadable
        raise RuntimeError(f"the CSC arrays stored at {folder} cannot be read back")
    return out


__all__ = ["graph_csc"]
