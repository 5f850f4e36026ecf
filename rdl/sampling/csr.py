"""Time-sorted CSC adjacency built from heterogeneous edge lists.

The temporal sampler (:mod:`rdl.sampling.sampler`) needs, for every edge type
``(src_type, rel, dst_type)`` and every destination node, the incoming source
nodes sorted by source time, so that the neighbours eligible for a seed time
``t`` (source time ``<= t``) form a *prefix* of the segment and can be found
with one binary search. This is the layout pyg-lib's temporal sampler expects
(PyG sorts its CSC by node time before calling it).

Everything here is vectorised numpy (one stable ``np.argsort`` per edge type);
there is no Python loop per edge.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

EdgeType = tuple[str, str, str]

#: Time given to sources whose node type has no time column: smaller than any
#: seed time, so such neighbours are always eligible.
NO_TIME = np.iinfo(np.int64).min

# dst * num_src + rank must fit in int64; past this, fall back to np.lexsort.
_KEY_LIMIT = 2**62


class CSC(NamedTuple):
    """Compressed sparse column adjacency of one edge type, time-sorted.

    The incoming edges of destination node ``v`` are the positions
    ``colptr[v]:colptr[v + 1]``; within that segment they are sorted ascending
    by ``row_time`` and, for equal times, by source id ``row`` (then by input
    position, so multi-edges keep a fixed order).

    Attributes:
        colptr: ``int64[num_dst + 1]`` segment offsets per destination node.
        row: ``int64[num_edges]`` source node ids.
        row_time: ``int64[num_edges]`` time of the source node in seconds since
            the epoch, or :data:`NO_TIME` (``INT64_MIN``) when the source node
            type has no time.
        edge_id: ``int64[num_edges]`` position of each edge in the input edge
            list (column of the input ``[2, num_edges]`` array).
    """

    colptr: np.ndarray
    row: np.ndarray
    row_time: np.ndarray
    edge_id: np.ndarray

    @property
    def num_dst(self) -> int:
        return len(self.colptr) - 1

    @property
    def num_edges(self) -> int:
        return len(self.row)


def _as_time(node_type: str, t: np.ndarray | None, n: int) -> np.ndarray | None:
    if t is None:
        return None
    t = np.asarray(t)
    if t.shape != (n,):
        raise ValueError(
            f"node_time[{node_type!r}] has shape {t.shape}, expected ({n},) "
            f"(one time per node, int64 seconds since epoch)"
        )
    return t.astype(np.int64, copy=False)


def time_rank(t: np.ndarray) -> np.ndarray:
    """``int64[n]`` rank of each node in ascending (time, id) order."""
    rank = np.empty(len(t), dtype=np.int64)
    rank[np.lexsort((np.arange(len(t)), t))] = np.arange(len(t))
    return rank


def build_csc_one(
    edge_index: np.ndarray,
    num_src: int,
    num_dst: int,
    src_time: np.ndarray | None,
    name: object = "edge_index",
    src_rank: np.ndarray | None = None,
) -> CSC:
    """Build the time-sorted :class:`CSC` of one edge type.

    Args:
        edge_index: ``int[2, num_edges]``; row 0 = source ids, row 1 =
            destination ids (messages flow source -> destination).
        num_src: number of source nodes.
        num_dst: number of destination nodes.
        src_time: ``int64[num_src]`` source node times (seconds since epoch)
            or ``None`` when the source type has no time.
        name: used in error messages.
        src_rank: optional precomputed :func:`time_rank` of ``src_time``
            (shared by edge types with the same source type).

    Raises:
        ValueError: if ``edge_index`` is not ``[2, num_edges]`` or holds ids
            outside ``[0, num_src)`` / ``[0, num_dst)``.
    """
    ei = np.asarray(edge_index)
    if ei.ndim != 2 or ei.shape[0] != 2:
        raise ValueError(f"edge_index of {name} has shape {ei.shape}, expected [2, num_edges]")
    src = ei[0].astype(np.int64, copy=False)
    dst = ei[1].astype(np.int64, copy=False)
    if len(src):
        if src.min() < 0 or src.max() >= num_src:
            raise ValueError(f"source ids of {name} outside [0, {num_src})")
        if dst.min() < 0 or dst.max() >= num_dst:
            raise ValueError(f"destination ids of {name} outside [0, {num_dst})")
    # Order by (dst, src time, src id, input position): one stable argsort of
    # dst * num_src + rank, where rank orders sources by (time, id).
    if src_time is not None and src_rank is None:
        src_rank = time_rank(src_time)
    sec = src if src_time is None or src_rank is None else src_rank[src]
    if num_dst * max(num_src, 1) < _KEY_LIMIT:
        order = np.argsort(dst * num_src + sec, kind="stable")
    else:  # key would overflow int64
        order = np.lexsort((sec, dst))
    if src_time is None:
        row_time = np.full(len(src), NO_TIME, dtype=np.int64)
    else:
        row_time = src_time[src[order]]
    counts = np.bincount(dst, minlength=num_dst)
    colptr = np.zeros(num_dst + 1, dtype=np.int64)
    np.cumsum(counts, out=colptr[1:])
    return CSC(
        colptr=colptr,
        row=np.ascontiguousarray(src[order]),
        row_time=np.ascontiguousarray(row_time),
        edge_id=order.astype(np.int64, copy=False),
    )


def build_csc(
    num_nodes: dict[str, int],
    node_time: dict[str, np.ndarray | None],
    edge_index: dict[EdgeType, np.ndarray],
) -> dict[EdgeType, CSC]:
    """Build a time-sorted :class:`CSC` per edge type.

    Args:
        num_nodes: number of nodes per node type (table name).
        node_time: per node type an ``int64[num_nodes]`` array of times in
            seconds since the epoch, or ``None`` (or a missing key) for types
            without time.
        edge_index: per edge type ``(src_type, rel, dst_type)`` an
            ``int[2, num_edges]`` array (row 0 = source ids, row 1 =
            destination ids).

    Returns:
        ``{edge_type: CSC}`` indexed by destination node, each segment sorted
        by source time (ties by source id, then input position).

    Raises:
        ValueError: on an unknown node type, a malformed edge list, ids out of
            range, or a time array of the wrong length.
    """
    times = {nt: _as_time(nt, node_time.get(nt), n) for nt, n in num_nodes.items()}
    ranks = {nt: time_rank(t) for nt, t in times.items() if t is not None}
    out: dict[EdgeType, CSC] = {}
    for et, ei in edge_index.items():
        if len(et) != 3:
            raise ValueError(f"edge type {et!r} is not a (src_type, rel, dst_type) tuple")
        s, _, d = et
        for nt in (s, d):
            if nt not in num_nodes:
                raise ValueError(
                    f"edge type {et!r} names node type {nt!r}, not in num_nodes "
                    f"(known: {sorted(num_nodes)})"
                )
        out[(s, et[1], d)] = build_csc_one(
            ei, num_nodes[s], num_nodes[d], times[s], name=et, src_rank=ranks.get(s)
        )
    return out
