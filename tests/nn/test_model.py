"""The model's shortcuts are exact: encoding distinct rows once equals encoding every
per-seed copy, and layer-wise trimming gives the seeds the same outputs as the full
computation. Tables named like Module attributes work."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rdl.nn import POOLINGS
from rdl.sampling import TemporalNeighborSampler, build_csc
from rdl.sampling.loader import NodeLoader
from tests.fixtures.nn import small_batch, small_graph, small_model


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    return small_graph(tmp_path_factory.mktemp("cache"))


_batch = small_batch
_model = small_model


@pytest.mark.parametrize("pooling", POOLINGS)
def test_forward_backward_all_poolings(graph, pooling):
    batch = _batch(graph)
    model = _model(graph, pooling)
    out = model(batch, graph.tf_dict)
    assert out.shape == (20, 1)
    out.sum().backward()
    assert model.backbone.encoder.encoders["t:items"].decoder[-1].weight.grad is not None


def test_unique_row_encoding_is_exact(graph):
    batch = _batch(graph)
    model = _model(graph).eval()
    bb = model.backbone
    x_dict, _ = bb.features(batch, graph.tf_dict)
    for nt in x_dict:
        direct = bb.encoder(nt, graph.tf_dict[nt][batch[nt].n_id])
        if nt in bb.time_tables:
            direct = direct + bb.temporal(nt, batch.seed_time[batch[nt].batch], batch[nt].time)
        torch.testing.assert_close(x_dict[nt], direct, rtol=1e-5, atol=1e-5)
    assert sum(batch[nt].uniq.numel() for nt in x_dict) < sum(
        batch[nt].n_id.numel() for nt in x_dict
    )


def test_trimming_is_exact(graph):
    batch = _batch(graph)
    model = _model(graph).eval()
    x_dict, _ = model.backbone.features(batch, graph.tf_dict)
    ei = {et: batch[et].edge_index for et in batch.edge_types}
    full = model.backbone.gnn(dict(x_dict), ei)
    trimmed = model.backbone.gnn(
        dict(x_dict), ei, batch.num_sampled_nodes_dict, batch.num_sampled_edges_dict
    )
    torch.testing.assert_close(trimmed["items"][:20], full["items"][:20])
    # hop-2 items (other items under the seed's key) were trimmed before the last layer
    assert batch.num_sampled_nodes_dict["items"][2] > 0
    assert trimmed["items"].size(0) < full["items"].size(0)


def test_entity_grouped_batches_keep_groups_together(graph):
    csc = build_csc(graph.num_nodes, graph.node_time, graph.edge_index)
    sampler = TemporalNeighborSampler(csc, graph.num_nodes, graph.node_time, [2, 2], seed=1)
    seeds = np.repeat(np.arange(10), 4)
    loader = NodeLoader(
        sampler,
        graph.node_time,
        "items",
        seeds,
        np.full(40, 1_600_000_000),
        batch_size=8,
        shuffle=True,
        group=seeds,
    )
    seen = [np.unique(seeds[idx]) for _, idx in loader]
    assert all(len(s) == 2 for s in seen)  # 8 seeds = two whole entities per batch
    assert sorted(np.concatenate(seen).tolist()) == list(range(10))


def test_entity_groups_cut_runs_of_consecutive_seed_times():
    from rdl.train.entity import entity_groups

    node = np.array([5, 5, 5, 7, 5, 7, 5])
    time = np.array([50, 10, 30, 1, 20, 2, 40])
    g = entity_groups(node, time, 2)
    # entity 5 in time order: 10, 20 | 30, 40 | 50 ; entity 7: 1, 2
    assert g[1] == g[4] and g[2] == g[6] and len({g[0], g[1], g[2]}) == 3
    assert g[3] == g[5] and g[3] not in {g[0], g[1], g[2]}
    assert np.array_equal(entity_groups(node, time, None), node)


@pytest.mark.parametrize("pooling", POOLINGS)
def test_reset_parameters_resets_every_child(graph, pooling):
    model = _model(graph, pooling)
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(0.123)
    model.reset_parameters()
    stale = [n for n, p in model.named_parameters() if torch.all(p == 0.123)]
    assert not stale, f"not reset: {stale}"
