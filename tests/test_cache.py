"""The on-disk caches (`rdl.cachefile`): task tables, graphs, text embeddings.

Every write is temp-then-rename; every read is checked; a bad entry (truncated, corrupt,
another version) is discarded with a `CacheWarning` naming the file and rebuilt to the
same result; an unwritable cache directory degrades to no cache with one warning naming
the directory and how to move it; concurrent writers leave a valid entry.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from rdl.cachefile import MAGIC, CacheWarning, read_entry, write_entry
from rdl.db import Database, Table, infer_stypes
from rdl.graph import build_graph
from rdl.graph.text import DIM, CachedTextEmbedder
from tests.fixtures.shops import PurchasesPython, protocol_shop


def _raw(data: bytes) -> bytes:
    return bytes(data)


def _dump(payload: bytes):
    return lambda f: f.write(payload)


def _truncate(path, keep: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def _flip(path, at: float = 0.3) -> None:
    data = bytearray(path.read_bytes())
    i = int(len(data) * at)
    data[i] ^= 0xFF
    path.write_bytes(bytes(data))


# The entry format ------------------------------------------------------------------------
def test_round_trip_and_no_temporary_files_left(tmp_path):
    path = tmp_path / "sub" / "e.bin.rdlc"
    assert read_entry(path, "t", 1, _raw) is None  # missing: no warning
    assert write_entry(path, "t", 1, _dump(b"hello"))
    assert path.read_bytes().startswith(b"hello") and path.read_bytes().endswith(MAGIC)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        assert read_entry(path, "t", 1, _raw) == b"hello"
    assert [p.name for p in path.parent.iterdir()] == ["e.bin.rdlc"]


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda p: _truncate(p, 0.0), "truncated"),
        (lambda p: _truncate(p, 0.5), "no rdl cache footer"),
        (lambda p: _truncate(p, 0.999), "no rdl cache footer"),
        (lambda p: _flip(p, 0.3), "checksum mismatch"),
        (lambda p: p.write_bytes(b"x" * 5000), "no rdl cache footer"),  # not an rdl entry
    ],
)
def test_a_bad_entry_is_discarded_with_a_warning_naming_it(tmp_path, damage, reason):
    path = tmp_path / "e.rdlc"
    write_entry(path, "t", 1, _dump(os.urandom(4000)))
    damage(path)
    with pytest.warns(CacheWarning, match=reason) as rec:
        assert read_entry(path, "t", 1, _raw) is None
    assert str(path) in str(rec[0].message) and "rebuilding" in str(rec[0].message)
    assert not path.exists()


def test_another_kind_or_version_or_an_undecodable_payload_is_bad(tmp_path):
    path = tmp_path / "e.rdlc"
    write_entry(path, "t", 1, _dump(b"abc"))
    with pytest.warns(CacheWarning, match=r"holds 't' version 1, expected 't' version 2"):
        assert read_entry(path, "t", 2, _raw) is None
    write_entry(path, "t", 1, _dump(b"abc"))
    with pytest.warns(CacheWarning, match="expected 'u' version 1"):
        assert read_entry(path, "u", 1, _raw) is None
    write_entry(path, "t", 1, _dump(b"abc"))

    def load(_data):
        raise ValueError("not a graph")

    with pytest.warns(CacheWarning, match=r"cannot be loaded \(ValueError: not a graph\)"):
        assert read_entry(path, "t", 1, load) is None


def test_a_failing_dump_leaves_nothing_behind(tmp_path):
    path = tmp_path / "e.rdlc"

    def dump(f):
        f.write(b"partial")
        raise RuntimeError("pickling failed")

    with pytest.raises(RuntimeError, match="pickling failed"):
        write_entry(path, "t", 1, dump)
    assert list(tmp_path.iterdir()) == []


# Concurrent writers ----------------------------------------------------------------------
PAYLOAD_BYTES, CHUNKS, WRITES = 1 << 20, 8, 15


def _payload(tag: int) -> bytes:
    return bytes([tag]) * PAYLOAD_BYTES


def _slow(payload: bytes):
    step = len(payload) // CHUNKS

    def dump(f):
        for i in range(0, len(payload), step):
            f.write(payload[i : i + step])
            time.sleep(0.002)

    return dump


def _safe_writer(path, tag, start, spans):
    start.wait()
    t0 = time.monotonic()
    for _ in range(WRITES):
        assert write_entry(path, "t", 1, _slow(_payload(tag)))
    spans.put((t0, time.monotonic()))


def _naive_writer(path, tag, start, spans, entry_bytes):
    """The control: a complete, valid entry written in place, chunk by chunk."""
    start.wait()
    t0 = time.monotonic()
    step = len(entry_bytes) // CHUNKS
    for _ in range(WRITES):
        with open(path, "wb") as f:
            for i in range(0, len(entry_bytes), step):
                f.write(entry_bytes[i : i + step])
                f.flush()
                time.sleep(0.002)
    spans.put((t0, time.monotonic()))


def _race(path, target, extra=()):
    """Run two writers of the same entry while reading it; (reads, bad reads, spans)."""
    ctx = mp.get_context("fork")
    start, spans = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=target, args=(path, tag, start, spans, *extra)) for tag in (1, 2)]
    for p in procs:
        p.start()
    start.set()
    reads = bad = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CacheWarning)
        while any(p.is_alive() for p in procs):
            got = read_entry(path, "t", 1, _raw)
            if got is not None:
                reads += 1
                assert got in (_payload(1), _payload(2))
        bad = sum(issubclass(w.category, CacheWarning) for w in caught)
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    return reads, bad, [spans.get(timeout=5) for _ in procs]


def test_two_processes_writing_one_entry_leave_a_valid_entry(tmp_path):
    path = tmp_path / "e.rdlc"
    reads, bad, spans = _race(path, _safe_writer)
    (a0, a1), (b0, b1) = spans
    assert max(a0, b0) < min(a1, b1), "the writers did not overlap"
    assert reads > 0 and bad == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        assert read_entry(path, "t", 1, _raw) in (_payload(1), _payload(2))
    assert [p.name for p in tmp_path.iterdir()] == ["e.rdlc"]  # no temporary file left


def test_control_in_place_writes_are_seen_half_written(tmp_path):
    scratch = tmp_path / "scratch.rdlc"
    write_entry(scratch, "t", 1, _dump(_payload(1)))
    _, bad, _ = _race(tmp_path / "e.rdlc", _naive_writer, (scratch.read_bytes(),))
    assert bad > 0  # the reader's checks catch what temp-then-rename prevents


# Unwritable cache directory --------------------------------------------------------------
def test_an_unwritable_cache_directory_degrades_to_no_cache_with_one_warning(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a regular file where the cache directory should be")
    cache = blocker / "rdl"
    with pytest.warns(CacheWarning) as rec:
        g = build_graph(_graph_db(), text=False, cache_dir=cache)
        g2 = build_graph(_graph_db(), text=False, cache_dir=cache)
    msgs = [str(w.message) for w in rec if issubclass(w.category, CacheWarning)]
    assert len(msgs) == 1  # once per directory
    assert str(cache) in msgs[0] and "RDL_CACHE_DIR" in msgs[0] and "cache_dir" in msgs[0]
    assert not g.info["cached"] and not g2.info["cached"]
    _assert_graphs_equal(g, g2)


def _in_read_only_dir(directory, fn):
    """``fn()`` with ``directory`` read-only for it: ``(result, CacheWarning messages)``.

    As root (who writes anywhere) ``fn`` runs in a forked child that drops to uid/gid
    65534 (nobody); everything ``fn`` imports must already be imported."""
    directory.chmod(0o555)
    try:
        if os.geteuid() != 0:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", CacheWarning)
                result = fn()
            return result, [str(w.message) for w in caught if w.category is CacheWarning]
        ctx = mp.get_context("fork")
        queue = ctx.Queue()

        def child():
            os.setgid(65534)
            os.setuid(65534)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", CacheWarning)
                result = fn()
            queue.put((result, [str(w.message) for w in caught if w.category is CacheWarning]))

        proc = ctx.Process(target=child)
        proc.start()
        out = queue.get(timeout=120)
        proc.join(30)
        assert proc.exitcode == 0
        return out
    finally:
        directory.chmod(0o755)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_read_only_cache_directory_is_read_but_not_written():
    base = Path(tempfile.mkdtemp(prefix="rdl-ro-"))  # not under pytest's 0700 tmp dirs
    try:
        base.chmod(0o755)
        cache = base / "cache"
        g1 = build_graph(_graph_db(), text=False, cache_dir=cache)
        assert build_graph(_graph_db(), text=False, cache_dir=cache).info["cached"]  # imports

        def run():
            cached = build_graph(_graph_db(), text=False, cache_dir=cache)
            cut = build_graph(_graph_db(), text=False, cache_dir=cache, stats_until="2020-01-05")
            return cached.info["cached"], cut.info["cached"], cached.key == g1.key

        (cached, cut_cached, same), msgs = _in_read_only_dir(cache, run)
        assert cached and same, "\n".join(msgs)  # the existing entry is still read
        assert not cut_cached  # the new graph is built, not stored
        assert len(msgs) == 1, msgs
        assert f"cannot write the cache directory {cache} (Permission denied)" in msgs[0]
        assert "RDL_CACHE_DIR" in msgs[0] and "cache_dir" in msgs[0]
        assert [p.name for p in cache.iterdir()] == [f"graph-{g1.key}.pt.rdlc"]
    finally:
        shutil.rmtree(base)


def test_task_tables_with_an_unwritable_cache_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    PurchasesPython.calls = 0
    want = PurchasesPython(protocol_shop()).get_table("train").df
    with pytest.warns(CacheWarning, match="RDL_CACHE_DIR"):
        got = PurchasesPython(protocol_shop(), cache_dir=blocker / "tasks").get_table("train").df
    pd.testing.assert_frame_equal(got, want)


# Task-table cache ------------------------------------------------------------------------
@pytest.mark.parametrize("damage", [lambda p: _truncate(p, 0.5), _flip])
def test_a_bad_task_table_entry_is_rebuilt_to_the_same_table(tmp_path, damage):
    splits = ("train", "val", "test")
    PurchasesPython.calls = 0
    first = PurchasesPython(protocol_shop(), cache_dir=tmp_path)
    want = {s: first.get_table(s, mask_input_cols=False).df for s in splits}
    assert PurchasesPython.calls == 3
    files = {s: next(tmp_path.rglob(f"{s}.parquet.rdlc")) for s in splits}
    for p in files.values():
        damage(p)
    again = PurchasesPython(protocol_shop(), cache_dir=tmp_path)
    for s in splits:
        with pytest.warns(CacheWarning) as rec:
            got = again.get_table(s, mask_input_cols=False).df
        assert str(files[s]) in str(rec[0].message)
        pd.testing.assert_frame_equal(got, want[s])
    assert PurchasesPython.calls == 6  # each split rebuilt once
    # the rebuilt entries are good: a third instance reads them, silently
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        third = PurchasesPython(protocol_shop(), cache_dir=tmp_path)
        for s in splits:
            pd.testing.assert_frame_equal(third.get_table(s, mask_input_cols=False).df, want[s])
    assert PurchasesPython.calls == 6


# Graph cache -----------------------------------------------------------------------------
def _table(df, pkey, fkeys, time_col=None):
    return Table(
        df, fkeys, pkey, time_col, infer_stypes(df, exclude=[c for c in [pkey, *fkeys] if c])
    )


def _graph_db() -> Database:
    users = pd.DataFrame(
        {
            "uid": [1, 2, 3],
            "age": [20.0, 31.5, 44.0],
            "bio": ["likes chess", "plays go", "likes chess"],
        }
    )
    orders = pd.DataFrame(
        {
            "oid": range(6),
            "uid": [1, 1, 2, 3, 3, 9],
            "qty": [1, 2, 3, 1, 5, 2],
            "kind": ["a", "b", "a", "c", "a", "b"],
            "ts": pd.date_range("2020-01-01", periods=6, freq="3D"),
        }
    )
    users_t = _table(users, "uid", {})
    users_t.stypes["bio"] = "text_embedded"
    return Database({"users": users_t, "orders": _table(orders, "oid", {"uid": "users"}, "ts")})


def _assert_equal_values(a, b):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _assert_equal_values(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_equal_values(x, y)
    elif hasattr(a, "values") and hasattr(a, "offset"):  # pytorch-frame multi tensors
        assert torch.equal(a.values, b.values) and torch.equal(a.offset, b.offset)
    else:
        assert a == b


def _assert_graphs_equal(a, b):
    assert a.key == b.key and a.num_nodes == b.num_nodes
    assert a.edge_index.keys() == b.edge_index.keys()
    for et in a.edge_index:
        np.testing.assert_array_equal(a.edge_index[et], b.edge_index[et])
    for nt in a.num_nodes:
        if a.node_time[nt] is None:
            assert b.node_time[nt] is None
        else:
            np.testing.assert_array_equal(a.node_time[nt], b.node_time[nt])
        assert a.tf_dict[nt].col_names_dict == b.tf_dict[nt].col_names_dict
        _assert_equal_values(a.tf_dict[nt].feat_dict, b.tf_dict[nt].feat_dict)
        assert str(a.col_stats[nt]) == str(b.col_stats[nt])


@pytest.mark.parametrize("damage", [lambda p: _truncate(p, 0.5), _flip])
def test_a_bad_graph_entry_is_rebuilt_to_the_same_graph(tmp_path, damage):
    g1 = build_graph(_graph_db(), text=False, cache_dir=tmp_path)
    (path,) = tmp_path.glob("graph-*.pt.rdlc")
    damage(path)
    with pytest.warns(CacheWarning) as rec:
        g2 = build_graph(_graph_db(), text=False, cache_dir=tmp_path)
    assert str(path) in str(rec[0].message)
    assert not g2.info["cached"]
    _assert_graphs_equal(g1, g2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        g3 = build_graph(_graph_db(), text=False, cache_dir=tmp_path)
    assert g3.info["cached"]
    _assert_graphs_equal(g1, g3)


# Text-embedding cache --------------------------------------------------------------------
class StubEncoder:
    """A deterministic stand-in for all-MiniLM-L6-v2 (unit vectors from a hash of the
    string): the cache is what is under test, and the real model takes ~13 s to load."""

    def __init__(self):
        self.encoded: list[str] = []

    def encode(self, sentences, **_kwargs):
        self.encoded += sentences
        rows = []
        for s in sentences:
            seed = int.from_bytes(hashlib.sha256(s.encode()).digest()[:4], "little")
            v = torch.from_numpy(np.random.default_rng(seed).standard_normal(DIM)).float()
            rows.append(v / v.norm())
        return torch.stack(rows)


@pytest.fixture
def stub(monkeypatch):
    enc = StubEncoder()
    monkeypatch.setattr(CachedTextEmbedder, "_load_model", lambda self: enc)
    return enc


@pytest.mark.parametrize("damage", [lambda p: _truncate(p, 0.5), _flip])
def test_a_bad_text_cache_is_re_embedded_to_the_same_vectors(tmp_path, stub, damage):
    path = tmp_path / "text.pt.rdlc"
    want = CachedTextEmbedder(path)(["a", "b", "a"])
    assert stub.encoded == ["a", "b"]
    damage(path)
    with pytest.warns(CacheWarning) as rec:
        emb = CachedTextEmbedder(path)
    assert str(path) in str(rec[0].message)
    assert torch.equal(emb(["a", "b", "a"]), want)
    assert stub.encoded == ["a", "b", "a", "b"]  # embedded again
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        assert torch.equal(CachedTextEmbedder(path)(["b", "a"]), want[[1, 0]])
    assert len(stub.encoded) == 4  # the rebuilt cache serves them


def test_text_cache_writers_keep_each_others_strings(tmp_path, stub):
    path = tmp_path / "text.pt.rdlc"
    a, b = CachedTextEmbedder(path), CachedTextEmbedder(path)  # both start empty
    a(["x"])
    b(["y"])  # b's write merges a's entry
    c = CachedTextEmbedder(path)
    c(["x", "y"])
    assert stub.encoded == ["x", "y"]


def test_graph_with_text_after_a_bad_text_cache(tmp_path, stub):
    g1 = build_graph(_graph_db(), text="minilm", cache_dir=tmp_path)
    (text_file,) = tmp_path.glob("text-minilm-128.pt.rdlc")
    (graph_file,) = tmp_path.glob("graph-*.pt.rdlc")
    graph_file.unlink()
    _truncate(text_file, 0.5)
    with pytest.warns(CacheWarning) as rec:
        g2 = build_graph(_graph_db(), text="minilm", cache_dir=tmp_path)
    assert any(str(text_file) in str(w.message) for w in rec)
    _assert_graphs_equal(g1, g2)
