"""Helpers of the out-of-core and data-parallel tests: a small DuckDB database with the
shapes streaming must get right, a deterministic stand-in for the text model, and a
graph comparison."""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np
import pandas as pd
import torch


def make_odd_duckdb(path) -> dict:
    """A DuckDB file with what the streaming build must reproduce: composite primary and
    foreign keys, a text primary key, rows stored out of key order, NULL and dangling
    foreign keys (the dangling one declared through ``foreign_keys=``: DuckDB would
    refuse it as a constraint), integers with NULLs, DECIMAL and DATE columns, a text
    column, a null time, a table without features and one dated wholly after the cut.
    Returns the `rdl.connect` / `open_lazy` keyword arguments it needs."""
    rng = np.random.default_rng(7)
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE users (user_id BIGINT PRIMARY KEY, name VARCHAR, grp VARCHAR, "
                "age INTEGER, created_at TIMESTAMP)")
    users = [(int(i), f"user number {i} {rng.integers(1e6)}", "AB"[i % 2],
              None if i % 7 == 0 else int(20 + i % 50),
              pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(i))) for i in range(60)]
    con.executemany("INSERT INTO users VALUES (?, ?, ?, ?, ?)", users)
    con.execute("CREATE TABLE items (item_code VARCHAR PRIMARY KEY, price DECIMAL(10, 2), "
                "category VARCHAR)")
    con.executemany("INSERT INTO items VALUES (?, ?, ?)",
                    [(f"it-{i:03d}", float(i) + 0.25, "xyz"[i % 3]) for i in range(25)])
    con.execute("CREATE TABLE orders (order_id BIGINT PRIMARY KEY, "
                "user_id BIGINT REFERENCES users (user_id), item_code VARCHAR, "
                "ordered_at TIMESTAMP, qty INTEGER, note VARCHAR)")
    order_rows = []
    for i in rng.permutation(400):  # stored out of key order
        uid = None if i % 37 == 0 else int(rng.integers(60))
        code = "it-999" if i % 41 == 0 else f"it-{int(rng.integers(25)):03d}"  # dangling
        t = None if i % 53 == 0 else pd.Timestamp("2020-01-01") + pd.Timedelta(hours=int(i) * 7)
        order_rows.append((int(i), uid, code, t, int(rng.integers(1, 9)),
                           None if i % 3 else f"note {i % 11}"))
    con.register("o", pd.DataFrame(order_rows, columns=["order_id", "user_id", "item_code",
                                                        "ordered_at", "qty", "note"]))
    con.execute("INSERT INTO orders SELECT * FROM o")
    con.execute("CREATE TABLE order_lines (order_id BIGINT REFERENCES orders (order_id), "
                "line INTEGER, shipped DATE, amount DOUBLE, PRIMARY KEY (order_id, line))")
    lines = pd.DataFrame(
        [(o, ln, (pd.Timestamp("2020-01-02") + pd.Timedelta(hours=o * 7 + ln)).date(),
          float(rng.normal())) for o in range(400) for ln in range(1 + o % 3)],
        columns=["order_id", "line", "shipped", "amount"])
    con.register("lines", lines)
    con.execute("INSERT INTO order_lines SELECT order_id, line, CAST(shipped AS DATE), amount "
                "FROM lines")
    con.execute("CREATE TABLE line_tags (tag_id BIGINT PRIMARY KEY, order_id BIGINT, "
                "line INTEGER, FOREIGN KEY (order_id, line) REFERENCES order_lines "
                "(order_id, line))")
    con.execute("INSERT INTO line_tags SELECT k, k % 400, 0 FROM range(0, 800, 3) r(k)")
    con.execute("CREATE TABLE late (late_id BIGINT PRIMARY KEY, \"at\" TIMESTAMP, score DOUBLE)")
    con.executemany("INSERT INTO late VALUES (?, ?, ?)",
                    [(k, pd.Timestamp("2030-01-01") + pd.Timedelta(days=k), k * 0.5)
                     for k in range(5)])
    con.close()
    return {"time_cols": {"orders": "ordered_at", "order_lines": "shipped", "late": "at",
                          "users": "created_at"},
            "foreign_keys": {"orders": {"item_code": "items"}}}


class FakeTextModel:
    """A deterministic stand-in for all-MiniLM-L6-v2: 384-d unit vectors from a hash of
    the string."""

    def encode(self, sentences, **kwargs):
        rows = []
        for s in sentences:
            seed = int(hashlib.sha1(s.encode()).hexdigest()[:8], 16)
            v = np.random.default_rng(seed).normal(size=384).astype(np.float32)
            rows.append(v / np.linalg.norm(v))
        return torch.from_numpy(np.stack(rows)) if rows else torch.zeros(0, 384)


def assert_graphs_equal(g1, g2) -> None:
    """Same node and edge types (in order), node times, primary keys, edges, TensorFrame
    values (gathered whole from ``g2``) and column stats."""
    assert list(g1.num_nodes.items()) == list(g2.num_nodes.items())
    for t in g1.num_nodes:
        for name, a, b in (("node_time", g1.node_time[t], g2.node_time[t]),
                           ("pkey_values", g1.pkey_values[t], g2.pkey_values[t])):
            assert (a is None) == (b is None), (name, t)
            if a is not None:
                np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=f"{name} {t}")
    assert list(g1.edge_index) == list(g2.edge_index)
    for et in g1.edge_index:
        np.testing.assert_array_equal(g1.edge_index[et], g2.edge_index[et], err_msg=str(et))
    for t, tf1 in g1.tf_dict.items():
        tf2 = g2.tf_dict[t]
        if not hasattr(tf1, "feat_dict"):  # memory-mapped too: gather it whole
            tf1 = tf1[torch.arange(g1.num_nodes[t])]
        assert list(tf1.col_names_dict.items()) == list(tf2.col_names_dict.items()), t
        whole = tf2[torch.arange(g2.num_nodes[t])]
        for st, x in tf1.feat_dict.items():
            y = whole.feat_dict[st]
            if hasattr(x, "offset"):
                assert torch.equal(x.offset, y.offset)
                x, y = x.values, y.values
            assert x.dtype == y.dtype, (t, st)
            torch.testing.assert_close(x, y, rtol=0, atol=0, equal_nan=True, msg=f"{t} {st}")
        s1, s2 = g1.col_stats[t], g2.col_stats[t]
        assert list(s1) == list(s2), t
        for c in s1:
            assert repr(s1[c]) == repr(s2[c]), (t, c, s1[c], s2[c])
