"""The numba-compiled kernels of the ``(seed, node) -> local index`` open-addressing hash
map that :class:`rdl.sampling.pairmap.PairMap` drives: ``dedup`` (look up / insert
pairs) and ``regrow`` (move live entries into larger tables).

Compiled serial and parallel and cached on disk like `rdl.sampling._kernels`; every
constant a kernel reads is defined in this file (numba's cache checks only the defining
file's timestamp).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._kernels import _serial_and_parallel

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
#: A pair map value is ``gen << 52 | group << 32 | c``: masks of ``group`` and ``c``.
GROUP_MASK = np.int64((1 << 20) - 1)
_C_MASK = np.int64((1 << 32) - 1)


# ---- dedup: (seed, node) -> local index


@njit(cache=True)
def _dedup_part(
    src, seed_of, num_src, start, stop, tab, base, bits, tag, gen, local_out, new_nodes, new_batch
):
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
        local_out[e] = group_base[(v >> 32) & GROUP_MASK] + (v & _C_MASK)


def _dedup_kernel(
    src,
    seed_of,
    num_src,
    pstart,
    tab,
    off,
    bits,
    sizes,
    gen,
    group0,
    group_base,
    local_out,
    new_nodes,
    new_batch,
    new_cnt,
):
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
        new_cnt[p] = _dedup_part(
            src,
            seed_of,
            num_src,
            pstart[p],
            pstart[p + 1],
            tab,
            off[p],
            bits[p],
            tag,
            gen,
            local_out,
            new_nodes,
            new_batch,
        )
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


dedup_ser, dedup_par = _serial_and_parallel(_dedup_kernel)
regrow_ser, regrow_par = _serial_and_parallel(_regrow_kernel)

__all__ = ["GROUP_MASK", "dedup_par", "dedup_ser", "regrow_par", "regrow_ser"]
