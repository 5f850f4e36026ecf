"""Pretraining views (`rdl.pretrain.views`) keep the leakage rule: every row of a view of
seed ``(entity, t)`` is dated ``<= c <= t' <= t`` (information cut-off ``c``, view time
``t'``), whatever the augmentation strengths — a hypothesis property test, with a control
that shows the check catches a row newer than the seed time. Neighbour dropout keeps
layer-wise trimming exact; feature masking masks the cells it says."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch_frame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rdl.graph import build_graph
from rdl.nn import RelationalBackbone
from rdl.pretrain import PretrainConfig
from rdl.pretrain.views import ViewMaker, drop_neighbours, mask_cells, numerical_means
from rdl.sampling import TemporalNeighborSampler, build_csc
from rdl.sampling.loader import to_batch
from rdl.train import TrainConfig
from rdl.train.trainer import backbone_kwargs
from tests.fixtures.pretrain_toy import toy_database

DAY = 86400


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    graph = build_graph(
        toy_database(num_users=12, events_per_user=30, timed_users=True),
        text=False,
        cache_dir=tmp_path_factory.mktemp("cache"),
    )
    return graph, build_csc(graph.num_nodes, graph.node_time, graph.edge_index)


def newer_rows(batch, limit: torch.Tensor) -> int:
    """How many sampled rows are dated after ``limit`` of their own seed (seed rows
    included)."""
    bad = 0
    for nt in batch.node_types:
        store = batch[nt]
        if "time" in store:
            bad += int((store.time > limit[store.batch]).sum())
    return bad


def non_seed_newer_rows(batch, limit: torch.Tensor, seed_type: str) -> int:
    bad = 0
    for nt in batch.node_types:
        store = batch[nt]
        if "time" not in store:
            continue
        start = batch.seed_time.numel() if nt == seed_type else 0
        bad += int((store.time[start:] > limit[store.batch[start:]]).sum())
    return bad


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cutoff=st.floats(0, 800),
    jitter=st.floats(0, 800),
    dropout=st.floats(0, 0.95),
    mask=st.floats(0, 1),
    seed=st.integers(0, 2**31 - 1),
    fanouts=st.sampled_from([[4, 2], [16, 8], [-1, -1], [3, 3, 3]]),
    num_seeds=st.integers(1, 40),
    offset_days=st.integers(-900, 900),
)
def test_no_view_holds_a_row_newer_than_its_seed_time(
    toy, cutoff, jitter, dropout, mask, seed, fanouts, num_seeds, offset_days
):
    graph, csc = toy
    rng = np.random.default_rng(seed)
    node = rng.integers(0, graph.num_nodes["users"], num_seeds)
    # seed times around the data (2020-2021), some before the user joined
    base = np.datetime64("2021-01-01", "s").astype(np.int64)
    joined = graph.node_time["users"][node]
    # seeds as pretraining makes them: the entity row exists at t
    time = np.maximum(base + offset_days * DAY + rng.integers(-400, 400, num_seeds) * DAY, joined)
    options = PretrainConfig(
        num_views=2,
        max_cutoff_days=cutoff,
        max_jitter_days=jitter,
        neighbor_dropout=dropout,
        feature_mask=mask,
        seed_mask=0.5,
    )
    maker = ViewMaker(graph, csc, "users", fanouts, "uniform", options, seed=seed)
    for view in maker.views(node, time):
        b = view.batch
        origin = torch.from_numpy(time)
        assert torch.equal(b.origin_time, origin)
        # own time <= c <= t' <= t
        assert (b.cut_time <= b.seed_time).all() and (b.seed_time <= origin).all()
        assert (b.cut_time >= torch.from_numpy(joined)).all()
        # the leakage rule: no row of the view (seed rows included) is newer than t ...
        assert newer_rows(b, origin) == 0
        # ... nor, but for the seed row, than the view's cut-off
        assert non_seed_newer_rows(b, b.cut_time, "users") == 0
        # dropout leaves edges between existing local nodes only
        for et in b.edge_types:
            ei = b[et].edge_index
            if ei.numel():
                assert (
                    int(ei[0].max()) < b[et[0]].num_nodes and int(ei[1].max()) < b[et[2]].num_nodes
                )
                assert sum(b.num_sampled_edges_dict[et]) == ei.size(1)


def test_control_the_check_catches_a_row_newer_than_the_seed_time(toy):
    """Sampling at ``t + 200 days`` (a view that ignored the rule) is caught."""
    graph, csc = toy
    sampler = TemporalNeighborSampler(csc, graph.num_nodes, graph.node_time, [16, 8], seed=0)
    node = np.arange(graph.num_nodes["users"])
    time = np.full(len(node), np.datetime64("2020-10-01", "s").astype(np.int64))
    good = to_batch(sampler.sample("users", node, time), graph.node_time)
    assert non_seed_newer_rows(good, torch.from_numpy(time), "users") == 0
    bad = to_batch(sampler.sample("users", node, time + 200 * DAY), graph.node_time, time)
    assert non_seed_newer_rows(bad, torch.from_numpy(time), "users") > 0


def test_neighbour_dropout_keeps_trimming_exact(toy):
    """After dropout, the seeds' embeddings with layer-wise trimming (recounted per-hop
    edge counts) equal those of the untrimmed forward pass."""
    graph, csc = toy
    torch.manual_seed(0)
    kw = backbone_kwargs(
        graph,
        TrainConfig(
            channels=8, encoder_layers=1, text=False, num_neighbors=[8, 4, 4], num_layers=3
        ),
    )
    backbone = RelationalBackbone(**kw, num_layers=3).eval()
    sampler = TemporalNeighborSampler(csc, graph.num_nodes, graph.node_time, [8, 4, 4], seed=1)
    node = np.arange(graph.num_nodes["users"])
    time = np.full(len(node), np.datetime64("2021-03-01", "s").astype(np.int64))
    batch = to_batch(sampler.sample("users", node, time), graph.node_time)
    before = sum(batch[et].edge_index.size(1) for et in batch.edge_types)
    drop_neighbours(batch, "users", len(node), 0.5, np.random.default_rng(0))
    after = sum(batch[et].edge_index.size(1) for et in batch.edge_types)
    assert 0 < after < before
    with torch.no_grad():
        trimmed, _ = backbone(batch, graph.tf_dict)
        full, _ = backbone(batch, graph.tf_dict, trim=False)
    n = len(node)
    torch.testing.assert_close(trimmed["users"][:n], full["users"][:n])


def test_feature_masking_masks_the_cells_it_says(toy):
    graph, _ = toy
    tf = graph.tf_dict["events"][torch.arange(50)]
    g = torch.Generator().manual_seed(0)
    same = mask_cells(tf, 0.0, None, g)
    for st_, x in tf.feat_dict.items():
        assert torch.equal(same.feat_dict[st_], x)
    full_rows = torch.zeros(50, dtype=torch.bool)
    full_rows[:5] = True
    fill = numerical_means(graph)["events"]
    part = mask_cells(tf, 0.3, full_rows, g, fill)
    num = part.feat_dict[torch_frame.numerical]
    cat = part.feat_dict[torch_frame.categorical]
    assert (num[:5] == fill).all() and (cat[:5] == -1).all()
    share = float((cat[5:] == -1).float().mean())
    assert 0.15 < share < 0.45
    assert not num.isnan().any()  # never NaN: NaN inputs give NaN weight gradients
    # the original frame is left as it was
    assert (tf.feat_dict[torch_frame.categorical] >= 0).all()
