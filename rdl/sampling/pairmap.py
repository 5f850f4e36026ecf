"""The ``(seed, node) -> local index`` map that deduplicates sampled nodes per seed.

In disjoint sampling a row reached twice inside one seed's subgraph is one node, and the
same row reached by two seeds is two nodes. :class:`PairMap` gives each new ``(seed,
node)`` pair the next local index of its node type and returns the existing index of a
pair seen before. The hashing runs in numba (:mod:`rdl.sampling._kernels`); this class
owns the tables: their sizes, partitions and generation tags.
"""

from __future__ import annotations

import numpy as np

from ._dedup import GROUP_MASK, dedup_par, dedup_ser, regrow_par, regrow_ser
from ._kernels import pick


class PairMap:
    """(seed, node) -> local index for one node type, partitioned by seed.

    Key ``seed * num_nodes + node``. Seeds are split into ``num_parts``
    contiguous ranges, each with its own open-addressing table (a power of two
    of slots, at most half full) inside one flat array. The map lives across
    :meth:`rdl.sampling.TemporalNeighborSampler.sample` calls: :meth:`begin` bumps a
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
        if max_adds * self.P > GROUP_MASK:
            raise ValueError(
                f"too many edge types x hops ({max_adds}) for the sampler's "
                f"hash map; at most {GROUP_MASK // self.P}"
            )
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
        bits = np.where(
            2 * need <= (np.int64(1) << self.bits), self.bits, np.maximum(self.bits, want)
        )
        sizes = np.int64(1) << bits
        off = np.zeros(self.P, dtype=np.int64)
        np.cumsum(sizes[:-1], out=off[1:])
        tab = np.zeros(2 * int(sizes.sum()), dtype=np.int64)  # calloc: lazily zeroed
        pick(regrow_ser, regrow_par, len(self.tab) // 2, self.parallel)(
            self.tab, self.off, self.bits, tab, off, bits, self.gen
        )
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
        dedup = pick(dedup_ser, dedup_par, E, self.parallel)
        n = dedup(
            src,
            seed_of,
            self.num_src,
            pstart,
            self.tab,
            self.off,
            self.bits,
            self.sizes,
            self.gen,
            self.groups * self.P,
            self.group_base,
            local_out,
            new_nodes,
            new_batch,
            new_cnt,
        )
        self.groups += 1
        if 2 * n < E:  # do not keep the larger buffers alive in the output
            return new_nodes[:n].copy(), new_batch[:n].copy()
        return new_nodes[:n], new_batch[:n]
