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

from .csr import CSC, EdgeType

STRATEGIES = ("uniform", "last")

#: Work items (frontier nodes or sampled edges) from which a kernel runs in
#: parallel; below it the serial build avoids thread wake-up costs, which
#: dominate small batches on a busy 2-core machine.
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


# --------------------------------------------------------------------------- kernels


def _serial_and_parallel(fn):
    """Compile ``fn`` twice: serial, and with ``parallel=True`` (prange).

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


def _count_kernel(colptr, row_time, has_time, nodes, batch, seed_time, fanout,
                  lo_out, n_out, k_out):
    """Per frontier node: segment start, eligible count, number to take."""
    for i in prange(len(nodes)):
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


def _fill_kernel(row, edge_id, lo_arr, n_arr, k_arr, offsets, batch, col_start,
                 last, key, set_bits, n_chunks, src_out, eid_out, col_out, seed_out):
    """Write the chosen incoming edges of every frontier node.

    Node ``i`` writes ``k_arr[i]`` edges at ``offsets[i]``. ``last`` takes the
    most recent eligible edges; otherwise Floyd's algorithm draws a uniform
    subset without replacement from a per-node counter-based random stream
    (deterministic whatever the thread schedule).
    """
    m = len(lo_arr)
    n_chunks = max(1, min(m, n_chunks))
    cap = 1 << set_bits
    shift = np.uint64(64 - set_bits)
    smask = cap - 1
    for c in prange(n_chunks):
        table = np.zeros(cap, dtype=np.int64)  # holds value + 1; 0 = empty
        used = np.empty(cap, dtype=np.int64)
        start = c * m // n_chunks
        stop = (c + 1) * m // n_chunks
        for i in range(start, stop):
            k = k_arr[i]
            if k == 0:
                continue
            lo = lo_arr[i]
            n = n_arr[i]
            base = offsets[i]
            b = batch[i]
            col = col_start + i
            for j in range(k):
                seed_out[base + j] = b
                col_out[base + j] = col
            if k == n or last:
                first = lo + n - k
                for j in range(k):
                    src_out[base + j] = row[first + j]
                    eid_out[base + j] = edge_id[first + j]
                continue
            # Floyd: for j in n-k .. n-1 draw t in [0, j]; if taken use j.
            state = _mix(key ^ _mix(np.uint64(i) + _GOLDEN))
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
                    t = j  # j itself cannot be taken yet
                p = lo + t
                src_out[base + jj] = row[p]
                eid_out[base + jj] = edge_id[p]
            for u in range(n_used):
                table[used[u]] = 0


@njit(cache=True)
def _partition_kernel(seed_of, num_seeds, num_parts, pstart, perm):
    """Stable counting sort of candidate pairs by seed partition.

    Partition ``p`` holds seeds ``[p * S // P, (p + 1) * S // P)``.
    """
    E = len(seed_of)
    counts = np.zeros(num_parts, dtype=np.int64)
    for e in range(E):
        counts[seed_of[e] * num_parts // num_seeds] += 1
    pstart[0] = 0
    for p in range(num_parts):
        pstart[p + 1] = pstart[p] + counts[p]
        counts[p] = pstart[p]
    for e in range(E):
        p = seed_of[e] * num_parts // num_seeds
        perm[counts[p]] = e
        counts[p] += 1


def _dedup_kernel(src, seed_of, num_src, pstart, perm, keys, vals, off, bits, sizes,
                  group0, group_base, local_out, new_nodes, new_batch, new_cnt):
    """Map each (seed, src) pair to its local index, inserting new pairs.

    Partition ``p`` owns the open-addressing table ``keys/vals[off[p]:off[p] +
    2**bits[p]]``; partitions hold disjoint seeds, so they run in parallel. A
    stored value is ``group << 32 | c``: the ``c``-th new pair of group
    ``group = group0 + p`` (one group per call and partition), whose local index
    is ``group_base[group] + c``. New pairs get consecutive local indices,
    partition by partition, in first-occurrence order inside a partition;
    ``group_base[group0:group0 + P]`` is filled here. Returns the number of new
    pairs, written to the front of ``new_nodes``/``new_batch``.
    """
    P = len(pstart) - 1
    for p in prange(P):
        base = off[p]
        mask = (np.int64(1) << bits[p]) - 1
        sh = np.uint64(64 - bits[p])
        tag = np.int64(group0 + p) << 32
        c = 0
        o = pstart[p]
        for q in range(pstart[p], pstart[p + 1]):
            e = perm[q]
            key = seed_of[e] * num_src + src[e]
            h = np.int64((np.uint64(key) * _GOLDEN) >> sh)
            while True:
                kk = keys[base + h]
                if kk == key:
                    local_out[e] = vals[base + h]
                    break
                if kk == -1:
                    keys[base + h] = key
                    vals[base + h] = tag | c
                    local_out[e] = tag | c
                    new_nodes[o + c] = src[e]
                    new_batch[o + c] = seed_of[e]
                    c += 1
                    break
                h = (h + 1) & mask
        new_cnt[p] = c
        sizes[p] += c
    n_existing = group_base[group0]
    w = 0
    for p in range(P):
        group_base[group0 + p] = n_existing + w
        o = pstart[p]
        for c in range(new_cnt[p]):  # compact: blocks only move left
            new_nodes[w] = new_nodes[o + c]
            new_batch[w] = new_batch[o + c]
            w += 1
    group_base[group0 + P] = n_existing + w
    low = np.int64(0xFFFFFFFF)
    for e in prange(len(src)):
        v = local_out[e]
        local_out[e] = group_base[v >> 32] + (v & low)
    return w


def _regrow_kernel(old_keys, old_vals, old_off, old_bits, new_keys, new_vals, new_off, new_bits):
    """Copy or rehash each partition's table into its (maybe larger) new region."""
    for p in prange(len(old_off)):
        o0 = old_off[p]
        o1 = new_off[p]
        n_old = np.int64(1) << old_bits[p]
        if new_bits[p] == old_bits[p]:
            for i in range(n_old):
                new_keys[o1 + i] = old_keys[o0 + i]
                new_vals[o1 + i] = old_vals[o0 + i]
            continue
        mask = (np.int64(1) << new_bits[p]) - 1
        sh = np.uint64(64 - new_bits[p])
        for i in range(n_old):
            key = old_keys[o0 + i]
            if key == -1:
                continue
            h = np.int64((np.uint64(key) * _GOLDEN) >> sh)
            while new_keys[o1 + h] != -1:
                h = (h + 1) & mask
            new_keys[o1 + h] = key
            new_vals[o1 + h] = old_vals[o0 + i]


_count_ser, _count_par = _serial_and_parallel(_count_kernel)
_fill_ser, _fill_par = _serial_and_parallel(_fill_kernel)
_dedup_ser, _dedup_par = _serial_and_parallel(_dedup_kernel)
_regrow_ser, _regrow_par = _serial_and_parallel(_regrow_kernel)


def _pick(ser, par, work: int, parallel: bool):
    return par if parallel and work >= PARALLEL_MIN_WORK else ser


class _PairMap:
    """(seed, node) -> local index for one node type, partitioned by seed.

    Key ``seed * num_nodes + node``. Seeds are split into ``num_parts``
    contiguous ranges, each with its own open-addressing table (a power of two
    of slots, at most half full) inside one flat array.
    """

    MIN_BITS = 6

    def __init__(self, num_seeds: int, num_parts: int, num_src: int, max_groups: int,
                 parallel: bool = True):
        self.S, self.P, self.num_src = num_seeds, num_parts, num_src
        self.parallel = parallel
        self.bits = np.full(num_parts, self.MIN_BITS, dtype=np.int64)
        self.off = np.arange(num_parts, dtype=np.int64) << self.MIN_BITS
        self.keys = np.full(num_parts << self.MIN_BITS, -1, dtype=np.int64)
        self.vals = np.empty(num_parts << self.MIN_BITS, dtype=np.int64)
        self.sizes = np.zeros(num_parts, dtype=np.int64)
        self.group_base = np.zeros(max_groups * num_parts + 1, dtype=np.int64)
        self.groups = 0
        self.total = 0

    def _reserve(self, need: np.ndarray) -> None:
        cap = np.int64(1) << self.bits
        if np.all(2 * need <= cap):
            return
        want = np.maximum(self.MIN_BITS, np.ceil(np.log2(np.maximum(2 * need, 1))))
        bits = np.maximum(self.bits, want.astype(np.int64))
        sizes = np.int64(1) << bits
        off = np.zeros(self.P, dtype=np.int64)
        np.cumsum(sizes[:-1], out=off[1:])
        keys = np.full(int(sizes.sum()), -1, dtype=np.int64)
        vals = np.empty(int(sizes.sum()), dtype=np.int64)
        _pick(_regrow_ser, _regrow_par, len(keys), self.parallel)(
            self.keys, self.vals, self.off, self.bits, keys, vals, off, bits)
        self.keys, self.vals, self.off, self.bits = keys, vals, off, bits

    def add(self, src: np.ndarray, seed_of: np.ndarray):
        """Return (local index per pair, new nodes, their seeds)."""
        E = len(src)
        pstart = np.empty(self.P + 1, dtype=np.int64)
        perm = np.empty(E, dtype=np.int64)
        _partition_kernel(seed_of, self.S, self.P, pstart, perm)
        self._reserve(self.sizes + np.diff(pstart))
        local = np.empty(E, dtype=np.int64)
        new_nodes = np.empty(E, dtype=np.int64)
        new_batch = np.empty(E, dtype=np.int64)
        new_cnt = np.empty(self.P, dtype=np.int64)
        g0 = self.groups * self.P
        n = _pick(_dedup_ser, _dedup_par, E, self.parallel)(src, seed_of, self.num_src, pstart, perm, self.keys, self.vals,
                          self.off, self.bits, self.sizes, g0, self.group_base, local,
                          new_nodes, new_batch, new_cnt)
        self.groups += 1
        self.total += n
        return local, new_nodes[:n], new_batch[:n]


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
    ``<= seed_time[i]`` (seconds since the epoch), at every hop.

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
        parallel: run large kernels on numba's thread pool (``prange``);
            ``False`` keeps everything on the calling thread (e.g. inside a
            data-loader worker).

    Raises:
        ValueError: unknown ``strategy`` (allowed: ``"uniform"``, ``"last"``),
            malformed ``num_neighbors``, or a CSC whose node type is not in
            ``num_nodes``.
    """

    def __init__(
        self,
        csc: dict[EdgeType, CSC],
        num_nodes: dict[str, int],
        node_time: dict[str, np.ndarray | None],
        num_neighbors,
        strategy: str = "uniform",
        seed: int = 0,
        parallel: bool = True,
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
        self.edge_types = list(self.csc)
        self.fanouts = _normalise_fanouts(num_neighbors, self.edge_types)
        self.num_hops = len(next(iter(self.fanouts.values()))) if self.fanouts else 0
        max_f = max([f for v in self.fanouts.values() for f in v] + [1])
        self._set_bits = max(4, int(np.ceil(np.log2(2 * max_f))))
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        """Restart the random state: the next calls repeat those after ``__init__``."""
        self.seed = seed
        self._rng = np.random.default_rng(seed)

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
                or seed ids out of range.
        """
        if seed_type not in self.num_nodes:
            raise ValueError(f"unknown seed_type {seed_type!r}; known node types: "
                             f"{sorted(self.num_nodes)}")
        seeds = np.ascontiguousarray(seed_nodes, dtype=np.int64).reshape(-1)
        stime = np.ascontiguousarray(seed_time, dtype=np.int64).reshape(-1)
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

        seed_batch = np.arange(S, dtype=np.int64)
        P = max(1, min(_NUM_PARTS, S))
        groups = 1 + self.num_hops * len(self.edge_types)  # calls to _PairMap.add
        maps[seed_type] = _PairMap(S, P, n_seed_type, groups, self.parallel)
        maps[seed_type].add(seeds, seed_batch)
        node_chunks[seed_type].append(seeds)
        batch_chunks[seed_type].append(seed_batch)
        n_nodes[seed_type][0] = S
        total[seed_type] = S
        frontier = {seed_type: (seeds, seed_batch, 0)} if S else {}

        for hop in range(self.num_hops):
            new = {}
            for e_idx, et in enumerate(self.edge_types):
                src_t, _, dst_t = et
                fan = self.fanouts[et][hop]
                if fan == 0 or dst_t not in frontier:
                    continue
                f_nodes, f_batch, f_start = frontier[dst_t]
                c = self.csc[et]
                m = len(f_nodes)
                lo = np.empty(m, np.int64)
                cnt = np.empty(m, np.int64)
                k = np.empty(m, np.int64)
                _pick(_count_ser, _count_par, m, self.parallel)(c.colptr, c.row_time, self.has_time[src_t], f_nodes, f_batch,
                              stime, fan, lo, cnt, k)
                offsets = np.zeros(m + 1, np.int64)
                np.cumsum(k, out=offsets[1:])
                E = int(offsets[-1])
                if E == 0:
                    continue
                src = np.empty(E, np.int64)
                eid = np.empty(E, np.int64)
                col = np.empty(E, np.int64)
                sof = np.empty(E, np.int64)
                key = np.uint64(
                    (call_key * 1_000_003 + hop * 10_007 + e_idx + 1) % (2**64)
                )
                _pick(_fill_ser, _fill_par, E, self.parallel)(c.row, c.edge_id, lo, cnt, k, offsets, f_batch, f_start,
                             self.strategy == "last", key, self._set_bits,
                             8 * numba.get_num_threads(), src, eid, col, sof)
                if src_t not in maps:
                    maps[src_t] = _PairMap(S, P, self.num_nodes[src_t], groups, self.parallel)
                local, new_nodes, new_batch = maps[src_t].add(src, sof)
                edge_chunks[et].append((local, col, eid))
                n_edges[et][hop] = E
                if len(new_nodes):
                    node_chunks[src_t].append(new_nodes)
                    batch_chunks[src_t].append(new_batch)
                    new.setdefault(src_t, []).append((new_nodes, new_batch))
                    n_nodes[src_t][hop + 1] += len(new_nodes)
            frontier = {}
            for nt, parts in new.items():
                start = total[nt]
                fn = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
                fb = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
                frontier[nt] = (fn, fb, start)
                total[nt] += len(fn)

        def cat(chunks):
            return np.concatenate(chunks) if chunks else np.empty(0, np.int64)

        edge_index, edge_id = {}, {}
        for et, parts in edge_chunks.items():
            if parts:
                edge_index[et] = np.stack([cat([p[0] for p in parts]), cat([p[1] for p in parts])])
                edge_id[et] = cat([p[2] for p in parts])
            else:
                edge_index[et] = np.empty((2, 0), np.int64)
                edge_id[et] = np.empty(0, np.int64)
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
