"""`rdl.mapped`: memory-mapped store arrays give the pages a process read back to the
kernel (so a training run's resident memory stays what a batch needs), without changing
a value; the arrays are read-only, as the release would discard a write."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from rdl.mapped import open_array, release_mapped_pages


def _rss_file_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssFile:"):
                return int(line.split()[1])
    pytest.skip("no RssFile in /proc/self/status")


@pytest.fixture
def mapped(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, np.arange(16_000_000, dtype=np.int64))  # 128 MB
    arr = open_array(path)
    yield arr
    del arr
    gc.collect()


def test_release_hands_back_read_pages_and_keeps_values(mapped):
    total = int(mapped.sum())  # reads every page
    before = _rss_file_kb()
    if release_mapped_pages() == 0:
        pytest.skip("madvise not supported here")
    after = _rss_file_kb()
    assert before - after > 100_000, (before, after)  # ~128 MB handed back
    assert int(mapped.sum()) == total  # read again, same values


def test_control_pages_stay_resident_without_release(mapped):
    mapped.sum()
    before = _rss_file_kb()
    mapped.sum()
    assert _rss_file_kb() >= before - 1_000


def test_mapped_arrays_are_read_only(mapped):
    """A write would be discarded by the release, so it raises instead."""
    with pytest.raises(ValueError):
        mapped[5] = -1
    assert mapped[5] == 5


def test_an_empty_array_is_read_not_mapped(tmp_path):
    np.save(tmp_path / "e.npy", np.zeros(0, dtype=np.int64))
    assert len(open_array(tmp_path / "e.npy")) == 0


def test_release_waits_until_the_resident_pages_exceed_the_budget(mapped):
    from rdl.mapped import resident_file_bytes

    mapped.sum()
    held = resident_file_bytes()
    assert held is not None and held > 100_000_000
    assert release_mapped_pages(over=held + (1 << 30)) == 0  # under the budget: nothing
    assert _rss_file_kb() * 1024 > 100_000_000
    if release_mapped_pages(over=1 << 20) == 0:
        pytest.skip("madvise not supported here")
    assert _rss_file_kb() * 1024 < held - 100_000_000


def test_heap_trims_per_batch_only_with_a_mapped_graph(mapped, monkeypatch):
    """In memory the per-batch heap trim is skipped (it costs ~20 % of a rel-f1 run); out
    of core it runs every TRIM_EVERY batches; after an epoch (step None) always."""
    import rdl.mapped
    from rdl.runtime import memory

    calls = []
    monkeypatch.setattr(memory, "release_free_memory", lambda: calls.append(1))
    for step in range(2 * memory.TRIM_EVERY):
        memory.release_memory(step)
    assert len(calls) == 2  # a mapped array is alive (the fixture)
    monkeypatch.setattr(rdl.mapped, "_maps", [])
    calls.clear()
    for step in range(2 * memory.TRIM_EVERY):
        memory.release_memory(step)
    assert calls == []
    memory.release_memory()
    assert calls == [1]
