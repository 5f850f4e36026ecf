"""Memory-mapped arrays of rdl's on-disk stores (the out-of-core graph, the sampler's CSC):
opening them, and handing the pages a process has read back to the kernel.

A memory-mapped page a mini-batch reads stays in the process's resident set (RSS,
counted as ``RssFile``) until the kernel needs the memory. Sampling touches pages all
over a store of tens of GB, so the resident set grows towards the store's size although
each batch needs a few hundred MB of it: on TPC-H SF 10 (a 21 GB store) ``rdl train``
held 6.2 GiB of such pages after 35 training steps. `release_mapped_pages` unmaps them
(``madvise(MADV_DONTNEED)``): they stay in the kernel's page cache while memory allows,
so the next access is a minor fault, not a disk read (``MADV_PAGEOUT`` would evict them
from the cache: measured 5-12x slower re-reads). On a copy-on-write mapping
``MADV_DONTNEED`` would also discard a page the process modified, so `open_array` makes
the arrays read-only (a write raises instead of being lost). Elsewhere (no ``madvise``)
it does nothing. This module imports nothing of rdl.
"""

from __future__ import annotations

import mmap
import weakref
from pathlib import Path

import numpy as np

#: ``madvise`` advice "unmap these pages" (they stay in the page cache)
MADV_DONTNEED = getattr(mmap, "MADV_DONTNEED", None)

_maps: list[weakref.ref] = []
_unsupported = False  # madvise failed once: never try again


def open_array(path: str | Path) -> np.ndarray:
    """A ``.npy`` array memory-mapped copy-on-write (the file is never modified) and
    read-only (``flags.writeable`` is ``False``: `release_mapped_pages` would discard a
    write), registered for `release_mapped_pages`; an empty array is read (numpy cannot
    map an empty file)."""
    try:
        arr = np.load(path, mmap_mode="c")
    except ValueError:
        return np.load(path)
    arr.flags.writeable = False
    m = getattr(arr, "_mmap", None)
    if m is not None:
        _maps.append(weakref.ref(m))
    return arr


def has_mapped_arrays() -> bool:
    """Whether this process has opened a store array with `open_array` that is still
    alive (an out-of-core graph or its CSC)."""
    return any((m := ref()) is not None and not m.closed for ref in _maps)


def resident_file_bytes() -> int | None:
    """Bytes of this process's resident set that are file-backed or shared (Linux
    ``/proc/self/statm``'s third field; ``None`` elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[2]) * mmap.PAGESIZE
    except (OSError, ValueError, IndexError):
        return None


def release_mapped_pages(over: int = 0) -> int:
    """Ask the kernel to reclaim the resident pages of every array `open_array` mapped
    and that is still alive — only when this process's resident file-backed memory
    exceeds ``over`` bytes (`resident_file_bytes`; ``0``: always), so a loop can call it
    after every batch and an in-memory graph never pays for it.

    Returns:
        how many mappings were advised (``0``: under ``over``, nothing mapped, or no
        ``madvise``).
    """
    global _unsupported, _maps
    if _unsupported or not _maps or MADV_DONTNEED is None:
        return 0
    if over > 0:
        held = resident_file_bytes()
        if held is None or held <= over:
            return 0
    live, n = [], 0
    for ref in _maps:
        m = ref()
        if m is None or m.closed:
            continue
        live.append(ref)
        try:
            m.madvise(MADV_DONTNEED)
            n += 1
        except (OSError, ValueError):
            _unsupported = True
            return 0
    _maps = live
    return n


__all__ = [
    "MADV_DONTNEED",
    "has_mapped_arrays",
    "open_array",
    "release_mapped_pages",
    "resident_file_bytes",
]
