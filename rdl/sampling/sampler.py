"""Temporal, disjoint, multi-hop neighbour sampling on time-sorted CSC arrays.

Why rdl has its own sampler: PyG's ``NeighborLoader`` samples through pyg-lib or
torch-sparse, and neither works here. pyg-lib is not installable (it is not on the
package registry), and torch-sparse (a 15-minute source build) refuses the mode RelBench
needs: ``ValueError: 'disjoint' sampling not supported for neighbor sampling via
'torch-sparse'``. So this module reproduces pyg-lib's heterogeneous temporal neighbour
sampler in the mode RelBench uses (``disjoint=True``, ``temporal_strategy="uniform"`` or
``"last"``; Robinson et al. 2024, "RelBench: A Benchmark for Deep Learning on Relational
Databases") in numba:

* every seed ``i`` grows its own subgraph; a node reached several times inside
  one seed's subgraph appears once, the same table row reached by two seeds
  appears twice (once per seed);
* a neighbour is eligible only if its time is ``<= seed_time[i]`` (the seed's
  own time at every hop; node types without time are always eligible) -- the
  model never sees rows newer than the seed;
* hop ``h`` expands the nodes first added at hop ``h - 1`` along every edge
  type whose destination type matches, taking up to ``fanout[h]`` eligible
  incoming edges per (node, edge type).

The hot path is numba-compiled (:mod:`rdl.sampling._kernels`): a binary search for the
time cut in each destination segment, Floyd's algorithm for uniform sampling without
replacement, and an open-addressing hash map keyed by ``(seed, node)`` for
deduplication (:mod:`rdl.sampling.pairmap`). Python loops only over hops and edge
types. :meth:`SampledSubgraph.to_sampler_output` hands the result to PyG's loader
plumbing as a ``HeteroSamplerOutput``.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from ._kernels import (
    MODE_LAST,
    MODE_MIXED,
    MODE_UNIFORM,
    N_CHUNKS,
    count_par,
    count_ser,
    fill_par,
    fill_ser,
    pick,
)
from .csr import CSC, NO_TIME, EdgeType
from .pairmap import PairMap
from .subgraph import SampledSubgraph

STRATEGIES = ("uniform", "last", "mixed")
_MODES = {"uniform": MODE_UNIFORM, "last": MODE_LAST, "mixed": MODE_MIXED}

#: Seeds are split into this many contiguous ranges, each deduplicated in its
#: own hash table (in parallel). Fixed, so output never depends on thread count.
_NUM_PARTS = 16


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
            raise ValueError(f"num_neighbors has unknown edge types {unknown}; known: {edge_types}")
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
            ones (ties: larger source id, then later input position, wins);
            ``"mixed"`` -- the ``ceil(last_share * k)`` most recent of the ``k``
            taken, the rest uniform without replacement among the older eligible
            ones (recency-aware sampling that still reaches far back).
        last_share: with ``"mixed"``, the share of the fanout taken as the most
            recent edges (default 0.5).
        seed: random seed; every :meth:`sample` call advances the state, so
            epochs differ; :meth:`reseed` restarts it. Output never depends on
            the number of threads.
        parallel: run large kernels (at least
            ``rdl.sampling._kernels.PARALLEL_MIN_WORK`` items) on numba's
            thread pool (``prange`` over seed partitions / chunks).
            Off by default: on this 2-core machine, whenever other work
            (another process, PyTorch's own threads) holds a core, every
            fork-join region waits for a descheduled thread and a batch took
            ~2x *longer* than on one thread; it helps only on idle cores.

    Raises:
        ValueError: unknown ``strategy`` (allowed: ``"uniform"``, ``"last"``,
            ``"mixed"``), ``last_share`` outside ``[0, 1]``,
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
        last_share: float = 0.5,
    ):
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}; allowed: {list(STRATEGIES)}")
        if not 0.0 <= last_share <= 1.0:
            raise ValueError(f"last_share {last_share} must be in [0, 1]")
        self.strategy = strategy
        self.last_share = float(last_share)
        self.parallel = bool(parallel)
        self.csc = {cast(EdgeType, tuple(k)): v for k, v in csc.items()}  # lists from JSON
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
                    f"from the same node_time"
                )
        self.edge_types = list(self.csc)
        self.fanouts = _normalise_fanouts(num_neighbors, self.edge_types)
        self.num_hops = len(next(iter(self.fanouts.values()))) if self.fanouts else 0
        max_f = max([f for v in self.fanouts.values() for f in v] + [1])
        self._set_bits = max(4, int(np.ceil(np.log2(2 * max_f))))
        self._maps: dict[str, PairMap] = {}  # reused across calls
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
        pick(count_ser, count_par, m, self.parallel)(
            c.colptr,
            c.row_time,
            self.has_time[et[0]],
            f_nodes,
            f_batch,
            stime,
            fanout,
            N_CHUNKS,
            lo,
            cnt,
            k,
        )
        offsets = np.zeros(m + 1, np.int64)
        np.cumsum(k, out=offsets[1:])
        E = int(offsets[-1])
        src, eid, sof = np.empty(E, np.int64), np.empty(E, np.int64), np.empty(E, np.int64)
        ei = np.empty((2, E), np.int64)
        if E:
            pick(fill_ser, fill_par, E, self.parallel)(
                c.row,
                c.edge_id,
                lo,
                cnt,
                k,
                offsets,
                f_batch,
                f_cols,
                _MODES[self.strategy],
                self.last_share,
                key,
                self._set_bits,
                N_CHUNKS,
                src,
                eid,
                ei[1],
                sof,
            )
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
            raise ValueError(
                f"unknown seed_type {seed_type!r}; known node types: {sorted(self.num_nodes)}"
            )
        seeds, stime = np.asarray(seed_nodes), np.asarray(seed_time)
        for name, a in (("seed_nodes", seeds), ("seed_time", stime)):
            if a.size and not np.issubdtype(a.dtype, np.integer):
                raise ValueError(
                    f"{name} has dtype {a.dtype}; expected integers "
                    f"(node ids / int64 seconds since epoch)"
                )
        seeds = np.array(seeds, dtype=np.int64).reshape(-1)  # copies: outputs own them
        stime = np.array(stime, dtype=np.int64).reshape(-1)
        if len(stime) != len(seeds):
            raise ValueError(
                f"seed_time has length {len(stime)} but seed_nodes has "
                f"length {len(seeds)}; give one time per seed"
            )
        n_seed_type = self.num_nodes[seed_type]
        if len(seeds) and (seeds.min() < 0 or seeds.max() >= n_seed_type):
            raise ValueError(f"seed_nodes outside [0, {n_seed_type}) for {seed_type!r}")
        call_key = int(self._rng.integers(0, 2**63 - 1))
        S = len(seeds)

        node_chunks: dict[str, list[np.ndarray]] = {nt: [] for nt in self.num_nodes}
        batch_chunks: dict[str, list[np.ndarray]] = {nt: [] for nt in self.num_nodes}
        edge_chunks: dict[EdgeType, list[tuple[np.ndarray, np.ndarray]]] = {
            et: [] for et in self.edge_types
        }
        n_nodes = {nt: [0] * (self.num_hops + 1) for nt in self.num_nodes}
        n_edges = {et: [0] * self.num_hops for et in self.edge_types}
        total = {nt: 0 for nt in self.num_nodes}
        maps: dict[str, PairMap] = {}

        def pair_map(nt: str) -> PairMap:
            if nt not in maps:
                P = max(1, min(_NUM_PARTS, S))
                mp = self._maps.get(nt)
                if mp is None or mp.P != P:
                    mp = self._maps[nt] = PairMap(P, self.num_nodes[nt], self.parallel)
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
            new: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
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
