"""Temporal, disjoint, multi-hop neighbour sampling on time-sorted CSC arrays.

This reproduces pyg-lib's heterogeneous neighbour sampler in the mode RelBench
uses (``disjoint=True``, ``temporal_strategy="uniform"`` or ``"last"``;
Robinson et al. 2024, "RelBench: A Benchmark for Deep Learning on Relational
Databases"), without pyg-lib:

* every seed ``i`` grows its own subgraph; a node reached several times inside
  one seed's subgraph appears once, the same table row reached by two seeds
  appears twice (once per seed);
* a neighbour is eligible only if its time is ``<= seed_time[i]`` (the seed's
  own time at every hop; node types without time are always eligible) -- the
  model never sees rows newer than the seed;
* hop ``h`` expands the nodes first added at hop ``h - 1`` along every edge
  type whose destination type matches, taking up to ``fanout[h]`` eligible
  incoming edges per (node, edge type).

The hot path is numba-compiled: a binary search for the time cut in each
destination segment, Floyd's algorithm for uniform sampling without
replacement, and an open-addressing hash map keyed by ``(seed, node)`` for
deduplication. Python loops only over hops and edge types.
"""

from __future__ import annotations

from dataclasses import dataclass

import types

import numba
import numpy as np
from numba import njit, prange

from .csr import CSC, NO_TIME, EdgeType

STRATEGIES = ("uniform", "last")

#: With ``parallel=True``: work items (frontier nodes or sampled edges) from
#: which a kernel runs on the thread pool; below it the serial build avoids
#: thread wake-up costs, which dominate small calls.
PARALLEL_MIN_WORK = 32_768

#: Seeds are split into this many contiguous ranges, each deduplicated in its
#: own hash table (in parallel). Fixed, so output never depends on thread count.
_NUM_PARTS = 16

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_ONE = np.uint64(1)
_GROUP_MASK = np.int64((1 << 20) - 1)
_C_MASK = np.int64((1 << 32) - 1)


# --------------------------------------------------------------------------- kernels


def _serial_and_parallel(fn):
    """Compile a chunk driver twice: serial, and with ``parallel=True``.

    Drivers only loop (``prange``) over chunks and call a plain ``@njit``
    function per chunk: numba optimises loop bodies inside ``prange`` poorly.
    The parallel build gets its own qualname so numba's on-disk cache (which
    does not key on compile flags) keeps the two apart.
    """
    clone = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + "_par",
                               fn.__defaults__, fn.__closure__)
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
def _count_range(colptr, row_time, has_time, nodes, batch, seed_time, fanout, start, stop,
                 lo_out, n_out, k_out):
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


def _count_kernel(colptr, row_time, has_time, nodes, batch, seed_time, fanout, n_chunks,
                  lo_out, n_out, k_out):
    m = len(nodes)
    n_chunks = max(1, min(m, n_chunks))
    for c in prange(n_chunks):
        _count_range(colptr, row_time, has_time, nodes, batch, seed_time, fanout,
                     c * m // n_chunks, (c + 1) * m // n_chunks, lo_out, n_out, k_out)


# ---- fill: choose the sampled edges


@njit(cache=True)
def _fill_range(row, edge_id, lo_arr, n_arr, k_arr, offsets, batch, cols, last, key,
                set_bits, start, stop, src_out, eid_out, col_out, seed_out):
    """Write the chosen incoming edges of frontier nodes ``start:stop``.

    Node ``i`` writes ``k_arr[i]`` edges at ``offsets[i]``. ``last`` (or
    ``k == n``) takes the most recent eligible edges; otherwise Floyd's
    algorithm draws a uniform ``k``-subset of the ``n`` eligible ones from a
    counter-based random stream keyed by ``(key, i)`` -- the same whatever the
    thread schedule.
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
        if k == n or last:
            first = lo + n - k
            for j in range(k):
                src_out[base + j] = row[first + j]
                eid_out[base + j] = edge_id[first + j]
            continue
        # Floyd: for j in n-k .. n-1 draw t in [0, j]; if t is taken, take j.
        state = _mix(mixed_key ^ _mix(np.uint64(i) + _GOLDEN))
        n_used = 0
        for jj in range(k):
            j = n - k + jj
            state = state + _GOLDEN
            t = np.int64(_mix(state) % np.uint64(j + 1))
            for attempt in range(2):
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
            src_out[base + jj] = row[p]
            eid_out[base + jj] = edge_id[p]
        for u in range(n_used):
            table[used[u]] = 0


def _fill_kernel(row, edge_id, lo_arr, n_arr, k_arr, offsets, batch, cols,
                 last, key, set_bits, n_chunks, src_out, eid_out, col_out, seed_out):
    m = len(lo_arr)
    E = offsets[m]
    n_chunks = max(1, min(E, n_chunks))
    for c in prange(n_chunks):
        # Chunks of about equal edge counts: node i belongs to the chunk
        # holding its first output position.
        start = np.searchsorted(offsets[:m], c * E // n_chunks, side="left")
        stop = np.searchsorted(offsets[:m], (c + 1) * E // n_chunks, side="left")
        _fill_range(row, edge_id, lo_arr, n_arr, k_arr, offsets, batch, cols, last, key,
                    set_bits, start, stop, src_out, eid_out, col_out, seed_out)


# ---- dedup: (seed, node) -> local index


@njit(cache=True)
def _dedup_part(src, seed_of, num_src, start, stop, tab, base, bits, tag, gen,
                local_out, new_nodes, new_batch):
    """Look up / insert pairs ``start:stop`` in one partition's table.

    Table slot ``j`` (from ``base``): key ``tab[2j]``, value ``tab[2j + 1]``.
    Returns the number of new pairs, written from ``new_nodes[start]`` on.
    """
    mask = (np.int64(1) << bits) - 1
    sh = np.uint64(64 - bits)
    c = 0
    for e in range(start, stop):
        key = seed_of[e] * num_src + src[e]
        h = np.int64((np.uint64(key) * _GOLDEN) >> sh)
        while True:
            j = 2 * (base + h)
            v = tab[j + 1]
            if (v >> 52) != gen:  # empty in this call
                tab[j] = key
                tab[j + 1] = tag | c
                local_out[e] = tag | c
                new_nodes[start + c] = src[e]
                new_batch[start + c] = seed_of[e]
                c += 1
                break
            if tab[j] == key:
                local_out[e] = v
                break
            h = (h + 1) & mask
    return c


@njit(cache=True)
def _decode_range(local_out, group_base, start, stop):
    for e in range(start, stop):
        v = local_out[e]
        local_out[e] = group_base[(v >> 32) & _GROUP_MASK] + (v & _C_MASK)


def _dedup_kernel(src, seed_of, num_src, pstart, tab, off, bits, sizes, gen,
                  group0, group_base, local_out, new_nodes, new_batch, new_cnt):
    """Map each (seed, src) pair to its local index, inserting new pairs.

    Pairs arrive sorted by seed; partition ``p`` is ``pstart[p]:pstart[p+1]``
    and owns the open-addressing table at slots ``off[p] .. off[p] +
    2**bits[p]`` of ``tab``. Partitions hold disjoint seeds, so they run in
    parallel. A value is ``gen << 52 | group << 32 | c``; slots of an older
    ``gen`` are empty, so the table is reused across calls without clearing.
    ``c`` counts the new pairs of ``group = group0 + p`` (one group per add
    and partition), whose local index is ``group_base[group] + c``. New pairs
    get consecutive local indices, partition by partition, in
    first-occurrence order inside a partition. Returns the number of new
    pairs, written to the front of ``new_nodes``/``new_batch``.
    """
    P = len(pstart) - 1
    for p in prange(P):
        tag = (np.int64(gen) << 52) | (np.int64(group0 + p) << 32)
        new_cnt[p] = _dedup_part(src, seed_of, num_src, pstart[p], pstart[p + 1], tab,
                                 off[p], bits[p], tag, gen, local_out, new_nodes, new_batch)
    n_existing = group_base[group0]
    w = 0
    for p in range(P):
        sizes[p] += new_cnt[p]
        group_base[group0 + p] = n_existing + w
        o = pstart[p]
        for c in range(new_cnt[p]):  # compact: blocks only move left
            new_nodes[w] = new_nodes[o + c]
            new_batch[w] = new_batch[o + c]
            w += 1
    group_base[group0 + P] = n_existing + w
    for p in prange(P):
        _decode_range(local_out, group_base, pstart[p], pstart[p + 1])
    return w


# ---- regrow: move a map's live entries into larger tables


@njit(cache=True)
def _regrow_part(old_tab, old_base, old_bits, new_tab, new_base, new_bits, gen):
    mask = (np.int64(1) << new_bits) - 1
    sh = np.uint64(64 - new_bits)
    for i in range(old_base, old_base + (np.int64(1) << old_bits)):
        v = old_tab[2 * i + 1]
        if (v >> 52) != gen:
            continue
        key = old_tab[2 * i]
        h = np.int64((np.uint64(key) * _GOLDEN) >> sh)
        while (new_tab[2 * (new_base + h) + 1] >> 52) == gen:
            h = (h + 1) & mask
        new_tab[2 * (new_base + h)] = key
        new_tab[2 * (new_base + h) + 1] = v


def _regrow_kernel(old_tab, old_off, old_bits, new_tab, new_off, new_bits, gen):
    """Rehash each partition's live entries (this ``gen``) into its new region."""
    for p in prange(len(old_off)):
        _regrow_part(old_tab, old_off[p], old_bits[p], new_tab, new_off[p], new_bits[p], gen)


_count_ser, _count_par = _serial_and_parallel(_count_kernel)
_fill_ser, _fill_par = _serial_and_parallel(_fill_kernel)
_dedup_ser, _dedup_par = _serial_and_parallel(_dedup_kernel)
_regrow_ser, _regrow_par = _serial_and_parallel(_regrow_kernel)


#: Parallel loops run over this many chunks, handed out one at a time
#: (``parallel_chunksize(1)``), so a thread that the OS parks on a busy
#: machine does not hold the others up.
_N_CHUNKS = 64


def _pick(ser, par, work: int, parallel: bool):
    if parallel and work >= PARALLEL_MIN_WORK:
        def run(*args):
            with numba.parallel_chunksize(1):
                return par(*args)
        return run
    return ser


class _PairMap:
    """(seed, node) -> local index for one node type, partitioned by seed.

    Key ``seed * num_nodes + node``. Seeds are split into ``num_parts``
    contiguous ranges, each with its own open-addressing table (a power of two
    of slots, at most half full) inside one flat array. The map lives across
    :meth:`TemporalNeighborSampler.sample` calls: :meth:`begin` bumps a
    generation tag that empties every slot at once, and tables keep the size
    they grew to.
    """

    MIN_BITS = 6
    MAX_GEN = (1 << 11) - 1

    def __init__(self, num_parts: int, num_src: int, parallel: bool):
        self.P, self.num_src, self.parallel = num_parts, num_src, parallel
        self.bits = np.full(num_parts, self.MIN_BITS, dtype=np.int64)
        self.off = np.arange(num_parts, dtype=np.int64) << self.MIN_BITS
        self.tab = np.zeros(2 * (num_parts << self.MIN_BITS), dtype=np.int64)
        self.sizes = np.zeros(num_parts, dtype=np.int64)
        self.gen = 0

    def begin(self, num_seeds: int, max_adds: int) -> None:
        """Start a new call: empty all tables, at most ``max_adds`` adds."""
        if max_adds * self.P > _GROUP_MASK:
            raise ValueError(f"too many edge types x hops ({max_adds}) for the sampler's "
                             f"hash map; at most {_GROUP_MASK // self.P}")
        self.gen += 1
        if self.gen > self.MAX_GEN:
            self.tab[:] = 0
            self.gen = 1
        self.S = num_seeds
        p = np.arange(self.P + 1, dtype=np.int64)
        self.bounds = (p * num_seeds + self.P - 1) // self.P  # first seed of partition p
        self.sizes[:] = 0
        self.group_base = np.zeros(max_adds * self.P + 1, dtype=np.int64)
        self.groups = 0

    def _reserve(self, need: np.ndarray) -> None:
        if np.all(2 * need <= (np.int64(1) << self.bits)):
            return
        want = np.ceil(np.log2(np.maximum(2 * need, 1))).astype(np.int64)
        bits = np.where(2 * need <= (np.int64(1) << self.bits), self.bits,
                        np.maximum(self.bits, want))
        sizes = np.int64(1) << bits
        off = np.zeros(self.P, dtype=np.int64)
        np.cumsum(sizes[:-1], out=off[1:])
        tab = np.zeros(2 * int(sizes.sum()), dtype=np.int64)  # calloc: lazily zeroed
        _pick(_regrow_ser, _regrow_par, len(self.tab) // 2, self.parallel)(
            self.tab, self.off, self.bits, tab, off, bits, self.gen)
        self.tab, self.off, self.bits = tab, off, bits

    def add(self, src: np.ndarray, seed_of: np.ndarray, local_out: np.ndarray):
        """Write local indices of the pairs to ``local_out``; return new nodes, their seeds."""
        E = len(src)
        # Pairs come sorted by seed: partition p (seeds s with s * P // S == p)
        # is the slice pstart[p]:pstart[p + 1].
        pstart = np.searchsorted(seed_of, self.bounds, side="left")
        self._reserve(self.sizes + np.diff(pstart))
        new_nodes = np.empty(E, dtype=np.int64)
        new_batch = np.empty(E, dtype=np.int64)
        new_cnt = np.empty(self.P, dtype=np.int64)
        dedup = _pick(_dedup_ser, _dedup_par, E, self.parallel)
        n = dedup(src, seed_of, self.num_src, pstart, self.tab, self.off, self.bits,
                  self.sizes, self.gen, self.groups * self.P, self.group_base, local_out,
                  new_nodes, new_batch, new_cnt)
        self.groups += 1
        if 2 * n < E:  # do not keep the larger buffers alive in the output
            return new_nodes[:n].copy(), new_batch[:n].copy()
        return new_nodes[:n], new_batch[:n]


# --------------------------------------------------------------------------- output


@dataclass
class SampledSubgraph:
    """Disjoint per-seed temporal subgraphs of one batch.

    Attributes:
        node: per node type, ``int64[num_sampled]`` global node ids, ordered by
            hop (hop-0 seeds first, in input order, for the seed type).
        batch: per node type, ``int64[num_sampled]`` seed index
            (``0 .. num_seeds - 1``) of each sampled node.
        edge_index: per edge type, ``int64[2, num_sampled_edges]`` in local
            indices: row 0 indexes ``node[src_type]`` (the sampled neighbour),
            row 1 indexes ``node[dst_type]`` (the expanded node) -- PyG's
            message direction src -> dst. Ordered by hop.
        edge_id: per edge type, ``int64[num_sampled_edges]`` position of each
            edge in the input edge list given to :func:`build_csc`.
        num_sampled_nodes: per node type, nodes added at each hop
            (``num_hops + 1`` entries, hop 0 = seeds), as in PyG's
            ``HeteroSamplerOutput``.
        num_sampled_edges: per edge type, edges added at hops ``1..num_hops``
            (``num_hops`` entries), as in PyG's ``HeteroSamplerOutput``.
        seed_time: ``int64[num_seeds]`` seed times, seconds since the epoch.
        seed_type: node type of the seeds.
    """

    node: dict[str, np.ndarray]
    batch: dict[str, np.ndarray]
    edge_index: dict[EdgeType, np.ndarray]
    edge_id: dict[EdgeType, np.ndarray]
    num_sampled_nodes: dict[str, list[int]]
    num_sampled_edges: dict[EdgeType, list[int]]
    seed_time: np.ndarray
    seed_type: str

    @property
    def num_seeds(self) -> int:
        return len(self.seed_time)

    def to_sampler_output(self, input_id: np.ndarray | None = None):
        """Convert to ``torch_geometric.sampler.HeteroSamplerOutput``.

        ``row``/``col`` are ``edge_index[0]``/``edge_index[1]`` as int64 torch
        tensors, ``edge`` the edge ids; ``metadata = (input_id, seed_time)``
        as PyG's ``NodeLoader`` expects (``input_id`` defaults to
        ``arange(num_seeds)``).
        """
        import torch
        from torch_geometric.sampler import HeteroSamplerOutput

        if input_id is None:
            input_id = np.arange(self.num_seeds, dtype=np.int64)
        t = torch.from_numpy
        return HeteroSamplerOutput(
            node={k: t(v) for k, v in self.node.items()},
            row={k: t(np.ascontiguousarray(v[0])) for k, v in self.edge_index.items()},
            col={k: t(np.ascontiguousarray(v[1])) for k, v in self.edge_index.items()},
            edge={k: t(v) for k, v in self.edge_id.items()},
            batch={k: t(v) for k, v in self.batch.items()},
            num_sampled_nodes={k: list(v) for k, v in self.num_sampled_nodes.items()},
            num_sampled_edges={k: list(v) for k, v in self.num_sampled_edges.items()},
            metadata=(t(np.asarray(input_id, dtype=np.int64)), t(self.seed_time)),
        )


# --------------------------------------------------------------------------- sampler


def _normalise_fanouts(num_neighbors, edge_types: list[EdgeType]) -> dict[EdgeType, list[int]]:
    def check(v, where):
        v = [int(x) for x in v]
        if any(x < -1 for x in v):
            raise ValueError(f"num_neighbors{where} = {v}: fanouts must be >= -1 (-1 = all)")
        return v

    if isinstance(num_neighbors, dict):
        unknown = [k for k in num_neighbors if tuple(k) not in set(edge_types)]
        if unknown:
            raise ValueError(
                f"num_neighbors has unknown edge types {unknown}; known: {edge_types}"
            )
        fan = {tuple(k): check(v, f"[{k!r}]") for k, v in num_neighbors.items()}
        hops = {len(v) for v in fan.values()}
        if len(hops) > 1:
            raise ValueError(f"num_neighbors lists differ in length (number of hops): {fan}")
        num_hops = hops.pop() if hops else 0
        return {et: fan.get(et, [0] * num_hops) for et in edge_types}
    v = check(num_neighbors, "")
    return {et: list(v) for et in edge_types}


class TemporalNeighborSampler:
    """Disjoint temporal neighbour sampler (pyg-lib's RelBench mode, in numba).

    Method: pyg-lib's heterogeneous temporal neighbour sampling with
    ``disjoint=True`` as used by RelBench (Robinson et al. 2024, "RelBench: A
    Benchmark for Deep Learning on Relational Databases"). For seed ``i`` with
    time ``seed_time[i]`` the subgraph holds only rows with time
    ``<= seed_time[i]`` (seconds since the epoch), at every hop; the seed rows
    themselves are not filtered (as in pyg-lib).

    Example::

        csc = build_csc(num_nodes, node_time, edge_index)
        sampler = TemporalNeighborSampler(csc, num_nodes, node_time, [128, 64])
        sub = sampler.sample("drivers", driver_ids, timestamps)  # int64 seconds
        sub.edge_index[("results", "f2p_driverId", "drivers")]   # [2, num_edges]

    Args:
        csc: ``{edge_type: CSC}`` from :func:`rdl.sampling.build_csc`.
        num_nodes: number of nodes per node type.
        node_time: per node type ``int64[num_nodes]`` times in seconds since
            the epoch, or ``None`` for types without time (always eligible).
        num_neighbors: fanout per hop for every edge type, e.g. ``[128, 64]``
            (RelBench's default); or ``{edge_type: [fanout per hop]}`` (edge
            types left out are not sampled). ``-1`` takes all eligible
            neighbours.
        strategy: ``"uniform"`` -- uniform without replacement among the
            eligible incoming edges; ``"last"`` -- the most recent eligible
            ones (ties: larger source id, then later input position, wins).
        seed: random seed; every :meth:`sample` call advances the state, so
            epochs differ; :meth:`reseed` restarts it. Output never depends on
            the number of threads.
        parallel: run large kernels (>= ``PARALLEL_MIN_WORK`` items) on
            numba's thread pool (``prange`` over seed partitions / chunks).
            Off by default: on this 2-core machine, whenever other work
            (another process, PyTorch's own threads) holds a core, every
            fork-join region waits for a descheduled thread and a batch took
            ~2x *longer* than on one thread; it helps only on idle cores.

    Raises:
        ValueError: unknown ``strategy`` (allowed: ``"uniform"``, ``"last"``),
            malformed ``num_neighbors``, a CSC whose node type is not in
            ``num_nodes``, or a CSC built with other node times than
            ``node_time``.

    One sampler is not safe to share between threads (it reuses its hash
    maps across calls); give each thread or worker process its own.
    """

    def __init__(
        self,
        csc: dict[EdgeType, CSC],
        num_nodes: dict[str, int],
        node_time: dict[str, np.ndarray | None],
        num_neighbors,
        strategy: str = "uniform",
        seed: int = 0,
        parallel: bool = False,
    ):
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}; allowed: {list(STRATEGIES)}")
        self.strategy = strategy
        self.parallel = bool(parallel)
        self.csc = {tuple(k): v for k, v in csc.items()}
        self.num_nodes = {k: int(v) for k, v in num_nodes.items()}
        for et, c in self.csc.items():
            for nt in (et[0], et[2]):
                if nt not in self.num_nodes:
                    raise ValueError(f"edge type {et!r}: node type {nt!r} not in num_nodes")
            if c.num_dst != self.num_nodes[et[2]]:
                raise ValueError(
                    f"CSC of {et!r} has {c.num_dst} destination nodes, "
                    f"num_nodes[{et[2]!r}] = {self.num_nodes[et[2]]}"
                )
        self.has_time = {nt: node_time.get(nt) is not None for nt in self.num_nodes}
        for et, c in self.csc.items():
            if c.num_edges and (c.row_time[0] != NO_TIME) != self.has_time[et[0]]:
                raise ValueError(
                    f"CSC of {et!r} was built with{'out' if self.has_time[et[0]] else ''} "
                    f"times for {et[0]!r}, but node_time[{et[0]!r}] is "
                    f"{'given' if self.has_time[et[0]] else 'None'}; build the CSC "
                    f"from the same node_time")
        self.edge_types = list(self.csc)
        self.fanouts = _normalise_fanouts(num_neighbors, self.edge_types)
        self.num_hops = len(next(iter(self.fanouts.values()))) if self.fanouts else 0
        max_f = max([f for v in self.fanouts.values() for f in v] + [1])
        self._set_bits = max(4, int(np.ceil(np.log2(2 * max_f))))
        self._maps: dict[str, _PairMap] = {}  # reused across calls
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        """Restart the random state: the next calls repeat those after ``__init__``."""
        self.seed = seed
        self._rng = np.random.default_rng(seed)

    def _expand(self, et, fanout, f_nodes, f_batch, f_cols, stime, key):
        """Sample incoming ``et`` edges of the frontier nodes.

        Returns ``(src, edge_index, edge_id, seed_of)``: global source ids,
        a ``[2, E]`` array whose row 1 holds the destinations' local indices
        (row 0 is filled by the caller), input edge positions, seed indices.
        """
        c = self.csc[et]
        m = len(f_nodes)
        lo, cnt, k = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m, np.int64)
        _pick(_count_ser, _count_par, m, self.parallel)(
            c.colptr, c.row_time, self.has_time[et[0]], f_nodes, f_batch, stime, fanout,
            _N_CHUNKS, lo, cnt, k)
        offsets = np.zeros(m + 1, np.int64)
        np.cumsum(k, out=offsets[1:])
        E = int(offsets[-1])
        src, eid, sof = np.empty(E, np.int64), np.empty(E, np.int64), np.empty(E, np.int64)
        ei = np.empty((2, E), np.int64)
        if E:
            _pick(_fill_ser, _fill_par, E, self.parallel)(
                c.row, c.edge_id, lo, cnt, k, offsets, f_batch, f_cols,
                self.strategy == "last", key, self._set_bits, _N_CHUNKS,
                src, eid, ei[1], sof)
        return src, ei, eid, sof

    def sample(self, seed_type: str, seed_nodes, seed_time) -> SampledSubgraph:
        """Sample one disjoint subgraph per seed.

        Args:
            seed_type: node type of the seeds.
            seed_nodes: ``int64[num_seeds]`` global ids of the seed nodes
                (repeats allowed: each is its own seed).
            seed_time: ``int64[num_seeds]`` cut-off times, seconds since the
                epoch; neighbours newer than their seed's time are never taken.

        Returns:
            :class:`SampledSubgraph`.

        Raises:
            ValueError: unknown ``seed_type`` (the message lists the known
                types), ``seed_time`` length differing from ``seed_nodes``,
                non-integer ids or times (convert datetimes to int64 seconds
                first), or seed ids out of range.
        """
        if seed_type not in self.num_nodes:
            raise ValueError(f"unknown seed_type {seed_type!r}; known node types: "
                             f"{sorted(self.num_nodes)}")
        seeds, stime = np.asarray(seed_nodes), np.asarray(seed_time)
        for name, a in (("seed_nodes", seeds), ("seed_time", stime)):
            if a.size and not np.issubdtype(a.dtype, np.integer):
                raise ValueError(f"{name} has dtype {a.dtype}; expected integers "
                                 f"(node ids / int64 seconds since epoch)")
        seeds = np.array(seeds, dtype=np.int64).reshape(-1)  # copies: outputs own them
        stime = np.array(stime, dtype=np.int64).reshape(-1)
        if len(stime) != len(seeds):
            raise ValueError(f"seed_time has length {len(stime)} but seed_nodes has "
                             f"length {len(seeds)}; give one time per seed")
        n_seed_type = self.num_nodes[seed_type]
        if len(seeds) and (seeds.min() < 0 or seeds.max() >= n_seed_type):
            raise ValueError(f"seed_nodes outside [0, {n_seed_type}) for {seed_type!r}")
        call_key = int(self._rng.integers(0, 2**63 - 1))
        S = len(seeds)

        node_chunks = {nt: [] for nt in self.num_nodes}
        batch_chunks = {nt: [] for nt in self.num_nodes}
        edge_chunks = {et: [] for et in self.edge_types}
        n_nodes = {nt: [0] * (self.num_hops + 1) for nt in self.num_nodes}
        n_edges = {et: [0] * self.num_hops for et in self.edge_types}
        total = {nt: 0 for nt in self.num_nodes}
        maps: dict[str, _PairMap] = {}

        def pair_map(nt: str) -> _PairMap:
            if nt not in maps:
                P = max(1, min(_NUM_PARTS, S))
                mp = self._maps.get(nt)
                if mp is None or mp.P != P:
                    mp = self._maps[nt] = _PairMap(P, self.num_nodes[nt], self.parallel)
                mp.begin(S, 1 + self.num_hops * len(self.edge_types))
                maps[nt] = mp
            return maps[nt]

        seed_batch = np.arange(S, dtype=np.int64)
        pair_map(seed_type).add(seeds, seed_batch, np.empty(S, np.int64))
        node_chunks[seed_type].append(seeds)
        batch_chunks[seed_type].append(seed_batch)
        n_nodes[seed_type][0] = S
        total[seed_type] = S
        # Frontier per node type: (global ids, seed indices, local indices),
        # sorted by seed, so every batch of sampled pairs is sorted by seed.
        frontier = {seed_type: (seeds, seed_batch, seed_batch)} if S else {}

        for hop in range(self.num_hops):
            new = {}
            for e_idx, et in enumerate(self.edge_types):
                src_t, _, dst_t = et
                fan = self.fanouts[et][hop]
                if fan == 0 or dst_t not in frontier:
                    continue
                key = np.uint64((call_key * 1_000_003 + hop * 10_007 + e_idx + 1) % (2**64))
                src, ei, eid, sof = self._expand(et, fan, *frontier[dst_t], stime, key)
                if len(eid) == 0:
                    continue
                new_nodes, new_batch = pair_map(src_t).add(src, sof, ei[0])
                edge_chunks[et].append((ei, eid))
                n_edges[et][hop] = len(eid)
                if len(new_nodes):
                    node_chunks[src_t].append(new_nodes)
                    batch_chunks[src_t].append(new_batch)
                    new.setdefault(src_t, []).append((new_nodes, new_batch))
                    n_nodes[src_t][hop + 1] += len(new_nodes)
            frontier = {}
            for nt, parts in new.items():
                fn = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
                fb = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
                cols = np.arange(total[nt], total[nt] + len(fn), dtype=np.int64)
                if len(parts) > 1:  # keep the frontier sorted by seed
                    order = np.argsort(fb, kind="stable")
                    fn, fb, cols = fn[order], fb[order], cols[order]
                frontier[nt] = (fn, fb, cols)
                total[nt] += len(fn)

        def cat(chunks, axis=0):
            if len(chunks) == 1:
                return chunks[0]
            return np.concatenate(chunks, axis=axis) if chunks else np.empty(0, np.int64)

        edge_index, edge_id = {}, {}
        for et, parts in edge_chunks.items():
            edge_index[et] = cat([p[0] for p in parts], 1) if parts else np.empty((2, 0), np.int64)
            edge_id[et] = cat([p[1] for p in parts])
        return SampledSubgraph(
            node={nt: cat(v) for nt, v in node_chunks.items()},
            batch={nt: cat(v) for nt, v in batch_chunks.items()},
            edge_index=edge_index,
            edge_id=edge_id,
            num_sampled_nodes=n_nodes,
            num_sampled_edges=n_edges,
            seed_time=stime,
            seed_type=seed_type,
        )
