"""Out-of-core databases and the memory-mapped graph: on a small database they give the
same schema, task tables, graph, samples and predictions as the in-memory path."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

import rdl
from rdl.db.errors import SchemaError
from rdl.db.lazy import open_lazy
from rdl.graph import build_graph
from rdl.graph.stream import build_graph_streaming
from rdl.sampling import TemporalNeighborSampler, build_csc
from rdl.sampling.csc_store import graph_csc
from rdl.sampling.loader import to_batch
from tests.fixtures.scale import FakeTextModel, assert_graphs_equal, make_odd_duckdb

CUT = "2020-03-01"


@pytest.fixture(scope="module")
def odd(tmp_path_factory):
    path = tmp_path_factory.mktemp("odd") / "odd.duckdb"
    kwargs = make_odd_duckdb(path)
    return str(path), kwargs


@pytest.fixture
def fake_text(monkeypatch):
    from rdl.graph.text import CachedTextEmbedder

    monkeypatch.setattr(CachedTextEmbedder, "_load_model", lambda self: FakeTextModel())


def test_lazy_schema_and_rows_match_connect(odd):
    path, kw = odd
    db, lz = rdl.connect(f"duckdb:///{path}", infer_foreign_keys=False, **kw), open_lazy(path, **kw)
    assert list(db) == list(lz)
    for name in db:
        a, b = db[name], lz[name]
        assert (a.pkey_col, a.time_col, a.stypes) == (b.pkey_col, b.time_col, b.stypes), name
        assert list(a.fkey_col_to_pkey_table.items()) == list(b.fkey_col_to_pkey_table.items())
        assert len(a) == len(b)
        pd.testing.assert_frame_equal(a.df, b.df)  # the df of a lazy table, loaded on use
    assert (lz.min_timestamp, lz.max_timestamp) == (db.min_timestamp, db.max_timestamp)
    cut, lcut = db.upto(CUT), lz.upto(CUT)
    assert {n: len(t) for n, t in cut.items()} == {n: len(t) for n, t in lcut.items()}
    assert len(lcut["late"]) == 0 and len(lcut["orders"]) < len(lz["orders"])


def test_lazy_df_refuses_a_table_too_big_for_memory(odd):
    path, kw = odd
    lz = open_lazy(path, max_rows_in_memory=100, **kw)
    assert len(lz["users"].df) == 60
    with pytest.raises(SchemaError, match="orders.*400 rows.*storage='memory'"):
        lz["orders"].df


@pytest.mark.parametrize("batch_rows", [7, 1 << 17])
def test_streamed_graph_equals_in_memory_graph(odd, tmp_path, fake_text, batch_rows):
    path, kw = odd
    g_mem = build_graph(
        rdl.connect(f"duckdb:///{path}", infer_foreign_keys=False, **kw).upto(CUT),
        stats_until=CUT,
        cache_dir=tmp_path / "mem",
        text="minilm",
    )
    lz = open_lazy(path, **kw).upto(CUT)
    g = build_graph_streaming(
        lz, stats_until=CUT, cache_dir=tmp_path / "disk", batch_rows=batch_rows
    )
    assert g.store_dir is not None and g.info["bytes"] > 0
    assert any("item_code" in n and "no row of items" in n for n in g.info["notes"])
    assert_graphs_equal(g_mem, g)
    # the CSC arrays built beside the store, memory-mapped, equal the in-memory ones
    c_mem = build_csc(g_mem.num_nodes, g_mem.node_time, g_mem.edge_index)
    c = graph_csc(g)
    assert isinstance(next(iter(c.values())).row, np.memmap)
    for et in c_mem:
        for a, b in zip(c_mem[et], c[et]):
            np.testing.assert_array_equal(a, b)


def test_comparison_control_a_different_cut_differs(odd, tmp_path, fake_text):
    """The comparison above can fail: stats on another cut, or another cut of rows."""
    path, kw = odd
    g_mem = build_graph(
        rdl.connect(f"duckdb:///{path}", infer_foreign_keys=False, **kw).upto(CUT),
        stats_until=CUT,
        cache_dir=tmp_path / "mem",
    )
    other = build_graph(
        open_lazy(path, **kw).upto(CUT), stats_until="2020-02-01", cache_dir=tmp_path / "disk"
    )
    with pytest.raises(AssertionError):
        assert_graphs_equal(g_mem, other)
    later = build_graph(
        open_lazy(path, **kw).upto("2020-03-02"), stats_until=CUT, cache_dir=tmp_path / "disk"
    )
    with pytest.raises(AssertionError):
        assert_graphs_equal(g_mem, later)


def test_samples_and_batches_identical(odd, tmp_path, fake_text):
    path, kw = odd
    g_mem = build_graph(
        rdl.connect(f"duckdb:///{path}", infer_foreign_keys=False, **kw).upto(CUT),
        text=False,
        cache_dir=tmp_path / "mem",
    )
    g = build_graph(open_lazy(path, **kw).upto(CUT), text=False, cache_dir=tmp_path / "disk")
    seeds = np.arange(60)
    times = np.full(60, pd.Timestamp("2020-02-15").value // 10**9)
    subs = []
    for graph, csc in (
        (g_mem, build_csc(g_mem.num_nodes, g_mem.node_time, g_mem.edge_index)),
        (g, graph_csc(g)),
    ):
        s = TemporalNeighborSampler(csc, graph.num_nodes, graph.node_time, [5, 3], seed=3)
        sub = s.sample("users", seeds, times)
        batch = to_batch(sub, graph.node_time)
        rows = {t: graph.tf_dict[t][batch[t].uniq] for t in batch.node_types if batch[t].num_nodes}
        subs.append((sub, rows))
    (a, ra), (b, rb) = subs
    assert sum(len(v) for v in a.node.values()) > 60  # the samples reach beyond the seeds
    for t in a.node:
        np.testing.assert_array_equal(a.node[t], b.node[t])
        np.testing.assert_array_equal(a.batch[t], b.batch[t])
    for et in a.edge_index:
        np.testing.assert_array_equal(a.edge_index[et], b.edge_index[et])
    for t in ra:
        for st in ra[t].feat_dict:
            x, y = ra[t].feat_dict[st], rb[t].feat_dict[st]
            import torch

            torch.testing.assert_close(x, y, rtol=0, atol=0, equal_nan=True)


def test_store_is_cached_and_a_damaged_store_rebuilds(odd, tmp_path):
    path, kw = odd
    lz = open_lazy(path, **kw).upto(CUT)
    g1 = build_graph(lz, text=False, cache_dir=tmp_path)
    assert not g1.info["cached"]
    g2 = build_graph(open_lazy(path, **kw).upto(CUT), text=False, cache_dir=tmp_path)
    assert g2.info["cached"] and g2.store_dir == g1.store_dir
    victim = next(p for p in sorted((g1.store_dir / "tf").rglob("*.npy")))
    with open(victim, "r+b") as f:
        f.truncate(os.path.getsize(victim) - 8)
    g3 = build_graph(open_lazy(path, **kw).upto(CUT), text=False, cache_dir=tmp_path)
    assert not g3.info["cached"]
    ref = build_graph(
        rdl.connect(f"duckdb:///{path}", infer_foreign_keys=False, **kw).upto(CUT),
        text=False,
        cache_dir=tmp_path / "mem",
    )
    assert_graphs_equal(ref, g3)


def test_duplicate_primary_key_is_refused(tmp_path):
    import duckdb

    from rdl.db.errors import DataError

    path = tmp_path / "dup.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (id BIGINT, x DOUBLE)")
    con.execute("INSERT INTO t VALUES (2, 1.0), (1, 2.0), (2, 3.0)")
    con.close()
    lz = open_lazy(str(path), primary_keys={"t": "id"})
    with pytest.raises(DataError, match="duplicate primary key"):
        build_graph(lz, text=False, cache_dir=tmp_path / "c")


def test_storage_auto_keeps_small_databases_in_memory(odd):
    from rdl.runtime.storage import AUTO_DISK_ROWS, resolve_storage

    path, _ = odd
    assert resolve_storage(f"duckdb:///{path}", "auto") == "memory"
    assert resolve_storage(f"duckdb:///{path}", "disk") == "disk"
    assert resolve_storage("sqlite:///x.db", "auto") == "memory"
    assert AUTO_DISK_ROWS >= 1_000_000
