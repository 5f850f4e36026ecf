"""The distractor transform of ``benchmarks/distractors.py``: k rows of other entities per
seed, none dated after its seed time, placed in the first hop (they reach the pooled set
and survive trimming), linked to the seed only when asked."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.fixtures.nn import NUM_SEEDS, small_batch, small_graph, small_model

_spec = importlib.util.spec_from_file_location(  # benchmark-only code (benchmarks/)
    "distractor_transform",
    Path(__file__).resolve().parents[2] / "benchmarks" / "distractor_transform.py",
)
_mod = importlib.util.module_from_spec(_spec)
sys.modules["distractor_transform"] = _mod
_spec.loader.exec_module(_mod)
DistractorTransform = _mod.DistractorTransform


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    return small_graph(tmp_path_factory.mktemp("cache"))


def test_distractors_are_other_entities_rows_dated_up_to_the_seed_time(graph):
    batch = small_batch(graph)
    out = DistractorTransform(graph, "items", k=16, seed=0)(batch)
    hop = batch.num_sampled_nodes_dict["values"]
    at = hop[0] + hop[1]
    added = slice(at, at + out.num_sampled_nodes_dict["values"][1] - hop[1])
    rows, owner = out["values"].n_id[added].numpy(), out["values"].batch[added].numpy()
    assert len(rows) == 16 * NUM_SEEDS  # every seed has >= 16 candidates here
    assert np.array_equal(np.bincount(owner, minlength=NUM_SEEDS), np.full(NUM_SEEDS, 16))
    assert (graph.node_time["values"][rows] <= batch.seed_time.numpy()[owner]).all()
    # never a row of the seed's own entity
    item_of = dict(zip(*graph.edge_index[("values", "f2p_item_id", "items")]))
    seed_items = batch["items"].n_id[:NUM_SEEDS].numpy()
    assert all(item_of[r] != seed_items[o] for r, o in zip(rows, owner))
    # the real rows are kept, in order, and the time / distinct-row fields follow
    n = batch["values"].n_id
    assert torch.equal(out["values"].n_id[:at], n[:at])
    assert torch.equal(out["values"].n_id[added.stop :], n[at:])
    assert torch.equal(
        out["values"].time, torch.from_numpy(graph.node_time["values"][out["values"].n_id.numpy()])
    )
    assert torch.equal(out["values"].uniq[out["values"].inv], out["values"].n_id)
    # control: a seed time before every value row leaves nothing to draw
    t = DistractorTransform(graph, "items", k=16, seed=0)
    seed, _ = t.draw(seed_items, np.full(NUM_SEEDS, int(graph.node_time["values"].min()) - 1))
    assert len(seed) == 0


def test_edges_still_point_at_the_same_rows(graph):
    batch = small_batch(graph)
    out = DistractorTransform(graph, "items", k=8, seed=1, attach=False)(batch)
    for et in batch.edge_types:
        src, _, dst = et
        a, b = batch[et].edge_index, out[et].edge_index
        assert torch.equal(batch[src].n_id[a[0]], out[src].n_id[b[0]])
        assert torch.equal(batch[dst].n_id[a[1]], out[dst].n_id[b[1]])
        assert torch.equal(batch[dst].batch[a[1]], out[dst].batch[b[1]])


@pytest.mark.parametrize("attach", [False, True])
def test_distractors_reach_the_pooled_set_and_the_seed_only_when_attached(graph, attach):
    batch = small_batch(graph)
    out = DistractorTransform(graph, "items", k=8, seed=2, attach=attach)(batch)
    model = small_model(graph, pooling="mean").eval()
    with torch.no_grad():
        x0, b0 = model.backbone(batch, graph.tf_dict)
        x1, b1 = model.backbone(out, graph.tf_dict)
        seeds_same = torch.allclose(x0["items"][:NUM_SEEDS], x1["items"][:NUM_SEEDS])
        assert seeds_same != attach  # message passing sees them only when attached
        # they survive trimming into the pooled set: 8 more nodes per seed
        n0 = torch.bincount(torch.cat(list(b0.values())), minlength=NUM_SEEDS)
        n1 = torch.bincount(torch.cat(list(b1.values())), minlength=NUM_SEEDS)
        assert torch.equal(n1 - n0, torch.full((NUM_SEEDS,), 8))
        assert not torch.allclose(model(batch, graph.tf_dict), model(out, graph.tf_dict))
        # trimming stays exact for the seeds with the distractors in place
        feats, _ = model.backbone.features(out, graph.tf_dict)
        ei = {et: out[et].edge_index for et in out.edge_types}
        full = model.backbone.gnn(dict(feats), ei)
    torch.testing.assert_close(x1["items"][:NUM_SEEDS], full["items"][:NUM_SEEDS])


def test_k_zero_is_the_batch_itself(graph):
    batch = small_batch(graph)
    assert DistractorTransform(graph, "items", k=0)(batch) is batch
