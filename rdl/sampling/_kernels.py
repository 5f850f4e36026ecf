"""The numba-compiled kernels of :class:`rdl.sampling.TemporalNeighborSampler`.

* ``count``: per frontier node, its segment start, the number of incoming edges dated
  ``<= seed_time`` (a binary search in the time-sorted CSC segment) and how many to take;
* ``fill``: the chosen edges -- the most recent ones (``"last"``), a uniform subset
  without replacement (Floyd's algorithm on a counter-based random stream), or the most
  recent share of them plus a uniform subset of the older ones (``"mixed"``);
* the ``dedup`` / ``regrow`` kernels of the ``(seed, node) -> local index`` hash map live
  in `rdl.sampling._dedup`.

Each kernel is compiled twice (serial, and ``parallel=True`` with ``prange`` over chunks
or seed partitions) and cached on disk (``cache=True``, in ``__pycache__`` beside this
file). Every kernel and every constant they read lives in its own file: numba's cache
checks only the defining file's timestamp, so a constant imported from another file could
leave a stale compiled kernel behind (`_serial_and_parallel` and `pick` are plain Python).
"""

from __future__ import annotations

import types

import numba
import numpy as np
from numba import njit, prange

#: With ``parallel=True``: work items (frontier nodes or sampled edges) from
#: which a kernel runs on the thread pool; below it the serial build avoids
#: thread wake-up costs, which dominate small calls.
PARALLEL_MIN_WORK = 32_768

#: Parallel loops run over this many chunks, handed out one at a time
#: (``parallel_chunksize(1)``), so a thread that the OS parks on a busy
#: machine does not hold the others up.
N_CHUNKS = 64

#: ``fill`` modes: uniform without replacement, the most recent, or both (`_fill_range`).
MODE_UNIFORM = 0
MODE_LAST = 1
MODE_MIXED = 2

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_ONE = np.uint64(1)

# --------------------------------------------------------------------------- kernels


def _serial_and_parallel(fn):
    """Compile a chunk driver twice: serial, and with ``parallel=True``.

    Drivers only loop (``prange``) over chunks and call a plain ``@njit``
    function per chunk: numba optimises loop bodies inside ``prange`` poorly.
    The parallel build gets its own qualname so numba's on-disk cache (which
    does not key on compile flags) keeps the two apart.
    """
    clone = types.FunctionType(
        fn.__code__, fn.__globals__, fn.__name__ + "_par", fn.__defaults__, fn.__closure__
    )
    clone.__qualname__ = fn.__qualname__ + "_par"
    return njit(cache=True)(fn), njit(cache=True, parallel=True)(clone)


@njit(cache=True, inline="always")
def _mix(z):
    """splitmix64 finaliser on uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


# ---- count: eligible neighbours per frontier node


@njit(cache=True)
def _count_range(
    colptr, row_time, has_time, nodes, batch, seed_time, fanout, start, stop, lo_out, n_out, k_out
):
    """Segment start, eligible count and number to take for nodes ``start:stop``.

    The eligible incoming edges of node ``v`` for seed time ``t`` are the
    prefix of its segment with ``row_time <= t`` (binary search).
    """
    for i in range(start, stop):
        v = nodes[i]
        lo = colptr[v]
        hi = colptr[v + 1]
        if has_time:
            t = seed_time[batch[i]]
            a = lo
            b = hi
            while a < b:  # first position with row_time > t
                mid = (a + b) >> 1
                if row_time[mid] <= t:
                    a = mid + 1
                else:
                    b = mid
            hi = a
        n = hi - lo
        lo_out[i] = lo
        n_out[i] = n
        k_out[i] = n if (fanout < 0 or fanout >= n) else fanout


def _count_kernel(
    colptr, row_time, has_time, nodes, batch, seed_time, fanout, n_chunks, lo_out, n_out, k_out
):
    m = len(nodes)
    n_chunks = max(1, min(m, n_chunks))
    for c in prange(n_chunks):
        _count_range(
            colptr,
            row_time,
            has_time,
            nodes,
            batch,
            seed_time,
            fanout,
            c * m // n_chunks,
            (c + 1) * m // n_chunks,
            lo_out,
            n_out,
            k_out,
        )


# ---- fill: choose the sampled edges


@njit(cache=True)
def _fill_range(
    row,
    edge_id,
    lo_arr,
    n_arr,
    k_arr,
    offsets,
    batch,
    cols,
    mode,
    share,
    key,
    set_bits,
    start,
    stop,
    src_out,
    eid_out,
    col_out,
    seed_out,
):
    """Write the chosen incoming edges of frontier nodes ``start:stop``.

    Node ``i`` writes ``k_arr[i]`` edges at ``offsets[i]``. ``mode`` `MODE_LAST` (or
    ``k == n``) takes the most recent eligible edges; `MODE_UNIFORM` draws a uniform
    ``k``-subset of the ``n`` eligible ones with Floyd's algorithm on a counter-based
    random stream keyed by ``(key, i)`` -- the same whatever the thread schedule;
    `MODE_MIXED` takes the ``ceil(share * k)`` most recent ones and a uniform subset of
    the older ones for the rest.
    """
    cap = 1 << set_bits
    shift = np.uint64(64 - set_bits)
    smask = cap - 1
    table = np.zeros(cap, dtype=np.int64)  # Floyd's set: value + 1; 0 = empty
    used = np.empty(cap, dtype=np.int64)
    mixed_key = _mix(key)
    for i in range(start, stop):
        k = k_arr[i]
        if k == 0:
            continue
        lo = lo_arr[i]
        n = n_arr[i]
        base = offsets[i]
        b = batch[i]
        col = cols[i]
        for j in range(k):
            seed_out[base + j] = b
            col_out[base + j] = col
        if k == n or mode == MODE_LAST:
            first = lo + n - k
            for j in range(k):
                src_out[base + j] = row[first + j]
                eid_out[base + j] = edge_id[first + j]
            continue
        n_last = 0
        if mode == MODE_MIXED:
            n_last = min(k, np.int64(np.ceil(share * k)))
            first = lo + n - n_last
            for j in range(n_last):
                src_out[base + j] = row[first + j]
                eid_out[base + j] = edge_id[first + j]
        kk = k - n_last
        nn = n - n_last
        # Floyd: for j in nn-kk .. nn-1 draw t in [0, j]; if t is taken, take j.
        state = _mix(mixed_key ^ _mix(np.uint64(i) + _GOLDEN))
        n_used = 0
        for jj in range(kk):
            j = nn - kk + jj
            state = state + _GOLDEN
            t = np.int64(_mix(state) % np.uint64(j + 1))
            for _attempt in range(2):
                h = np.int64(((np.uint64(t) + _ONE) * _GOLDEN) >> shift)
                found = False
                while table[h] != 0:
                    if table[h] == t + 1:
                        found = True
                        break
                    h = (h + 1) & smask
                if not found:
                    table[h] = t + 1
                    used[n_used] = h
                    n_used += 1
                    break
                t = j  # j is never in the set yet
            p = lo + t
            src_out[base + n_last + jj] = row[p]
            eid_out[base + n_last + jj] = edge_id[p]
        for u in range(n_used):
            table[used[u]] = 0


def _fill_kernel(
    row,
    edge_id,
    lo_arr,
    n_arr,
    k_arr,
    offsets,
    batch,
    cols,
    mode,
    share,
    key,
    set_bits,
    n_chunks,
    src_out,
    eid_out,
    col_out,
    seed_out,
):
    m = len(lo_arr)
    E = offsets[m]
    n_chunks = max(1, min(E, n_chunks))
    for c in prange(n_chunks):
        # Chunks of about equal edge counts: node i belongs to the chunk
        # holding its first output position.
        start = np.searchsorted(offsets[:m], c * E // n_chunks, side="left")
        stop = np.searchsorted(offsets[:m], (c + 1) * E // n_chunks, side="left")
        _fill_range(
            row,
            edge_id,
            lo_arr,
            n_arr,
            k_arr,
            offsets,
            batch,
            cols,
            mode,
            share,
            key,
            set_bits,
            start,
            stop,
            src_out,
            eid_out,
            col_out,
            seed_out,
        )


count_ser, count_par = _serial_and_parallel(_count_kernel)
fill_ser, fill_par = _serial_and_parallel(_fill_kernel)


def pick(ser, par, work: int, parallel: bool):
    """The serial build, or the parallel one when ``parallel`` and ``work >=
    PARALLEL_MIN_WORK`` (read at call time, so tests can lower it)."""
    if parallel and work >= PARALLEL_MIN_WORK:

        def run(*args):
            with numba.parallel_chunksize(1):
                return par(*args)

        return run
    return ser
