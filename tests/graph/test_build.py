"""Graph building: node types, f2p/rev_f2p edge types, node times, TensorFrames, cache."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rdl.db import Database, Table, infer_stypes
from rdl.graph import build_graph


def _table(df, pkey, fkeys, time_col=None):
    return Table(
        df, fkeys, pkey, time_col, infer_stypes(df, exclude=[c for c in [pkey, *fkeys] if c])
    )


@pytest.fixture
def shop():
    # table names that clash with dict / Module attributes on purpose
    keys = pd.DataFrame({"key_id": [10, 11, 12]})  # no feature column at all
    items = pd.DataFrame(
        {
            "item_id": [1, 2, 3],
            "price": [1.0, 2.5, 3.0],
            "key_id": [10, 10, 12],
            "kind": ["a", "b", "a"],
        }
    )
    type_ = pd.DataFrame(
        {
            "type_id": [100, 101, 102, 103],
            "item_id": [1, 2, 2, None],
            "parent": [None, 100, 100, 101],  # self-referencing foreign key
            "ts": pd.to_datetime(["2020-01-01", "2020-01-05", None, "2020-02-01"]),
            "qty": [1, 2, 3, 4],
        }
    )
    return Database(
        {
            "keys": _table(keys, "key_id", {}),
            "items": _table(items, "item_id", {"key_id": "keys"}),
            "type": _table(type_, "type_id", {"item_id": "items", "parent": "type"}, "ts"),
        }
    )


def test_graph_structure(shop, tmp_path):
    g = build_graph(shop, text=False, cache_dir=tmp_path)
    assert g.num_nodes == {"keys": 3, "items": 3, "type": 4}
    assert set(g.edge_types) == {
        ("items", "f2p_key_id", "keys"),
        ("keys", "rev_f2p_key_id", "items"),
        ("type", "f2p_item_id", "items"),
        ("items", "rev_f2p_item_id", "type"),
        ("type", "f2p_parent", "type"),
        ("type", "rev_f2p_parent", "type"),
    }
    # items -> keys: rows 0,1 -> key 10 (node 0), row 2 -> key 12 (node 2)
    np.testing.assert_array_equal(
        g.edge_index[("items", "f2p_key_id", "keys")], [[0, 1, 2], [0, 0, 2]]
    )
    np.testing.assert_array_equal(
        g.edge_index[("keys", "rev_f2p_key_id", "items")], [[0, 0, 2], [0, 1, 2]]
    )
    # null foreign keys make no edge
    np.testing.assert_array_equal(
        g.edge_index[("type", "f2p_item_id", "items")], [[0, 1, 2], [0, 1, 1]]
    )
    np.testing.assert_array_equal(
        g.edge_index[("type", "f2p_parent", "type")], [[1, 2, 3], [0, 0, 1]]
    )
    # node time in seconds since epoch, null time never visible
    t = g.node_time["type"]
    assert t[0] == pd.Timestamp("2020-01-01").value // 10**9
    assert t[2] == np.iinfo(np.int64).max
    assert g.node_time["items"] is None and g.node_time["keys"] is None
    # key columns are never features; a table without features gets a constant column
    assert g.tf_dict["keys"].num_cols == 1
    assert set(sum(g.tf_dict["items"].col_names_dict.values(), [])) == {"price", "kind"}
    assert "item_id" not in sum(g.tf_dict["type"].col_names_dict.values(), [])
    assert g.node_index("items", [3, 1]).tolist() == [2, 0]
    with pytest.raises(KeyError, match=r"table 'items' has no rows with primary key \[7\]"):
        g.node_index("items", [1, 7])
    data = g.to_hetero_data()
    assert data["type"].time.shape == (4,)
    assert data[("items", "f2p_key_id", "keys")].edge_index.shape == (2, 3)


def test_graph_cache_and_stats_cut(shop, tmp_path):
    g1 = build_graph(shop, text=False, cache_dir=tmp_path)
    g2 = build_graph(shop, text=False, cache_dir=tmp_path)
    assert not g1.info["cached"] and g2.info["cached"] and g1.key == g2.key
    # a change of content changes the key
    shop["items"].df.loc[0, "price"] = 9.0
    g3 = build_graph(shop, text=False, cache_dir=tmp_path)
    assert g3.key != g1.key and not g3.info["cached"]
    # stats computed on the cut: the qty mean ignores rows after the cut
    g4 = build_graph(shop, text=False, cache_dir=tmp_path, stats_until="2020-01-05")
    import torch_frame

    mean = g4.col_stats["type"]["qty"][torch_frame.data.stats.StatType.MEAN]
    assert mean == pytest.approx(1.5)


def test_text_embedding_cached(tmp_path):
    from rdl.graph.text import CachedTextEmbedder

    emb = CachedTextEmbedder(tmp_path / "text.pt")
    a = emb(["Lewis Hamilton", "Monza", "Lewis Hamilton"])
    assert a.shape == (3, 384)
    assert np.allclose(a.norm(dim=1).numpy(), 1.0, atol=1e-4)
    assert np.allclose(a[0].numpy(), a[2].numpy())
    # a new embedder reads the cache and never loads the model for known strings
    emb2 = CachedTextEmbedder(tmp_path / "text.pt")
    b = emb2(["Monza"])
    assert emb2._model is None
    assert np.allclose(b[0].numpy(), a[1].numpy())
