"""The small three-table graph the model tests run on (tables named like Module
attributes: ``keys``, ``items``, ``values``), a batch of 20 seeds on it, and a tiny model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from rdl.db import Database, Table, infer_stypes
from rdl.graph import build_graph
from rdl.nn import RDLModel
from rdl.sampling import TemporalNeighborSampler, build_csc
from rdl.sampling.loader import NodeLoader
from rdl.train.config import TrainConfig
from rdl.train.entity import model_kwargs

NUM_SEEDS = 20


def small_graph(cache_dir):
    """30 items under 5 keys, 400 dated values of the items (2020)."""
    rng = np.random.default_rng(0)
    n_items, n_events = 30, 400
    keys = pd.DataFrame({"key_id": np.arange(5), "w": rng.normal(size=5)})
    items = pd.DataFrame({"item_id": np.arange(n_items), "price": rng.random(n_items),
                          "key_id": rng.integers(0, 5, n_items),
                          "kind": rng.choice(["a", "b", "c"], n_items)})
    values = pd.DataFrame({
        "value_id": np.arange(n_events),
        "item_id": rng.integers(0, n_items, n_events),
        "ts": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 365, n_events), unit="D"),
        "qty": rng.integers(1, 9, n_events).astype(float),
    })

    def table(df, pk, fks, tc=None):
        return Table(df, fks, pk, tc, infer_stypes(df, exclude=[pk, *fks]))

    db = Database({"keys": table(keys, "key_id", {}),
                   "items": table(items, "item_id", {"key_id": "keys"}),
                   "values": table(values, "value_id", {"item_id": "items"}, "ts")})
    return build_graph(db, text=False, cache_dir=cache_dir)


def seed_arrays(graph):
    """``(seed nodes, seed times)`` of the 20 test seeds (items, mid-2020 onwards)."""
    seeds = np.arange(NUM_SEEDS) % graph.num_nodes["items"]
    times = np.full(NUM_SEEDS, pd.Timestamp("2020-07-01").value // 10**9) + np.arange(NUM_SEEDS) * 86400 * 5
    return seeds, times


def small_batch(graph, fanout=(6, 4)):
    """One batch of the 20 seeds (`NodeLoader`, sampler seed 1)."""
    csc = build_csc(graph.num_nodes, graph.node_time, graph.edge_index)
    sampler = TemporalNeighborSampler(csc, graph.num_nodes, graph.node_time, list(fanout), seed=1)
    seeds, times = seed_arrays(graph)
    loader = NodeLoader(sampler, graph.node_time, "items", seeds, times, batch_size=NUM_SEEDS)
    return next(iter(loader))[0]


def small_model(graph, pooling="seed", **kw):
    """An `RDLModel` with 16 channels and one ResNet block per table (torch seed 0)."""
    torch.manual_seed(0)
    cfg = TrainConfig(channels=16, encoder_layers=1, pooling=pooling, **kw)
    return RDLModel(**model_kwargs(graph, "items", 1, cfg))
